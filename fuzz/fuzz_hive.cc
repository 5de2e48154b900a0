// The offline hive reader (sweep/hive.h) on arbitrary bytes: libhivex opens a path, so the input
// is written to a memfd and opened as /proc/self/fd/N. Whatever the bytes, ReadRunKeys returns
// (an error string or values) and every value is within its bounds. The Run-command parser
// (sweep.h: program, loader, target, the AppData part) runs on every value read and on the
// bytes themselves, and what it returns grows at most linearly with what it was given (a
// variable such as %tmp%, 5 bytes, expands to a 31-byte path).
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <string>

#include "keikai/sweep/hive.h"
#include "keikai/sweep/sweep.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const int fd = ::memfd_create("fuzz_hive", MFD_CLOEXEC);
  if (fd < 0) return 0;
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n = ::write(fd, data + done, size - done);
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  const keikai::sweep::HiveRunKeys k = keikai::sweep::ReadRunKeys("/proc/self/fd/" + std::to_string(fd));
  const auto parse = [](std::string_view text) {
    const keikai::sweep::RunCommand c = keikai::sweep::ParseRunCommand(text);
    for (const std::string* f : {&c.program, &c.target, &c.target_appdata, &c.program_appdata}) {
      if (f->size() > 8 * text.size() + 64) __builtin_trap();
    }
  };
  for (const keikai::sweep::RunValue& v : k.values) {
    if (v.data.size() > keikai::sweep::kMaxValueBytes + 3 || v.name.size() > keikai::sweep::kMaxValueBytes + 3) __builtin_trap();
    parse(v.data);
  }
  parse(std::string_view(reinterpret_cast<const char*>(data), size));
  if (k.values.size() > 3 * keikai::sweep::kMaxValuesPerKey) __builtin_trap();
  ::close(fd);
  return 0;
}
