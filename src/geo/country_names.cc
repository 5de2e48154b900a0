#include "keikai/geo/country_names.h"

#include <cstdint>
#include <cstring>
#include <mutex>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "keikai/core/files.h"

namespace keikai::geo {
namespace {

constexpr const char* kIsoJson = "/usr/share/iso-codes/json/iso_3166-1.json";
constexpr const char* kJaMo = "/usr/share/locale/ja/LC_MESSAGES/iso_3166-1.mo";

struct Names {
  std::unordered_map<std::string, std::string> en, ja;
};

const Names& Load() {
  static Names names;
  static std::once_flag once;
  std::call_once(once, [] {
    std::string text;
    if (!ReadFile(kIsoJson, text)) return;
    const auto doc = nlohmann::json::parse(text, nullptr, false);
    if (!doc.is_object() || !doc.contains("3166-1") || !doc["3166-1"].is_array()) return;
    std::string mo;
    const bool have_ja = ReadFile(kJaMo, mo);
    for (const auto& c : doc["3166-1"]) {
      if (!c.is_object() || !c.contains("alpha_2") || !c.contains("name")) continue;
      if (!c["alpha_2"].is_string() || !c["name"].is_string()) continue;
      const std::string code = c["alpha_2"].get<std::string>();
      const std::string name = c["name"].get<std::string>();
      std::string common = name;
      if (c.contains("common_name") && c["common_name"].is_string()) {
        common = c["common_name"].get<std::string>();
      }
      names.en[code] = common;
      if (have_ja) {
        // The catalogue translates the names as iso-codes writes them; the common name first.
        std::string ja = MoLookup(mo, common);
        if (ja.empty()) ja = MoLookup(mo, name);
        if (!ja.empty()) names.ja[code] = ja;
      }
    }
  });
  return names;
}

uint32_t Read32(std::string_view s, std::size_t off, bool swap) {
  uint32_t v;
  std::memcpy(&v, s.data() + off, 4);
  return swap ? __builtin_bswap32(v) : v;
}

}  // namespace

std::string MoLookup(std::string_view mo, std::string_view msgid) {
  // GNU .mo: magic, revision, N, offset of original table, offset of translation table; each
  // table is N (length, offset) pairs. Every offset and length is checked against the image.
  if (mo.size() < 20) return {};
  uint32_t magic;
  std::memcpy(&magic, mo.data(), 4);
  bool swap;
  if (magic == 0x950412deU) swap = false;
  else if (magic == 0xde120495U) swap = true;
  else return {};
  const uint64_t n = Read32(mo, 8, swap), orig = Read32(mo, 12, swap), trans = Read32(mo, 16, swap);
  if (orig + n * 8 > mo.size() || trans + n * 8 > mo.size()) return {};
  for (uint64_t i = 0; i < n; ++i) {
    const uint64_t len = Read32(mo, static_cast<std::size_t>(orig + i * 8), swap);
    const uint64_t off = Read32(mo, static_cast<std::size_t>(orig + i * 8 + 4), swap);
    if (off + len > mo.size()) return {};
    if (mo.substr(static_cast<std::size_t>(off), static_cast<std::size_t>(len)) != msgid) continue;
    const uint64_t tlen = Read32(mo, static_cast<std::size_t>(trans + i * 8), swap);
    const uint64_t toff = Read32(mo, static_cast<std::size_t>(trans + i * 8 + 4), swap);
    if (toff + tlen > mo.size()) return {};
    std::string t(mo.substr(static_cast<std::size_t>(toff), static_cast<std::size_t>(tlen)));
    const std::size_t nul = t.find('\0');  // plural forms: the first
    if (nul != std::string::npos) t.resize(nul);
    return t;
  }
  return {};
}

std::string CountryName(std::string_view alpha2, Lang lang) {
  const Names& n = Load();
  const std::string key(alpha2);
  if (lang == Lang::kJa) {
    auto it = n.ja.find(key);
    if (it != n.ja.end()) return it->second;
  }
  auto it = n.en.find(key);
  return it != n.en.end() ? it->second : std::string();
}

}  // namespace keikai::geo
