#include "keikai/core/status.h"

namespace keikai {

std::string Status::ToString() const {
  if (ok_) return "ok";
  std::string s = code_ + ": " + message_;
  if (offset_ != npos) s += " (at offset " + std::to_string(offset_) + ")";
  return s;
}

}  // namespace keikai
