#pragma once
// Small file helpers shared by the stages that keep caches and read whole files.
// Thread-safe (no shared state); errors are reported as false, never thrown.

#include <cstdio>
#include <string>
#include <vector>
#include <string_view>

#include "keikai/core/status.h"

namespace keikai {

// An output file that appears whole or not at all: the bytes go to a temporary file beside the
// final path (created exclusively, 0600 while written), which Commit() syncs and renames over
// it. Until then the old file is untouched, so a scan that fails or is killed never leaves an
// empty or half-written report. A replaced file keeps its mode (and owner, when run as root); a
// new one gets 0666 minus the umask. A symbolic link at the final path is refused unless
// follow_symlink, then the file it points to is replaced (a link planted in a shared directory
// must not make a privileged run overwrite another file). Not thread-safe.
class OutputFile {
 public:
  // "" or "-" is stdout (written directly; Commit flushes it).
  static Result<OutputFile> Create(const std::string& path, bool follow_symlink = false);
  OutputFile(OutputFile&& o) noexcept;
  OutputFile& operator=(OutputFile&&) = delete;
  OutputFile(const OutputFile&) = delete;
  ~OutputFile();  // removes the temporary file unless committed

  std::FILE* file() const { return f_; }
  bool is_stdout() const { return f_ == stdout; }
  // Whether there is an old file that stays in place until Commit (false for stdout, a device
  // or a pipe, which are written directly).
  bool replaces_file() const { return !tmp_.empty(); }
  const std::string& path() const { return path_; }
  // A short write (a full disk) is remembered: Commit then fails and nothing is renamed.
  bool Write(std::string_view bytes);
  Status Commit();

 private:
  OutputFile() = default;
  std::FILE* f_ = nullptr;
  std::string path_, final_, tmp_;
  bool committed_ = false;
  int write_errno_ = 0;  // errno of the first failed Write, 0 if none
};

// Reads a whole file into out (appended); false if it cannot be opened or read.
bool ReadFile(const std::string& path, std::string& out);
// Writes bytes to a temporary file beside path and renames it over path, creating the parent
// directory if needed (0700), so a reader never sees half a file; the file is 0600 (caches hold
// what keikai read) unless mode says otherwise. False on any failure.
bool WriteFileAtomic(const std::string& path, std::string_view bytes, unsigned mode = 0600);
// Removes the files in dir whose names start with prefix, except keep (old cache entries).
void PruneSiblings(const std::string& dir, const std::string& keep, const std::string& prefix);
// For cache families whose entries legitimately coexist (one per phrase list, per rule group):
// a loaded entry is marked as used (its modification time set to now, at most once a day), and
// entries not used for max_age_days are removed when a new one is stored.
void TouchIfStale(const std::string& path);
void PruneOlderThan(const std::string& dir, const std::string& prefix, int max_age_days);
// Creates dir and any missing parents, each new level 0700; true if it exists afterwards.
bool MakePrivateDirs(const std::string& dir);
// Per-user directories: $XDG_CACHE_HOME/keikai or ~/.cache/keikai, and $XDG_DATA_HOME/keikai
// or ~/.local/share/keikai; "" when neither variable gives an absolute path.
// The regular files under dir, to max_depth levels below it, sorted. A directory that cannot be
// read is named in unreadable (a partial listing is never silent); more than max_files set
// truncated.
struct TreeListing {
  std::vector<std::string> files, unreadable;
  bool truncated = false;
};
TreeListing ListTree(const std::string& dir, int max_depth, std::size_t max_files);

std::string DefaultCacheDir();
std::string DefaultDataDir();

}  // namespace keikai
