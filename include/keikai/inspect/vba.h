#pragma once
// VBA macros (MS-OVBA): the decompression of compressed containers, the project's dir stream
// (code page, modules and where their source starts), each module's source decoded with the
// project's code page (932 for Japanese Office), and the indicators of what the code does, in the
// classes mraptor uses: auto-execution (it runs by itself), write (it writes a file), execute (it
// starts a program or a COM object). A macro that runs by itself and writes or executes is the
// shape of a dropper.
//
// Thread-safety: pure functions.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "keikai/inspect/cfb.h"

namespace keikai::inspect {

// MS-OVBA 2.4.1: a CompressedContainer to its bytes, at most max_out of them; false when the
// container is malformed (what was decompressed before is kept in out).
bool OvbaDecompress(std::string_view in, std::string& out, std::size_t max_out = 32u << 20);

struct VbaModule {
  std::string name, stream;   // UTF-8
  std::string source;         // UTF-8 (decoded with the project's code page)
};

struct VbaProject {
  std::string storage;        // "Macros" / "_VBA_PROJECT_CUR" / "" (vbaProject.bin)
  int code_page = 1252;
  std::vector<VbaModule> modules;
  std::string error;          // "" when every module was read
  bool cut = false;           // modules or source past VbaLimits were not read
};

// What keikai reads of a file's VBA (all its projects together): beyond these, the rest is not
// read, and the caller says so (finding vba_limit), never silently.
struct VbaLimits {
  std::size_t projects = 16;
  std::size_t modules = 1000;
  std::size_t source_bytes = 64u << 20;  // decompressed
};

// The VBA projects in a compound file (a storage holding "VBA/dir"). more_projects (when not
// null) is set when the file holds more projects than limits.projects.
std::vector<VbaProject> ReadVbaProjects(const Cfb& cfb, const VbaLimits& limits = {}, bool* more_projects = nullptr);

struct VbaIndicators {
  std::vector<std::string> autoexec, write, execute, other;  // the keywords found, each once
};
VbaIndicators AnalyzeVba(std::string_view source);

}  // namespace keikai::inspect
