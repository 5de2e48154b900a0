#include "keikai/inspect/vba.h"

#include <algorithm>
#include <cctype>
#include <map>

#include "keikai/core/i18n.h"
#include "keikai/core/ascii.h"
#include "keikai/core/utf8.h"
#include "keikai/inspect/charset.h"
#include "inspect/bytes.h"

namespace keikai::inspect {
namespace {

bool IdentChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_'; }

// Whether the lowered source holds the lowered word as a whole identifier (or, for a word that
// starts or ends with a non-identifier character such as ".run", as written).
bool HasWord(std::string_view src, std::string_view word) {
  for (std::size_t p = src.find(word); p != std::string_view::npos; p = src.find(word, p + 1)) {
    const bool left = p == 0 || !IdentChar(src[p - 1]) || !IdentChar(word.front());
    const bool right = p + word.size() >= src.size() || !IdentChar(src[p + word.size()]) || !IdentChar(word.back());
    if (left && right) return true;
  }
  return false;
}

}  // namespace

bool OvbaDecompress(std::string_view in, std::string& out, std::size_t max_out) {
  out.clear();
  if (in.empty() || in[0] != 1) return false;
  std::size_t p = 1;
  while (p < in.size()) {
    if (p + 2 > in.size()) return false;
    const uint16_t header = Le16(in, p);
    const std::size_t chunk_size = (header & 0x0FFF) + 3;  // including the header
    if (((header >> 12) & 7) != 3) return false;
    const bool compressed = (header & 0x8000) != 0;
    const std::size_t end = std::min(in.size(), p + chunk_size);
    p += 2;
    const std::size_t chunk_start = out.size();
    if (!compressed) {
      // 4,096 raw bytes (fewer only at the end of the container).
      const std::size_t n = std::min<std::size_t>(4096, in.size() - p);
      if (out.size() + n > max_out) return false;
      out.append(in.substr(p, n));
      p += n;
      continue;
    }
    while (p < end) {
      const unsigned char flags = static_cast<unsigned char>(in[p++]);
      for (int bit = 0; bit < 8 && p < end; ++bit) {
        if ((flags & (1u << bit)) == 0) {
          if (out.size() >= max_out) return false;
          out.push_back(in[p++]);
          continue;
        }
        if (p + 2 > end) return false;
        const uint16_t token = Le16(in, p);
        p += 2;
        const std::size_t diff = out.size() - chunk_start;
        int bits = 4;
        while ((std::size_t{1} << bits) < diff) ++bits;
        if (bits > 12) bits = 12;
        const uint16_t length_mask = static_cast<uint16_t>(0xFFFF >> bits);
        const std::size_t length = (token & length_mask) + 3;
        const std::size_t offset = (static_cast<std::size_t>(token) >> (16 - bits)) + 1;
        if (offset > diff) return false;  // before the chunk: malformed
        if (out.size() + length > max_out) return false;
        const std::size_t from = out.size() - offset;
        for (std::size_t k = 0; k < length; ++k) out.push_back(out[from + k]);
      }
    }
    p = end;
  }
  return true;
}

std::vector<VbaProject> ReadVbaProjects(const Cfb& cfb, const VbaLimits& limits, bool* more_projects) {
  std::vector<VbaProject> out;
  // One budget for the whole file: decompressed bytes, projects and modules (a small stream can
  // name one huge module a thousand times).
  std::size_t budget = limits.source_bytes;
  std::size_t modules_left = limits.modules;
  for (const CfbEntry& e : cfb.entries()) {
    // ".../VBA/dir": the project's storage is the VBA storage's parent.
    const std::string lower = Lower(e.path);
    if (e.type != 2 || !(lower == "vba/dir" || (lower.size() > 8 && lower.ends_with("/vba/dir")))) continue;
    if (out.size() >= limits.projects || budget == 0) {
      if (more_projects != nullptr) *more_projects = true;
      break;
    }
    VbaProject proj;
    const std::string vba = e.path.substr(0, e.path.size() - 4);  // "…/VBA"
    proj.storage = vba.size() > 4 ? vba.substr(0, vba.size() - 4) : "";
    std::string raw, dir, error;
    const std::size_t dir_bound = std::min<std::size_t>(budget, 1u << 20);
    const bool dir_read = cfb.Read(e, raw, error) && OvbaDecompress(raw, dir, dir_bound);
    proj.cut = dir.size() >= dir_bound;  // stopped at the bound (whether or not it then failed)
    if (!dir_read) {
      proj.error = TrFill("inspect.vba.dir_unreadable", {{"{why}", error.empty() ? std::string(Tr("inspect.vba.malformed_compression")) : error}});
      out.push_back(std::move(proj));
      continue;
    }
    // Records: id (2), size (4), data. PROJECTVERSION (9) says 4 but holds 6 bytes.
    struct Mod {
      std::string name, stream, stream_unicode;
      uint32_t offset = 0;
      bool has_offset = false;
    };
    std::vector<Mod> mods;
    Mod cur;
    bool in_module = false;
    for (std::size_t p = 0; p + 6 <= dir.size();) {
      const uint16_t id = Le16(dir, p);
      uint32_t size = Le32(dir, p + 2);
      if (id == 0x0009) size = 6;
      if (p + 6 + size > dir.size()) break;
      const std::string_view data = std::string_view(dir).substr(p + 6, size);
      switch (id) {
        case 0x0003:
          if (size >= 2) proj.code_page = Le16(data, 0);
          break;
        case 0x0019:
          cur = Mod{};
          in_module = true;
          cur.name = std::string(data);
          break;
        case 0x001A:
          if (in_module) cur.stream = std::string(data);
          break;
        case 0x0032:  // MODULESTREAMNAMEUNICODE (follows MODULESTREAMNAME)
          if (in_module) cur.stream_unicode = std::string(data);
          break;
        case 0x0031:
          if (in_module && size >= 4) {
            cur.offset = Le32(data, 0);
            cur.has_offset = true;
          }
          break;
        case 0x002B:
          if (in_module) mods.push_back(cur);
          in_module = false;
          break;
        default:
          break;
      }
      p += 6 + size;
      if (mods.size() > 10'000) break;
    }
    const std::string charset = CodePageName(proj.code_page);
    const auto text = [&](const std::string& s) {
      std::string u;
      return ToUtf8(s, charset.c_str(), u) ? u : s;
    };
    std::map<std::string, bool> done;  // each stream once
    for (const Mod& m : mods) {
      if (modules_left == 0 || budget == 0) {
        proj.error = Tr("inspect.vba.beyond_limits");
        proj.cut = true;
        break;
      }
      --modules_left;
      VbaModule vm;
      vm.name = text(m.name);
      vm.stream = text(m.stream);
      // The stream by its Unicode name (compound-file names are UTF-16), else the MBCS one
      // decoded with the code page, else as written.
      const CfbEntry* s = nullptr;
      if (!m.stream_unicode.empty()) s = cfb.Find(vba + "/" + Utf16LeToUtf8(m.stream_unicode));
      if (s == nullptr) s = cfb.Find(vba + "/" + vm.stream);
      if (s == nullptr) s = cfb.Find(vba + "/" + m.stream);
      if (s != nullptr && done[s->path]) continue;
      if (s != nullptr) done[s->path] = true;
      std::string bytes, src;
      if (s == nullptr || !cfb.Read(*s, bytes, error)) {
        proj.error = TrFill("inspect.vba.module_missing", {{"{module}", vm.name}});
      } else if (!m.has_offset || m.offset >= bytes.size()) {
        proj.error = TrFill("inspect.vba.module_unreadable", {{"{module}", vm.name}});
      } else {
        // A container that breaks late still gives what came before (analysed, not dropped).
        if (!OvbaDecompress(std::string_view(bytes).substr(m.offset), src, budget)) {
          proj.error = TrFill("inspect.vba.module_damaged", {{"{module}", vm.name}});
        }
        if (src.size() >= budget) proj.cut = true;  // (perhaps) cut at the source budget
        budget -= std::min(budget, src.size());
        vm.source = text(src);
      }
      proj.modules.push_back(std::move(vm));
    }
    out.push_back(std::move(proj));
  }
  return out;
}

VbaIndicators AnalyzeVba(std::string_view source) {
  // keikai's own lists, from the Office object model's event and statement names: the procedures
  // Office runs by itself, the statements and objects that write files, and those that start
  // programs or load code.
  static const char* const kAuto[] = {"autoopen", "auto_open", "autoclose", "auto_close", "autoexec", "autonew",
                                      "autoexit", "document_open", "document_close", "document_new",
                                      "documentopen", "documentbeforeclose", "workbook_open", "workbook_activate",
                                      "workbook_beforeclose", "workbook_close", "presentation_open", "app_documentopen",
                                      "app_workbookopen", "userform_initialize", "userform_activate"};
  static const char* const kWrite[] = {"createtextfile", "savetofile", "filecopy", "copyfile", "adodb.stream",
                                       "urldownloadtofile", "kill", "for output", "for binary", "for append",
                                       "writetext", "movefile", "open"};
  static const char* const kExec[] = {"shell", "wscript.shell", "shell.application", "shellexecute", ".run",
                                      ".exec", "createobject", "getobject", "callbyname", "executeexcel4macro",
                                      "macscript", "powershell", "cmd.exe", "rundll32", "regsvr32", "mshta",
                                      "certutil", "bitsadmin", "virtualalloc", "createthread", "rtlmovememory",
                                      "lib"};
  static const char* const kOther[] = {"chr", "chrw", "strreverse", "environ", "base64", "xmlhttp",
                                       "winhttp.winhttprequest", "msxml2", "vbhide", "hidden"};
  const std::string low = Lower(source);
  VbaIndicators r;
  for (const char* w : kAuto) {
    if (HasWord(low, w)) r.autoexec.emplace_back(w);
  }
  for (const char* w : kWrite) {
    if (std::string_view(w) == "open") {  // "Open ... For Output|Binary|Append" is covered above
      continue;
    }
    if (HasWord(low, w)) r.write.emplace_back(w);
  }
  for (const char* w : kExec) {
    if (std::string_view(w) == "lib") {  // "Declare [PtrSafe] Function X Lib "kernel32""
      if (HasWord(low, "declare") && HasWord(low, "lib")) r.execute.emplace_back("declare lib");
      continue;
    }
    if (HasWord(low, w)) r.execute.emplace_back(w);
  }
  for (const char* w : kOther) {
    if (HasWord(low, w)) r.other.emplace_back(w);
  }
  return r;
}

}  // namespace keikai::inspect
