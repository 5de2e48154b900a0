#pragma once
// Small non-cryptographic hashes used across stages. Header-only, pure, thread-safe.
//  - FastHash64: 8 bytes per step, for strings hashed on every request (user agents, targets).
//  - Fnv1a64: byte-wise and stable across platforms, for keys that are stored (file identities,
//    cache file names) and must never change between versions.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace keikai {

inline uint64_t Mix64(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

inline uint64_t FastHash64(std::string_view s) {
  uint64_t h = 0x9E3779B97F4A7C15ULL ^ s.size();
  std::size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    h = (h ^ w) * 0xff51afd7ed558ccdULL;
    h ^= h >> 29;
  }
  uint64_t tail = 0;
  // An empty view may have a null data(): memcpy from null is undefined even for 0 bytes.
  if (i < s.size()) std::memcpy(&tail, s.data() + i, s.size() - i);
  return Mix64(h ^ tail);
}

constexpr uint64_t kFnvOffset = 1469598103934665603ULL;

inline uint64_t Fnv1a64(std::string_view s, uint64_t h = kFnvOffset) {
  for (char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ULL;
  }
  return h;
}

// Decimal digits only (no sign, no spaces), at most 18 of them; false otherwise.
inline bool ParseDecimal(std::string_view s, int64_t& out) {
  if (s.empty() || s.size() > 18) return false;
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  out = v;
  return true;
}

// A text with its FastHash64, for text that several containers look up in turn (a log line's
// target and user agent): hashed once, not once per container.
// "%016x:len": how stored identities are written (a stream's key, a legacy mark's line hash).
// Stored in databases: never change it.
inline std::string HashKey(uint64_t h, uint64_t len) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s(16, '0');
  for (int i = 15; i >= 0; --i, h >>= 4) s[static_cast<std::size_t>(i)] = kHex[h & 15];
  return s + ":" + std::to_string(len);
}

struct HashedView {
  std::string_view text;
  uint64_t hash = 0;
  HashedView() = default;
  explicit HashedView(std::string_view s) : text(s), hash(FastHash64(s)) {}
};

// Hash for unordered containers keyed by std::string that are looked up with string_views or
// HashedViews (with StringViewEqual), so a lookup builds no string.
struct StringViewHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view v) const { return static_cast<std::size_t>(FastHash64(v)); }
  std::size_t operator()(const HashedView& v) const { return static_cast<std::size_t>(v.hash); }
};
struct StringViewEqual {
  using is_transparent = void;
  static std::string_view Text(std::string_view v) { return v; }
  static std::string_view Text(const HashedView& v) { return v.text; }
  template <class A, class B>
  bool operator()(const A& a, const B& b) const {
    return Text(a) == Text(b);
  }
};

}  // namespace keikai
