#pragma once
// LineSource: reads lines from a plain, gzip or zstd file (detected by magic bytes, not by name)
// or from stdin ("-"), in large blocks, finding line ends with memchr. A line longer than
// max_line is returned truncated with too_long set and the rest of it is skipped without being
// buffered, so memory stays bounded whatever the input. A missing final newline still yields the
// last line. '\r' before '\n' is stripped. Not thread-safe; one per file.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "keikai/core/status.h"

namespace keikai::ingest {

enum class Compression { kNone, kGzip, kZstd };

class LineSource {
 public:
  static constexpr std::size_t kDefaultMaxLine = 64 * 1024;

  virtual ~LineSource() = default;
  // path "-" is stdin.
  static Result<std::unique_ptr<LineSource>> Open(const std::string& path,
                                                  std::size_t max_line = kDefaultMaxLine);
  // From memory (tests, fuzzers); the data is copied.
  static std::unique_ptr<LineSource> FromString(std::string data,
                                                std::size_t max_line = kDefaultMaxLine);

  // Next line; false at end of input or on a read error (check status()).
  virtual bool Next(std::string_view& line, bool& too_long) = 0;
  // 1-based number of the line last returned.
  virtual uint64_t line_number() const = 0;
  // Decompressed bytes consumed up to the end of the last returned line (incl. its newline).
  virtual uint64_t offset() const = 0;
  // Bytes read from the underlying file so far (for progress); total size if known, else 0.
  virtual uint64_t raw_position() const = 0;
  virtual uint64_t raw_size() const = 0;
  virtual Compression compression() const = 0;
  // False when the last returned line ended at end of input without a newline (a line still
  // being written); follow-up scans must not treat it as complete.
  virtual bool last_line_terminated() const = 0;
  virtual const Status& status() const = 0;
  // Skip the first n decompressed bytes (must be at a line boundary); line numbers count the
  // skipped lines. Call before the first Next().
  virtual bool SkipTo(uint64_t n, uint64_t lines_in_skipped) = 0;
};

// Expand globs and directories ("-" stays as is); sorted so rotated files come oldest first
// (access.log.10.gz before access.log.2.gz before access.log.1 before access.log). A directory
// gives its regular files; its subdirectories are not descended into, and are listed in
// *skipped_dirs (when given) so the caller can say so.
Result<std::vector<std::string>> ExpandInputs(const std::vector<std::string>& patterns,
                                              std::vector<std::string>* skipped_dirs = nullptr);
// The order ExpandInputs gives (rotation families oldest first), duplicates removed.
void SortInputs(std::vector<std::string>& paths);

// The rotated copies of a log beside it, oldest first, as logrotate and newsyslog name them:
// PATH.N, PATH.N.gz, PATH.N.zst (N up to 6 digits) and PATH-YYYYMMDD[HH], with or without
// .gz/.zst (dateext). At most max of them, the newest. Regular files only.
std::vector<std::string> RotatedCopies(const std::string& path, std::size_t max = 100);

}  // namespace keikai::ingest
