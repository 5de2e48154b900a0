// The offline hive reader (sweep/hive.h) on arbitrary bytes: libhivex opens a path, so the input
// is written to a memfd and opened as /proc/self/fd/N. Whatever the bytes, ReadRunKeys returns
// (an error string or values) and every value is within its bounds.
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <string>

#include "keikai/sweep/hive.h"

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
  for (const keikai::sweep::RunValue& v : k.values) {
    if (v.data.size() > keikai::sweep::kMaxValueBytes + 3 || v.name.size() > keikai::sweep::kMaxValueBytes + 3) __builtin_trap();
  }
  if (k.values.size() > 3 * keikai::sweep::kMaxValuesPerKey) __builtin_trap();
  ::close(fd);
  return 0;
}
