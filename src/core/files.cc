#include "keikai/core/files.h"

#include "keikai/core/i18n.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <random>
#include <vector>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

namespace keikai {
namespace {

std::string UserDir(const char* xdg_var, const char* home_suffix) {
  const char* xdg = std::getenv(xdg_var);
  if (xdg != nullptr && *xdg == '/') return std::string(xdg) + "/keikai";
  const char* home = std::getenv("HOME");
  if (home != nullptr && *home == '/') return std::string(home) + "/" + home_suffix + "/keikai";
  return "";
}

}  // namespace

bool ReadFile(const std::string& path, std::string& out) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return false;
  // A regular file is read in one piece into a string sized from fstat (the compiled-pattern
  // and geo caches are megabytes: growing the string chunk by chunk copied them several times
  // over and faulted in every intermediate buffer). The loop below still reads whatever
  // follows, so a file that grows meanwhile (or a pipe) is read to its end.
  struct stat st {};
  if (::fstat(::fileno(f), &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
    const std::size_t have = out.size();
    const auto want = static_cast<std::size_t>(st.st_size);
    out.resize(have + want);
    const std::size_t got = std::fread(out.data() + have, 1, want, f);
    out.resize(have + got);
  }
  char buf[1 << 16];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  const bool ok = std::ferror(f) == 0;
  std::fclose(f);
  return ok;
}

bool MakePrivateDirs(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (dir.empty() || fs::is_directory(dir, ec)) return true;
  std::vector<fs::path> missing;
  for (fs::path p = dir; !p.empty() && !fs::exists(p, ec); p = p.parent_path()) {
    missing.push_back(p);
    if (p == p.parent_path()) break;
  }
  for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
    if (::mkdir(it->c_str(), 0700) != 0 && errno != EEXIST) return false;
  }
  return fs::is_directory(dir, ec);
}

namespace {

// A temporary file beside path, created exclusively with the given mode.
int CreateTemp(const std::string& path, mode_t mode, std::string& tmp) {
  const auto p = std::filesystem::path(path);
  static std::atomic<unsigned> counter{0};
  std::random_device rd;
  for (int attempt = 0; attempt < 16; ++attempt) {
    tmp = (p.parent_path() / ("." + p.filename().string() + ".keikai-" + std::to_string(::getpid()) +
                              "-" + std::to_string(rd() ^ counter++) + ".tmp"))
              .string();
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
    if (fd >= 0 || errno != EEXIST) return fd;
  }
  return -1;
}

}  // namespace

bool WriteFileAtomic(const std::string& path, std::string_view bytes, unsigned mode) {
  const auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty() && !MakePrivateDirs(parent.string())) return false;
  std::string tmp;
  const int fd = CreateTemp(path, mode, tmp);
  if (fd < 0) return false;
  std::FILE* f = ::fdopen(fd, "wb");
  if (f == nullptr) {
    ::close(fd);
    ::unlink(tmp.c_str());
    return false;
  }
  bool ok = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
  // On disk before it replaces anything: after a power loss the file is the old one or the new
  // one, never empty (a quarantined message is the only copy once the milter discards it).
  ok = ok && std::fflush(f) == 0 && ::fsync(::fileno(f)) == 0;
  ok = std::fclose(f) == 0 && ok;
  std::error_code ec;
  if (ok) std::filesystem::rename(tmp, path, ec);
  ok = ok && !ec;
  if (!ok) std::filesystem::remove(tmp, ec);
  if (ok && !parent.empty()) {
    // The rename itself, in the folder.
    if (const int dfd = ::open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dfd >= 0) {
      ::fsync(dfd);
      ::close(dfd);
    }
  }
  return ok;
}

Result<OutputFile> OutputFile::Create(const std::string& path, bool follow_symlink) {
  OutputFile o;
  o.path_ = path;
  if (path.empty() || path == "-") {
    o.f_ = stdout;
    return o;
  }
  std::string final_path = path;
  struct stat st {};
  bool exists = ::lstat(path.c_str(), &st) == 0;
  if (exists && S_ISLNK(st.st_mode)) {
    if (!follow_symlink) {
      return Status::Error("output", path + ": " + Tr("err.output_symlink"));
    }
    std::error_code ec;
    const auto target = std::filesystem::canonical(path, ec);
    if (ec) return Status::Error("output", path + ": " + ErrnoText(ec.value()));
    final_path = target.string();
    exists = ::lstat(final_path.c_str(), &st) == 0;
  }
  if (exists && S_ISDIR(st.st_mode)) return Status::Error("output", path + ": " + ErrnoText(EISDIR));
  if (exists && !S_ISREG(st.st_mode)) {
    // A device or a pipe (/dev/null, a FIFO) is written in place: there is nothing to replace.
    std::FILE* f = std::fopen(final_path.c_str(), "wb");
    if (f == nullptr) return Status::Error("output", path + ": " + ErrnoText(errno));
    o.f_ = f;
    o.final_ = final_path;
    o.committed_ = true;  // no temporary file
    return o;
  }
  std::string tmp;
  const int fd = CreateTemp(final_path, 0600, tmp);
  if (fd < 0) return Status::Error("output", path + ": " + ErrnoText(errno));
  // The mode it ends with: the replaced file's, or what a new file would get under the umask.
  mode_t mode;
  if (exists) {
    mode = st.st_mode & 07777;
    if (::geteuid() == 0 && ::fchown(fd, st.st_uid, st.st_gid) != 0) {
      // keep going: the mode below still protects it
    }
  } else {
    const mode_t um = ::umask(0);
    ::umask(um);
    mode = 0666 & ~um;
  }
  if (::fchmod(fd, mode) != 0) {
    ::close(fd);
    ::unlink(tmp.c_str());
    return Status::Error("output", path + ": " + ErrnoText(errno));
  }
  o.f_ = ::fdopen(fd, "wb");
  if (o.f_ == nullptr) {
    ::close(fd);
    ::unlink(tmp.c_str());
    return Status::Error("output", path + ": " + ErrnoText(errno));
  }
  o.final_ = final_path;
  o.tmp_ = tmp;
  return o;
}

