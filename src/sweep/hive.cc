#include "keikai/sweep/hive.h"

#include "keikai/core/i18n.h"
#include "keikai/core/utf8.h"

#include <hivex.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>

namespace keikai::sweep {
namespace {

struct HiveCloser {
  void operator()(hive_h* h) const { hivex_close(h); }
};
using Hive = std::unique_ptr<hive_h, HiveCloser>;

struct FreeDeleter {
  void operator()(void* p) const { std::free(p); }
};

// The child of node along path ("a\\b\\c"), 0 when a part is missing. hivex_node_get_child
// compares names without regard to case; it returns 0 with errno set when it could not compare a
// sibling's name (a name that is not valid UTF-16): then the key may be there, unread.
hive_node_h Descend(hive_h* h, hive_node_h node, const std::string& path, std::string& problem) {
  std::size_t start = 0;
  while (node != 0 && start <= path.size()) {
    const std::size_t end = std::min(path.find('\\', start), path.size());
    const std::string part = path.substr(start, end - start);
    errno = 0;
    node = hivex_node_get_child(h, node, part.c_str());
    if (node == 0 && errno != 0) problem = TrFill("sweep.detail.hive_lookup", {{"{path}", path}, {"{error}", ErrnoText(errno)}, {"{part}", part}});
    start = end + 1;
  }
  return node;
}

std::string Cut(std::string s) {
  if (s.size() <= kMaxValueBytes) return s;
  s.resize(Utf8Cut(s, kMaxValueBytes));
  return s + "\xE2\x80\xA6";
}

RunValue ReadValue(hive_h* h, hive_value_h v, const RunKey& key, HiveRunKeys& out) {
  RunValue r;
  r.key = key.path;
  r.key_last_write = key.last_write;
  std::unique_ptr<char, FreeDeleter> name(hivex_value_key(h, v));
  if (name) r.name = Cut(name.get());
  // The type is the hive's 32-bit field as it stands, any number (fuzz_hive found 0x240001):
  // copied out as bytes, never read as the enum (a value outside hive_type is undefined).
  hive_type t{};
  std::size_t len = 0;
  static_assert(sizeof(hive_type) == sizeof(uint32_t));
  if (hivex_value_type(h, v, &t, &len) == 0) std::memcpy(&r.type, &t, sizeof r.type);
  if (r.type == hive_t_string || r.type == hive_t_expand_string) {
    // The raw bytes, decoded here: libhivex's own conversion gives nothing at all for a string
    // with one bad unit, which would hide the whole command.
    hive_type raw_type{};
    std::size_t raw_len = 0;
    std::unique_ptr<char, FreeDeleter> raw(hivex_value_value(h, v, &raw_type, &raw_len));
    if (raw) {
      bool bad = false;
      r.data = Cut(Utf16LeToUtf8(Utf16LeUntilNul(std::string_view(raw.get(), raw_len)), &bad, kMaxValueBytes));
      if (bad) out.notes.push_back(TrFill("sweep.note_bad_utf16", {{"{value}", key.path + "\\" + r.name}}));
    } else {
      out.problems.push_back(key.path + "\\" + r.name + ": " + ErrnoText(errno));
    }
  }
  return r;
}

void ReadKey(hive_h* h, hive_node_h root, const std::string& path, const char* const* only, HiveRunKeys& out) {
  std::string problem;
  const hive_node_h node = Descend(h, root, path, problem);
  if (!problem.empty()) out.problems.push_back(problem);
  if (node == 0) return;
  RunKey key;
  key.path = path;
  const int64_t ts = hivex_node_timestamp(h, node);
  key.last_write = ts < 0 ? kNoTime : FileTimeToUnix(ts);
  if (only != nullptr) {
    for (const char* const* n = only; *n != nullptr; ++n) {
      errno = 0;
      const hive_value_h v = hivex_node_get_value(h, node, *n);
      if (v != 0) {
        ++key.values;
        out.values.push_back(ReadValue(h, v, key, out));
      } else if (errno != 0) {
        out.problems.push_back(path + "\\" + *n + ": " + ErrnoText(errno));
      }
    }
    if (key.values > 0) out.keys.push_back(key);
    return;
  }
  std::unique_ptr<hive_value_h, FreeDeleter> values(hivex_node_values(h, node));
  if (!values) {
    out.problems.push_back(path + ": " + ErrnoText(errno));
    out.keys.push_back(key);
    return;
  }
  std::size_t n = 0;
  while (values.get()[n] != 0) ++n;
  key.values = n;
  for (std::size_t i = 0; i < n && i < kMaxValuesPerKey; ++i) out.values.push_back(ReadValue(h, values.get()[i], key, out));
  if (n > kMaxValuesPerKey) {
    // Values past the bound could start anything: the sweep says it did not read them.
    out.problems.push_back(TrFill("sweep.detail.hive_values", {{"{path}", path}, {"{n}", std::to_string(n)}, {"{max}", std::to_string(kMaxValuesPerKey)}}));
  }
  out.keys.push_back(key);
}

}  // namespace

int64_t FileTimeToUnix(int64_t filetime) {
  constexpr int64_t kEpochDiff = 11644473600;  // seconds from 1601-01-01 to 1970-01-01
  if (filetime <= 0) return kNoTime;
  const int64_t unix_seconds = filetime / 10'000'000 - kEpochDiff;
  if (unix_seconds < 315532800 || unix_seconds > 7258118400) return kNoTime;  // 1980 .. 2200
  return unix_seconds;
}

HiveRunKeys ReadRunKeys(const std::string& path) {
  // Opened here without blocking (a FIFO would block libhivex's open).
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    HiveRunKeys out;
    out.error = ErrnoText(errno);
    return out;
  }
  return ReadRunKeys(fd);
}

HiveRunKeys ReadRunKeys(int fd) {
  HiveRunKeys out;
  // Checked to be a regular file through the descriptor, and handed to libhivex as that
  // descriptor: what was checked is what is read.
  struct FdCloser {
    int fd;
    ~FdCloser() { ::close(fd); }
  } fd_closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    out.error = Tr("sweep.detail.not_regular_file");
    return out;
  }
  errno = 0;
  Hive h(hivex_open(("/proc/self/fd/" + std::to_string(fd)).c_str(), 0));
  if (!h) {
    // libhivex: ENOTSUP for a file without the hive's signature, EINVAL for a damaged one.
    const int e = errno;
    out.error = e == 0 || e == ENOTSUP || e == EINVAL ? std::string(Tr("sweep.detail.not_hive")) : ErrnoText(e);
    return out;
  }
  out.hive_last_write = FileTimeToUnix(hivex_last_modified(h.get()));
  const hive_node_h root = hivex_root(h.get());
  if (root == 0) {
    out.error = Tr("sweep.detail.no_root_key");
    return out;
  }
  ReadKey(h.get(), root, "Software\\Microsoft\\Windows\\CurrentVersion\\Run", nullptr, out);
  ReadKey(h.get(), root, "Software\\Microsoft\\Windows\\CurrentVersion\\RunOnce", nullptr, out);
  static const char* const kLegacy[] = {"Load", "Run", nullptr};
  ReadKey(h.get(), root, "Software\\Microsoft\\Windows NT\\CurrentVersion\\Windows", kLegacy, out);
  return out;
}

}  // namespace keikai::sweep
