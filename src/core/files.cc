#include "keikai/core/files.h"

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
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

bool WriteFileAtomic(const std::string& path, std::string_view bytes) {
  std::error_code ec;
  const auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  const std::string tmp = path + ".tmp" + std::to_string(::getpid());
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (f == nullptr) return false;
  bool ok = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
  ok = std::fclose(f) == 0 && ok;
  if (ok) std::filesystem::rename(tmp, path, ec);
  ok = ok && !ec;
  std::filesystem::remove(tmp, ec);
  return ok;
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

std::string DefaultCacheDir() { return UserDir("XDG_CACHE_HOME", ".cache"); }
std::string DefaultDataDir() { return UserDir("XDG_DATA_HOME", ".local/share"); }

}  // namespace keikai