OutputFile::OutputFile(OutputFile&& o) noexcept
    : f_(o.f_), path_(std::move(o.path_)), final_(std::move(o.final_)), tmp_(std::move(o.tmp_)),
      committed_(o.committed_), write_errno_(o.write_errno_) {
  o.f_ = nullptr;
  o.tmp_.clear();
  o.committed_ = true;
}

OutputFile::~OutputFile() {
  if (f_ != nullptr && f_ != stdout) std::fclose(f_);
  if (!committed_ && !tmp_.empty()) ::unlink(tmp_.c_str());
}

bool OutputFile::Write(std::string_view bytes) {
  if (f_ == nullptr) return false;
  if (std::fwrite(bytes.data(), 1, bytes.size(), f_) == bytes.size()) return true;
  // stdio drops what it could not write: a later fflush succeeds on what is left, so the short
  // write must be remembered here or a truncated report would be renamed into place.
  if (write_errno_ == 0) write_errno_ = errno != 0 ? errno : EIO;
  return false;
}

Status OutputFile::Commit() {
  if (f_ == nullptr) return Status::Error("output", path_ + ": not open");
  const std::string name = f_ == stdout ? std::string("stdout") : path_;
  bool ok = write_errno_ == 0 && std::ferror(f_) == 0 && std::fflush(f_) == 0;
  int err = write_errno_ != 0 ? write_errno_ : (errno != 0 ? errno : EIO);
  if (f_ == stdout || tmp_.empty()) {  // written in place
    return ok ? Status::Ok() : Status::Error("output", name + ": " + ErrnoText(err));
  }
  if (ok && ::fsync(::fileno(f_)) != 0) {
    ok = false;
    err = errno;
  }
  if (std::fclose(f_) != 0 && ok) {
    ok = false;
    err = errno;
  }
  f_ = nullptr;
  if (!ok) return Status::Error("output", name + ": " + ErrnoText(err));
  if (::rename(tmp_.c_str(), final_.c_str()) != 0) {
    return Status::Error("output", name + ": " + ErrnoText(errno));
  }
  committed_ = true;
  return Status::Ok();
}

void PruneSiblings(const std::string& dir, const std::string& keep, const std::string& prefix) {
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    if (name.rfind(prefix, 0) == 0 && e.path().string() != keep) {
      std::filesystem::remove(e.path(), ec);
    }
  }
}

void TouchIfStale(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const auto t = fs::last_write_time(path, ec);
  if (ec) return;
  const auto now = fs::file_time_type::clock::now();
  if (now - t > std::chrono::hours(24)) fs::last_write_time(path, now, ec);
}

void PruneOlderThan(const std::string& dir, const std::string& prefix, int max_age_days) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const auto cutoff = fs::file_time_type::clock::now() - std::chrono::hours(24) * max_age_days;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    if (name.rfind(prefix, 0) != 0) continue;
    std::error_code ec2;
    const auto t = fs::last_write_time(e.path(), ec2);
    if (!ec2 && t < cutoff) fs::remove(e.path(), ec2);
  }
}

namespace {
// keikai's own directory, made by an older keikai with the umask's 0755 (it holds pattern
// caches and, in the data directory, databases of log contents): made private again. Only this
// directory, which keikai owns and names, never one a user gave.
std::string Private(std::string dir) {
  struct stat st {};
  if (!dir.empty() && ::lstat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode) &&
      st.st_uid == ::geteuid() && (st.st_mode & 077) != 0) {
    ::chmod(dir.c_str(), 0700);
  }
  return dir;
}
}  // namespace

std::string DefaultCacheDir() {
  static const std::string dir = Private(UserDir("XDG_CACHE_HOME", ".cache"));
  return dir;
}
std::string DefaultDataDir() {
  static const std::string dir = Private(UserDir("XDG_DATA_HOME", ".local/share"));
  return dir;
}

TreeListing ListTree(const std::string& dir, int max_depth, std::size_t max_files) {
  TreeListing out;
  std::vector<std::pair<std::filesystem::path, int>> todo = {{dir, 0}};
  while (!todo.empty() && !out.truncated) {
    auto [d, depth] = todo.back();
    todo.pop_back();
    std::error_code ec;
    std::filesystem::directory_iterator it(d, ec), end;
    for (; !ec && it != end; it.increment(ec)) {
      std::error_code ec2;
      const auto st = it->symlink_status(ec2);
      if (std::filesystem::is_directory(st)) {
        if (depth < max_depth) todo.emplace_back(it->path(), depth + 1);
      } else if (std::filesystem::is_regular_file(st)) {
        if (out.files.size() >= max_files) {
          out.truncated = true;
          break;
        }
        out.files.push_back(it->path().string());
      }
    }
    if (ec) out.unreadable.push_back(d.string() + ": " + ec.message());
  }
  std::sort(out.files.begin(), out.files.end());
  return out;
}

}  // namespace keikai
