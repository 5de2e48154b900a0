#pragma once
// The environment the pipeline reads from: input files and the clock, behind an interface so that
// a long-lived processor (and the daemon on it) is tested with files that grow, rotate and vanish
// in memory, under a clock the test moves. DefaultEnv() is the file system and the system clock;
// MemEnv keeps files in memory.
//
// Thread-safety: DefaultEnv is thread-safe; a MemEnv belongs to one thread (the test's).

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "keikai/core/clock.h"
#include "keikai/core/status.h"
#include "keikai/ingest/source.h"

namespace keikai::ingest {

class Env {
 public:
  virtual ~Env() = default;
  // The lines of one input ("-" is stdin where there is one).
  virtual Result<std::unique_ptr<LineSource>> Open(const std::string& path, std::size_t max_line) = 0;
  // Paths, globs and directories to inputs, in ExpandInputs' order.
  virtual Result<std::vector<std::string>> Expand(const std::vector<std::string>& patterns,
                                                  std::vector<std::string>* skipped_dirs) = 0;
  virtual const Clock& clock() const = 0;
};

// The file system and the system clock.
Env& DefaultEnv();

// Files in memory, for tests: an input pattern is a file's exact name or a directory (every file
// whose name starts with it and a '/', without descending further). Contents may be compressed
// (gzip, zstd), as on disk.
class MemEnv : public Env {
 public:
  explicit MemEnv(int64_t now = 0) : clock_(now) {}
  Result<std::unique_ptr<LineSource>> Open(const std::string& path, std::size_t max_line) override;
  Result<std::vector<std::string>> Expand(const std::vector<std::string>& patterns,
                                          std::vector<std::string>* skipped_dirs) override;
  const Clock& clock() const override { return clock_; }
  FakeClock& fake_clock() { return clock_; }

  void Write(const std::string& path, std::string data) { files_[path] = std::move(data); }
  void Append(const std::string& path, const std::string& data) { files_[path] += data; }
  // Like rename(2): replaces `to`.
  bool Rename(const std::string& from, const std::string& to);
  void Remove(const std::string& path) { files_.erase(path); }
  // Like copytruncate: `to` gets a copy, `from` is emptied.
  void CopyTruncate(const std::string& from, const std::string& to);

 private:
  std::map<std::string, std::string> files_;
  FakeClock clock_;
};

}  // namespace keikai::ingest
