#include "keikai/inspect/carriers.h"

#include <algorithm>
#include <cctype>

#include "keikai/core/i18n.h"
#include "keikai/core/utf8.h"
#include "keikai/inspect/charset.h"
#include "inspect/bytes.h"

namespace keikai::inspect {
namespace {

constexpr std::string_view kLnkHeader("\x4C\x00\x00\x00\x01\x14\x02\x00\x00\x00\x00\x00\xC0\x00\x00\x00\x00\x00\x00\x46", 20);
constexpr std::string_view kOneNote("\xE4\x52\x5C\x7B\x8C\xD8\xA7\x4D\xAE\xB1\x53\x78\xD0\x29\x96\xD3", 16);
constexpr std::string_view kFileDataStore("\xE7\x16\xE3\xBD\x65\x26\x11\x45\xA4\xC4\x8D\x4D\x0B\x7A\x9E\xAC", 16);

// A NUL-terminated ANSI string at p (bounded by the data), as UTF-8 (CP932 when it reads as
// such, else CP1252).
std::string Ansi(std::string_view d, std::size_t p, std::size_t max = 4096) {
  if (p >= d.size()) return "";
  const std::size_t end = std::min(d.size(), p + max);
  std::size_t e = p;
  while (e < end && d[e] != '\0') ++e;
  const std::string_view raw = d.substr(p, e - p);
  std::string out;
  if (IsUtf8(raw)) return std::string(raw);
  if (ToUtf8(raw, "CP932", out) || ToUtf8(raw, "CP1252", out)) return out;
  return std::string(raw);
}


}  // namespace

bool LooksLikeLnk(std::string_view d) { return d.size() >= 76 && d.substr(0, 20) == kLnkHeader; }

LnkInfo ReadLnk(std::string_view d) {
  LnkInfo r;
  if (!LooksLikeLnk(d)) return r;
  r.lnk = true;
  const uint32_t flags = Le32(d, 0x14);
  r.show_command = Le32(d, 0x3C);
  const bool unicode = (flags & 0x80) != 0;
  std::size_t p = 76;
  if ((flags & 0x01) != 0) {  // LinkTargetIDList: its size, then skipped
    if (p + 2 > d.size()) {
      r.error = Tr("inspect.lnk.truncated_id_list");
      return r;
    }
    p += 2 + Le16(d, p);
  }
  if ((flags & 0x02) != 0) {  // LinkInfo
    if (p + 28 > d.size()) {
      r.error = Tr("inspect.lnk.truncated_link_info");
      return r;
    }
    const uint32_t size = Le32(d, p), header = Le32(d, p + 4), info_flags = Le32(d, p + 8);
    if (size < 28 || size > d.size() - p) {
      r.error = Tr("inspect.lnk.bad_link_info_size");
      return r;
    }
    const std::string_view info = d.substr(p, size);
    if ((info_flags & 1) != 0) {
      if (header >= 0x24 && info.size() >= 0x24 && Le32(info, 28) != 0 && Le32(info, 28) < info.size()) {
        r.target = Utf16LeToUtf8(Utf16LeUntilNul(info.substr(Le32(info, 28))));
      } else if (Le32(info, 16) < info.size()) {
        r.target = Ansi(info, Le32(info, 16));
      }
    }
    p += size;
  }
  // StringData: NAME, RELATIVE_PATH, WORKING_DIR, COMMAND_LINE_ARGUMENTS, ICON_LOCATION.
  // UTF-16 strings are decoded tolerantly (core/utf8.h): one bad unit must not empty a target
  // or a command line.
  std::string* fields[] = {&r.name, &r.relative_path, &r.working_dir, &r.arguments, &r.icon};
  const uint32_t bits[] = {0x04, 0x08, 0x10, 0x20, 0x40};
  for (int i = 0; i < 5; ++i) {
    if ((flags & bits[i]) == 0) continue;
    if (p + 2 > d.size()) {
      r.error = Tr("inspect.lnk.truncated_string_data");
      return r;
    }
    const std::size_t chars = Le16(d, p);
    const std::size_t bytes = unicode ? chars * 2 : chars;
    p += 2;
    if (bytes > d.size() - p) {
      r.error = Tr("inspect.lnk.truncated_string_data");
      return r;
    }
    const std::string_view raw = d.substr(p, bytes);
    if (unicode) {
      *fields[i] = Utf16LeToUtf8(raw);
    } else {
      std::string out;
      *fields[i] = ToUtf8(raw, "CP932", out) ? out : std::string(raw);
    }
    p += bytes;
  }
  // Extra data: the environment variables block names the target when LinkInfo does not.
  for (int blocks = 0; blocks < 64 && p + 8 <= d.size(); ++blocks) {
    const uint32_t size = Le32(d, p), sig = Le32(d, p + 4);
    if (size < 8 || size > d.size() - p) break;
    if (sig == 0xA0000001 && size >= 0x314 && r.target.empty()) {
      r.target = Utf16LeToUtf8(Utf16LeUntilNul(d.substr(p + 8 + 260, 520)));
      if (r.target.empty()) r.target = Ansi(d, p + 8, 260);
    }
    p += size;
  }
  return r;
}

bool ReadOle10Native(std::string_view s, EmbeddedFile& out) {
  // NativeDataSize (4), Type (2), Label (ANSI z), OrgPath (ANSI z), UType (4), DataPathLength (4),
  // DataPath, NativeDataSize (4), NativeData.
  if (s.size() < 16) return false;
  std::size_t p = 6;
  const std::size_t label_end = s.find('\0', p);
  if (label_end == std::string_view::npos) return false;
  const std::string label = Ansi(s, p, label_end - p + 1);
  p = label_end + 1;
  const std::size_t org_end = s.find('\0', p);
  if (org_end == std::string_view::npos) return false;
  const std::string org = Ansi(s, p, org_end - p + 1);
  p = org_end + 1;
  if (p + 8 > s.size()) return false;
  const uint32_t path_len = Le32(s, p + 4);
  p += 8;
  if (path_len > s.size() - p) return false;
  p += path_len;
  if (p + 4 > s.size()) return false;
  const uint32_t size = Le32(s, p);
  p += 4;
  if (size > s.size() - p) return false;
  // The file's own name (what Packager writes out and runs), not the label the sender chose.
  std::string base = org;
  if (const std::size_t slash = base.find_last_of("\\/"); slash != std::string::npos) base = base.substr(slash + 1);
  out.name = !base.empty() ? base : label;
  out.data = std::string(s.substr(p, size));
  return true;
}

bool LooksLikeOneNote(std::string_view d) { return d.size() >= 16 && d.substr(0, 16) == kOneNote; }

std::vector<EmbeddedFile> OneNoteFiles(std::string_view d, std::size_t max, std::size_t max_bytes) {
  // FileDataStoreObject: its GUID (16), cbLength (8), unused (4), reserved (8), then the file.
  std::vector<EmbeddedFile> out;
  for (std::size_t p = d.find(kFileDataStore); p != std::string_view::npos && out.size() < max;
       p = d.find(kFileDataStore, p + 16)) {
    if (p + 36 > d.size()) break;
    const uint64_t len = Le64(d, p + 16);
    const std::size_t start = p + 36;
    const std::size_t n = static_cast<std::size_t>(std::min<uint64_t>({len, d.size() - start, max_bytes}));
    out.push_back({"onenote-file-" + std::to_string(out.size() + 1), std::string(d.substr(start, n))});
    p = start + n - 16;  // on past the file (the loop searches from p + 16; start > 16)
  }
  return out;
}

bool LooksLikeRtf(std::string_view d) { return d.starts_with("{\\rt"); }

std::vector<RtfObject> RtfObjects(std::string_view d, std::size_t max, std::size_t max_bytes) {
  std::vector<RtfObject> out;
  const auto hex = [](char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (std::size_t p = d.find("\\objdata"); p != std::string_view::npos && out.size() < max; p = d.find("\\objdata", p + 8)) {
    // The group's hex digits up to its closing brace; whitespace and other control words skipped.
    std::string bytes;
    int high = -1, depth = 0;
    std::size_t prose = 0;  // letters that are no hex digit: a document writing about \objdata
    std::size_t q = p + 8;
    for (; q < d.size() && bytes.size() < max_bytes; ++q) {
      const char c = d[q];
      if (c == '{') {
        ++depth;
      } else if (c == '}') {
        if (depth-- == 0) break;
      } else if (c == '\\') {
        if (q + 1 >= d.size()) break;
        const char n = d[q + 1];
        if (n == '\'') {  // \'hh: a character, not object data
          q += 3;
        } else if (std::isalpha(static_cast<unsigned char>(n)) != 0) {
          std::size_t w = q + 1;
          while (w < d.size() && std::isalpha(static_cast<unsigned char>(d[w])) != 0) ++w;
          const std::string_view word = d.substr(q + 1, w - q - 1);
          std::size_t v = w;
          if (v < d.size() && d[v] == '-') ++v;
          uint64_t param = 0;
          while (v < d.size() && std::isdigit(static_cast<unsigned char>(d[v])) != 0 && param < (1u << 30)) param = param * 10 + static_cast<unsigned>(d[v++] - '0');
          if (v < d.size() && d[v] == ' ') ++v;  // the delimiting space
          if (word == "bin") {  // raw bytes follow
            const std::size_t take = static_cast<std::size_t>(std::min<uint64_t>(param, d.size() - v));
            bytes.append(d.substr(v, take));
            v += take;
          }
          q = v - 1;
        } else {
          ++q;  // \*, \{, \}, \\ and other control symbols
        }
      } else if (const int h = hex(c); h >= 0) {
        if (high < 0) {
          high = h;
        } else {
          bytes.push_back(static_cast<char>(high << 4 | h));
          high = -1;
        }
      } else if (std::isalpha(static_cast<unsigned char>(c)) != 0 && ++prose > 16) {
        bytes.clear();
        break;
      }
    }
    if (bytes.size() < 8) {
      p = q;
      continue;
    }
    // MS-OLEDS ObjectHeader: OLEVersion (4), FormatID (4), ClassName, TopicName, ItemName (each a
    // length-prefixed ANSI string), NativeDataSize (4), NativeData.
    RtfObject o;
    std::size_t r = 8;
    const auto str = [&](std::string* into) {
      if (r + 4 > bytes.size()) return false;
      const uint32_t n = Le32(bytes, r);
      r += 4;
      if (n > bytes.size() - r) return false;
      if (into != nullptr) *into = Ansi(bytes, r, n);
      r += n;
      return true;
    };
    if (str(&o.class_name) && str(nullptr) && str(nullptr) && r + 4 <= bytes.size()) {
      const uint32_t n = Le32(bytes, r);
      r += 4;
      o.data = bytes.substr(r, std::min<std::size_t>(n, bytes.size() - r));
    } else {
      o.data = std::move(bytes);  // not an OLE1 header: the bytes as they are
    }
    out.push_back(std::move(o));
    p = q;
  }
  return out;
}

}  // namespace keikai::inspect
