#pragma once
// --yara DIR, as `keikai mail scan`, `keikai milter` and `keikai sweep` take it (CLI-internal):
// the folder's rules compiled, every problem reported on stderr.
#include <memory>
#include <string>
#include <vector>

#include "errors.h"
#include "keikai/inspect/yara.h"

namespace keikai::cli {

// Empty dir: no rules, true. Otherwise false (after the errors) when the rules cannot be used.
inline bool LoadYara(const std::string& dir, std::unique_ptr<inspect::YaraRules>& out) {
  if (dir.empty()) return true;
  std::vector<std::string> errors;
  out = inspect::YaraRules::Compile(dir, errors);
  for (const std::string& e : errors) Error("--yara: " + e);
  return out != nullptr;
}

}  // namespace keikai::cli
