#include "keikai/inspect/zip.h"

#include <algorithm>

#include "keikai/inspect/charset.h"
#include "inspect/bytes.h"

namespace keikai::inspect {
namespace {

constexpr uint32_t kZip64Locator = 0x07064b50, kZip64Eocd = 0x06064b50, kCentral = 0x02014b50;

// The name as UTF-8: flagged UTF-8 (bit 11) or the Info-ZIP Unicode path extra field; else
// UTF-8 when it is valid as such (many archivers do not set the flag), else CP932, else CP437.
std::string NameOf(std::string_view raw, uint16_t flags, std::string_view extra) {
  for (std::size_t p = 0; p + 4 <= extra.size();) {
    const uint16_t id = Le16(extra, p), len = Le16(extra, p + 2);
    if (p + 4 + len > extra.size()) break;
    if (id == 0x7075 && len >= 5) {  // Info-ZIP Unicode Path: version, CRC32 of the raw name, UTF-8 name
      const std::string_view u = extra.substr(p + 9, len - 5);
      if (IsUtf8(u)) return std::string(u);
    }
    p += 4 + len;
  }
  if ((flags & 0x0800) != 0 || IsUtf8(raw)) return std::string(raw);
  std::string out;
  if (ToUtf8(raw, "CP932", out)) return out;
  if (ToUtf8(raw, "CP437", out)) return out;
  return std::string(raw);
}

}  // namespace

bool LooksLikeZip(std::string_view data) {
  return data.size() >= 4 && (data.substr(0, 4) == std::string_view("PK\x03\x04", 4) ||
                              data.substr(0, 4) == std::string_view("PK\x05\x06", 4) ||
                              data.substr(0, 4) == std::string_view("PK\x07\x08", 4));
}

ZipDirectory ReadZipDirectory(std::string_view d, std::size_t max_entries) {
  ZipDirectory z;
  // The end record: in the last 22 + 65,535 bytes (its comment), the last one that fits.
  if (d.size() < 22) {
    z.error = "too short for a ZIP";
    return z;
  }
  std::size_t eocd = std::string_view::npos;
  const std::size_t lowest = d.size() > 22 + 65535 ? d.size() - 22 - 65535 : 0;
  // The last "PK\5\6" whose comment fits (found with rfind, not byte by byte).
  const std::string_view tail = d.substr(lowest);
  for (std::size_t end = tail.size() - 22 + 4; end > 0;) {
    const std::size_t q = tail.rfind(std::string_view("PK\x05\x06", 4), end - 1);
    if (q == std::string_view::npos) break;
    const std::size_t p = lowest + q;
    if (p + 22 <= d.size() && p + 22 + Le16(d, p + 20) <= d.size()) {
      eocd = p;
      break;
    }
    end = q;
  }
  if (eocd == std::string_view::npos) {
    z.error = "no end of central directory record";
    return z;
  }
  z.zip = true;
  uint64_t count = Le16(d, eocd + 10), cd_size = Le32(d, eocd + 12), cd_offset = Le32(d, eocd + 16);
  // ZIP64: the locator just before the end record points at the ZIP64 end record. Every sum of
  // offsets read from the file is checked against the size first (they may be near 2^64).
  if (eocd >= 20 && Le32(d, eocd - 20) == kZip64Locator) {
    const uint64_t z64 = Le64(d, eocd - 20 + 8);
    if (z64 <= d.size() && d.size() - z64 >= 56 && Le32(d, static_cast<std::size_t>(z64)) == kZip64Eocd) {
      count = Le64(d, static_cast<std::size_t>(z64) + 32);
      cd_size = Le64(d, static_cast<std::size_t>(z64) + 40);
      cd_offset = Le64(d, static_cast<std::size_t>(z64) + 48);
    }
  }
  z.declared_entries = count;
  // A self-extractor or a file with bytes before the archive: the directory is where the end
  // record says relative to the archive's start, which is the end record minus the directory.
  uint64_t base = 0;
  const bool fits = cd_offset <= eocd && cd_size <= eocd - cd_offset;
  if (!fits || Le32(d, static_cast<std::size_t>(std::min<uint64_t>(cd_offset, d.size() - 4))) != kCentral) {
    if (cd_size <= eocd && Le32(d, static_cast<std::size_t>(eocd - cd_size)) == kCentral) {
      base = eocd - cd_size - std::min<uint64_t>(cd_offset, eocd - cd_size);
      cd_offset = eocd - cd_size - base;
    } else if (!fits) {
      z.error = "central directory offset beyond the file";
    }
  }
  std::size_t p = static_cast<std::size_t>(std::min<uint64_t>(cd_offset + base, d.size()));
  for (uint64_t i = 0; i < count; ++i) {
    if (z.entries.size() >= max_entries) {
      z.error = "more than " + std::to_string(max_entries) + " entries";
      break;
    }
    if (p + 46 > d.size() || Le32(d, p) != kCentral) {
      if (z.error.empty()) z.error = "central directory truncated at entry " + std::to_string(i);
      break;
    }
    ZipEntry e;
    e.flags = Le16(d, p + 8);
    e.method = Le16(d, p + 10);
    e.compressed = Le32(d, p + 20);
    e.size = Le32(d, p + 24);
    const uint16_t name_len = Le16(d, p + 28), extra_len = Le16(d, p + 30), comment_len = Le16(d, p + 32);
    e.local_offset = Le32(d, p + 42);
    if (p + 46 + name_len + extra_len + comment_len > d.size()) {
      z.error = "central directory truncated at entry " + std::to_string(i);
      break;
    }
    const std::string_view raw = d.substr(p + 46, name_len), extra = d.substr(p + 46 + name_len, extra_len);
    e.name = NameOf(raw, e.flags, extra);
    e.directory = !raw.empty() && (raw.back() == '/' || raw.back() == '\\');
    e.encrypted = (e.flags & 1) != 0;
    if (e.encrypted) e.encryption = (e.flags & 0x40) != 0 ? "strong" : "zipcrypto";
    for (std::size_t x = 0; x + 4 <= extra.size();) {
      const uint16_t id = Le16(extra, x), len = Le16(extra, x + 2);
      if (x + 4 + len > extra.size()) break;
      if (id == 0x0001) {  // ZIP64: the fields that were 0xFFFFFFFF, in order
        std::size_t q = x + 4;
        const auto take = [&](uint64_t& v) {
          if (v == 0xFFFFFFFFu && q + 8 <= x + 4 + len) {
            v = Le64(extra, q);
            q += 8;
          }
        };
        take(e.size);
        take(e.compressed);
        take(e.local_offset);
      } else if (id == 0x9901 && len >= 7 && e.method == 99) {  // WinZip AES: version, "AE", strength, method
        const int strength = static_cast<unsigned char>(extra[x + 8]);
        e.encryption = strength == 1 ? "aes128" : strength == 2 ? "aes192" : "aes256";
        e.encrypted = true;
      }
      x += 4 + len;
    }
    z.entries.push_back(std::move(e));
    p += 46 + name_len + extra_len + comment_len;
  }
  return z;
}

}  // namespace keikai::inspect
