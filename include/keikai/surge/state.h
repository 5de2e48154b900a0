#pragma once
// The detector's memory (DetectorState, surge/detector.h) as text, for the store. Decoding
// checks every field: a damaged or foreign record decodes to nothing, and the detector then
// tests every hour again (the answer is the same, only slower). Pure; thread-safe.

#include <optional>
#include <string>
#include <string_view>

#include "keikai/surge/detector.h"

namespace keikai::surge {

std::string EncodeState(const DetectorState& state);
std::optional<DetectorState> DecodeState(std::string_view text);

}  // namespace keikai::surge
