#pragma once
// Little-endian integers at an offset of a byte view, for the stage's binary readers (ZIP, MS-CFB,
// MS-OVBA, BIFF, LNK, OneNote, 7z). The caller checks the bounds first: p + 2 (4, 8) <= size.
// Header-only, pure.
#include <cstdint>
#include <string_view>

namespace keikai::inspect {

inline uint16_t Le16(std::string_view d, std::size_t p) {
  return static_cast<uint16_t>(static_cast<unsigned char>(d[p]) | static_cast<unsigned char>(d[p + 1]) << 8);
}
inline uint32_t Le32(std::string_view d, std::size_t p) { return Le16(d, p) | static_cast<uint32_t>(Le16(d, p + 2)) << 16; }
inline uint64_t Le64(std::string_view d, std::size_t p) { return Le32(d, p) | static_cast<uint64_t>(Le32(d, p + 4)) << 32; }

}  // namespace keikai::inspect
