#include <malloc.h>
#include <sys/auxv.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <string_view>

#include "keikai/cli/cli.h"

namespace {

// The commands that read logs for seconds to hours with tens of MB of hash tables (scan,
// the daemon, the demo) run with transparent huge pages for their heap: glibc asks for them
// (madvise) when the tunable glibc.malloc.hugetlb=1 is set, and tunables are read only when
// a program starts, so keikai starts itself once more with it. Where the kernel gives huge
// pages only on request ("[madvise]"), a 1M-line scan then takes ~1,500 page faults instead
// of ~16,800 and fewer TLB misses in its caches (docs/benchmarks.md), for ~10% more resident
// memory. Skipped when GLIBC_TUNABLES already names the tunable (set
// GLIBC_TUNABLES=glibc.malloc.hugetlb=0 to run without), when the kernel uses huge pages
// always or never, for a program with privileges (AT_SECURE), and when the new start fails (the
// command then runs as it is).
void StartWithHugePages(char** argv) {
  // Once at most, whatever becomes of GLIBC_TUNABLES on the way (glibc erases tunables from
  // the environment of a program that runs with privileges, e.g. file capabilities for
  // nftables: without this mark such a keikai would start itself again and again).
  if (std::getenv("KEIKAI_STARTED_AGAIN") != nullptr) {
    unsetenv("KEIKAI_STARTED_AGAIN");
    return;
  }
  if (getauxval(AT_SECURE) != 0) return;
  const char* cur = std::getenv("GLIBC_TUNABLES");
  if (cur != nullptr && std::strstr(cur, "glibc.malloc.hugetlb") != nullptr) return;
  std::string_view command;
  for (char** a = argv + 1; *a != nullptr; ++a) {
    if ((*a)[0] != '-') {
      command = *a;
      break;
    }
  }
  if (command != "scan" && command != "run" && command != "demo") return;
  std::ifstream thp("/sys/kernel/mm/transparent_hugepage/enabled");
  std::string mode;
  std::getline(thp, mode);
  if (mode.find("[madvise]") == std::string::npos) return;
  const std::string saved = cur != nullptr ? cur : "";
  const std::string value = (saved.empty() ? "" : saved + ":") + "glibc.malloc.hugetlb=1";
  if (setenv("GLIBC_TUNABLES", value.c_str(), 1) != 0 || setenv("KEIKAI_STARTED_AGAIN", "1", 1) != 0) return;
  execv("/proc/self/exe", argv);
  unsetenv("KEIKAI_STARTED_AGAIN");
  if (cur != nullptr) setenv("GLIBC_TUNABLES", saved.c_str(), 1);
  else unsetenv("GLIBC_TUNABLES");
}

}  // namespace

int main(int argc, char** argv) {
  StartWithHugePages(argv);
  // Buffers up to 32 MiB come from the heap and freed memory stays there (up to 64 MiB at its
  // top) for reuse: glibc's defaults map and unmap such buffers (log reader, findings batches,
  // SQLite's) again and again, and every page of a new mapping faults (dear in a VM: 11,300
  // -> 9,600 page faults and ~3% of a 1M-line scan --crs). Memory is bounded as before; it is
  // only returned to the system later.
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 64 << 20);
  return keikai::cli::Main(argc, argv);
}
