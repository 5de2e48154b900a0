#include <malloc.h>

#include "keikai/cli/cli.h"

int main(int argc, char** argv) {
  // Buffers up to 32 MiB come from the heap and freed memory stays there (up to 64 MiB at its
  // top) for reuse: glibc's defaults map and unmap such buffers (log reader, findings batches,
  // SQLite's) again and again, and every page of a new mapping faults (dear in a VM: 11,300
  // -> 9,600 page faults and ~3% of a 1M-line scan --crs). Memory is bounded as before; it is
  // only returned to the system later.
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 64 << 20);
  return keikai::cli::Main(argc, argv);
}
