#include "keikai/inspect/office.h"

#include <algorithm>
#include <cctype>
#include <set>

#include <zlib.h>

#include "keikai/core/ascii.h"
#include "keikai/core/i18n.h"
#include "keikai/core/utf8.h"
#include "keikai/inspect/charset.h"
#include "keikai/inspect/vba.h"
#include "inspect/bytes.h"

namespace keikai::inspect {
namespace {

std::string Join(const std::vector<std::string>& v) {
  std::string o;
  for (const std::string& s : v) o += (o.empty() ? "" : ", ") + s;
  return o;
}

void AddVba(const VbaProject& p, Object& obj) {
  bool any_auto = false, any_write = false, any_exec = false;
  std::vector<std::string> autos, writes, execs;
  for (const VbaModule& m : p.modules) {
    Object mod;
    mod.name = m.name;
    mod.type = "vba_module";
    mod.size = m.source.size();
    const VbaIndicators ind = AnalyzeVba(m.source);
    if (!ind.autoexec.empty()) mod.findings.push_back({"vba_autoexec", 0, Join(ind.autoexec)});
    if (!ind.write.empty()) mod.findings.push_back({"vba_write", 0, Join(ind.write)});
    if (!ind.execute.empty()) mod.findings.push_back({"vba_execute", 0, Join(ind.execute)});
    if (!ind.other.empty()) mod.findings.push_back({"vba_obfuscation", 0, Join(ind.other)});
    any_auto = any_auto || !ind.autoexec.empty();
    any_write = any_write || !ind.write.empty();
    any_exec = any_exec || !ind.execute.empty();
    autos.insert(autos.end(), ind.autoexec.begin(), ind.autoexec.end());
    writes.insert(writes.end(), ind.write.begin(), ind.write.end());
    execs.insert(execs.end(), ind.execute.begin(), ind.execute.end());
    obj.children.push_back(std::move(mod));
  }
  std::string names;
  for (const VbaModule& m : p.modules) names += (names.empty() ? "" : ", ") + m.name;
  obj.findings.push_back({"vba_macros", 30, names});
  // mraptor's rule: runs by itself, and writes or executes.
  if (any_auto && (any_write || any_exec)) {
    obj.findings.push_back({"vba_autoexec_and_write_or_execute", 80, Join(autos) + " / " + Join(writes) + (writes.empty() || execs.empty() ? "" : ", ") + Join(execs)});
  } else if (any_auto) {
    obj.findings.push_back({"vba_autoexec", 40, Join(autos)});
  } else if (any_exec) {
    obj.findings.push_back({"vba_execute", 40, Join(execs)});
  }
  if (!p.error.empty()) obj.notes.push_back(Tr("inspect.note.vba") + p.error);
}

// Excel 4.0 functions that run code or load it: EXEC, CALL, REGISTER (and RUN, HALT's partner).
const char* XlmFunction(uint16_t id) {
  if ((id & 0x8000) != 0) return nullptr;  // a command-equivalent (fCeFunc), not a function
  switch (id) {
    case 110:
      return "EXEC";
    case 150:
      return "CALL";
    case 149:
      return "REGISTER";
    default:
      return nullptr;
  }
}

// A DDE field (Word's DDE / DDEAUTO field codes): a field begins with 0x13 (in a .doc's text,
// and in FieldCodes' rendering of Word XML) and its code's first word is DDE or DDEAUTO. (Prose
// that mentions DDE is no field.) A field naming a command interpreter weighs more.
// Word XML's field codes as a .doc holds them: each field's begin (a w:fldChar of type begin)
// as 0x13, then the text of its w:instrText runs joined (a code split over runs, "D" + "DEAUTO",
// is one word again), and each w:instr attribute; character references decoded. One pass over
// the tags.
std::string FieldCodes(std::string_view x) {
  const auto decode = [](std::string_view v, std::string& out) {
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (v[i] != '&') {
        out.push_back(v[i]);
        continue;
      }
      const std::size_t semi = v.find(';', i);
      if (semi == std::string_view::npos || semi - i > 10) {
        out.push_back('&');
        continue;
      }
      const std::string_view ent = v.substr(i + 1, semi - i - 1);
      uint32_t cp = 0;
      if (ent == "amp") cp = '&';
      else if (ent == "lt") cp = '<';
      else if (ent == "gt") cp = '>';
      else if (ent == "quot") cp = '"';
      else if (ent == "apos") cp = '\'';
      else if (ent.size() > 1 && ent[0] == '#') {
        const bool hex = ent[1] == 'x' || ent[1] == 'X';
        for (char c : ent.substr(hex ? 2 : 1)) {
          const int d = std::isdigit(static_cast<unsigned char>(c)) ? c - '0'
                        : hex && std::isxdigit(static_cast<unsigned char>(c)) ? (FoldLower(c) - 'a' + 10)
                                                                               : -1;
          if (d < 0 || cp > 0x10FFFF) break;
          cp = cp * (hex ? 16 : 10) + static_cast<uint32_t>(d);
        }
      }
      if (cp == 0 || cp > 0x7F) {  // only ASCII matters for field codes
        out.append(v.substr(i, semi - i + 1));
      } else {
        out.push_back(static_cast<char>(cp));
      }
      i = semi;
    }
  };
  std::string out;
  for (std::size_t p = x.find('<'); p != std::string_view::npos && out.size() < (8u << 20); p = x.find('<', p + 1)) {
    const std::size_t end = x.find('>', p);
    if (end == std::string_view::npos) break;
    const std::string_view tag = x.substr(p + 1, end - p - 1);
    if (tag.starts_with("w:fldChar") && tag.find("\"begin\"") != std::string_view::npos) {
      out.push_back('\x13');
    } else if (tag.starts_with("w:instrText") && !tag.ends_with("/")) {
      const std::size_t close = x.find("</w:instrText>", end);
      if (close == std::string_view::npos) break;
      decode(x.substr(end + 1, close - end - 1), out);
      p = close;
      continue;
    }
    for (const char* attr : {" w:instr=\"", " w:instr='"}) {
      const std::size_t at = tag.find(attr);
      if (at == std::string_view::npos) continue;
      const char quote = attr[9];
      const std::size_t vs = at + 10;
      const std::size_t ve = tag.find(quote, vs);
      out.push_back('\x13');
      decode(tag.substr(vs, ve == std::string_view::npos ? std::string_view::npos : ve - vs), out);
    }
    p = end;
  }
  return out;
}

void DdeFindings(std::string_view text, Object& obj) {
  std::string low = Lower(text.substr(0, 32u << 20));
  const auto check = [&](std::size_t code) {
    while (code < low.size() && (low[code] == ' ' || low[code] == '\t')) ++code;
    if (low.compare(code, 3, "dde") != 0) return false;
    const std::size_t after = code + (low.compare(code, 7, "ddeauto") == 0 ? 7 : 3);
    if (after < low.size() && std::isalnum(static_cast<unsigned char>(low[after])) != 0) return false;
    const std::string snippet(text.substr(code, std::min<std::size_t>(120, text.size() - code)));
    const std::string lsnip = low.substr(code, std::min<std::size_t>(120, low.size() - code));
    const bool command = lsnip.find("cmd") != std::string::npos || lsnip.find("powershell") != std::string::npos ||
                         lsnip.find("mshta") != std::string::npos;
    obj.findings.push_back({"dde_field", command ? 80 : 60, PeerText(snippet, 120)});
    return true;
  };
  for (std::size_t p = low.find('\x13'); p != std::string::npos; p = low.find('\x13', p + 1)) {
    if (check(p + 1)) return;
  }
}

// Inflates a zlib stream of at most max bytes; false when it is not one.
// Inflates a zlib stream into out, at most max bytes, streaming: it stops (false) as soon as the
// first 8 bytes are not a compound file's signature, so a record that only claims a size costs
// nothing.
bool InflateCfb(std::string_view in, std::size_t max, std::string& out) {
  out.clear();
  z_stream z{};
  if (inflateInit(&z) != Z_OK) return false;
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(std::min<std::size_t>(in.size(), UINT32_MAX));
  char buf[16384];
  bool ok = true;
  for (;;) {
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof buf;
    const int rc = inflate(&z, Z_NO_FLUSH);
    out.append(buf, sizeof buf - z.avail_out);
    if (out.size() >= 8 && out.compare(0, 8, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1") != 0) {
      ok = false;
      break;
    }
    if (rc == Z_STREAM_END) break;
    if (rc != Z_OK || out.size() > max) {
      ok = rc == Z_BUF_ERROR && out.size() <= max;  // a stream cut short: what came out is kept
      break;
    }
  }
  inflateEnd(&z);
  return ok && Cfb::Looks(out);
}

void PowerPointObjects(std::string_view doc, Object& obj, std::vector<EmbeddedFile>* embedded) {
  // Record header: recVer/recInstance (2), recType (2), recLen (4). Candidates are found by their
  // type and checked by what they hold (a compound file once inflated); every attempt costs.
  std::size_t found = 0, attempts = 0, budget = 64u << 20;
  for (std::size_t p = 0; p + 8 <= doc.size() && found < 100 && budget > 0; ++p) {
    if (doc[p + 2] != '\x11' || doc[p + 3] != '\x10') continue;
    const uint16_t ver_inst = Le16(doc, p);
    const uint32_t len = static_cast<uint32_t>(Le16(doc, p + 4)) | static_cast<uint32_t>(Le16(doc, p + 6)) << 16;
    if ((ver_inst & 0x0F) != 0 || len < 4 || len > doc.size() - p - 8) continue;
    if (++attempts > 1000) {
      obj.findings.push_back({"carrier_limit", 40, Tr("inspect.detail.ppt_objects")});
      break;
    }
    const std::string_view body = doc.substr(p + 8, len);
    std::string bytes;
    if ((ver_inst >> 4) == 1) {
      if (!InflateCfb(body.substr(4), budget, bytes)) continue;
    } else {
      if (!Cfb::Looks(body)) continue;
      bytes = std::string(body);
    }
    budget -= std::min(budget, bytes.size());
    ++found;
    Cfb inner;
    std::string error;
    if (!inner.Open(bytes, error)) continue;
    if (inner.Find("PowerPoint Document") != nullptr) continue;  // no recursion through presentations
    // The inner file is gone when this returns: carried files are copied out by AnalyzeOle.
    AnalyzeOle(inner, obj, embedded);
    p += 7 + len;
  }
}

// The ids of a workbook's relationships to macro sheets (Type ".../xlMacrosheet", in any case).
void MacroSheetIds(const std::string& rels, std::set<std::string>& ids) {
  for (std::size_t p = rels.find("<Relationship "); p != std::string::npos; p = rels.find("<Relationship ", p + 1)) {
    const std::size_t end = rels.find('>', p);
    if (end == std::string::npos || end - p > 4096) continue;  // an element is short: no copy of the rest
    const std::string el = rels.substr(p, end - p);
    if (Lower(el).find("macrosheet") == std::string::npos) continue;
    const std::size_t id = el.find("Id=\"");
    if (id != std::string::npos) ids.insert(el.substr(id + 4, el.find('"', id + 4) - id - 4));
  }
}

}  // namespace

void AnalyzeWordXml(std::string_view xml, Object& obj) { DdeFindings(FieldCodes(xml), obj); }

bool LooksLikeSylk(std::string_view data) { return data.starts_with("ID;P"); }

void AnalyzeSylk(std::string_view data, Object& obj) {
  // Records, one a line: "O;...;E" marks a macro sheet, "NN;NAuto_Open;..." names Auto_Open,
  // "C;...;E<formula>" holds a cell's formula.
  bool macro = false, auto_open = false;
  std::set<std::string> functions;
  std::size_t lines = 0;
  for (std::size_t p = 0; p < data.size() && lines < 1'000'000; ++lines) {
    std::size_t e = data.find('\n', p);
    if (e == std::string_view::npos) e = data.size();
    std::string line(data.substr(p, e - p));
    p = e + 1;
    std::transform(line.begin(), line.end(), line.begin(), [](char c) { return static_cast<char>(std::toupper(static_cast<unsigned char>(c))); });
    if (line.starts_with("O;") && (line.find(";E;") != std::string::npos || line.ends_with(";E") || line.ends_with(";E\r"))) macro = true;
    if (line.starts_with("NN;NAUTO_OPEN")) auto_open = true;
    if (line.starts_with("C;")) {
      for (const char* f : {"EXEC(", "CALL(", "REGISTER("}) {
        if (line.find(f) != std::string::npos) functions.insert(std::string(f, std::char_traits<char>::length(f) - 1));
      }
    }
  }
  if (!macro && !auto_open) return;
  obj.findings.push_back({"xlm_macro_sheet", 40, "SYLK"});
  if (auto_open) obj.findings.push_back({"xlm_auto_open", 70, "Auto_Open"});
  if (!functions.empty()) obj.findings.push_back({"xlm_exec", 70, Join(std::vector<std::string>(functions.begin(), functions.end()))});
}

void AnalyzeBiff8(std::string_view wb, Object& obj) {
  std::vector<std::string> macro_sheets, hidden;
  std::set<std::string> functions;
  bool auto_open = false, very_hidden = false;
  bool biff5 = false, bof_seen = false;  // Excel 5/95 workbooks: no high-byte flag before names
  for (std::size_t p = 0; p + 4 <= wb.size();) {
    const uint16_t type = Le16(wb, p), len = Le16(wb, p + 2);
    if (p + 4 + len > wb.size()) break;
    const std::string_view r = wb.substr(p + 4, len);
    p += 4 + len;
    if (type == 0x002F) {  // FILEPASS: the rest of the stream is encrypted
      obj.findings.push_back({"encrypted_document", 40, "BIFF8 FILEPASS"});
      break;
    }
    if (type == 0x0809 && !bof_seen && r.size() >= 2) {  // the globals' BOF: the BIFF version
      bof_seen = true;
      biff5 = Le16(r, 0) == 0x0500;
      continue;
    }
    if (type == 0x0085 && biff5 && r.size() >= 7) {  // BOUNDSHEET (BIFF5): 8-bit name at 7
      const int state = static_cast<unsigned char>(r[4]) & 3, dt = static_cast<unsigned char>(r[5]);
      const std::size_t cch = static_cast<unsigned char>(r[6]);
      std::string name;
      if (7 + cch <= r.size() && !ToUtf8(r.substr(7, cch), "CP1252", name)) name = "?";
      if (dt == 1) {
        macro_sheets.push_back(name);
        if (state != 0) hidden.push_back(name + (state == 2 ? " (very hidden)" : " (hidden)"));
        very_hidden = very_hidden || state == 2;
      }
    } else if (type == 0x0085 && r.size() >= 8) {  // BOUNDSHEET8
      const int state = static_cast<unsigned char>(r[4]) & 3, dt = static_cast<unsigned char>(r[5]);
      const std::size_t cch = static_cast<unsigned char>(r[6]);
      const bool wide = (static_cast<unsigned char>(r[7]) & 1) != 0;
      std::string name;
      if (wide) {
        if (8 + cch * 2 <= r.size()) name = Utf16LeToUtf8(r.substr(8, cch * 2));
      } else if (8 + cch <= r.size() && !ToUtf8(r.substr(8, cch), "CP1252", name)) {
        name = "?";
      }
      if (dt == 1) {
        macro_sheets.push_back(name);
        if (state != 0) hidden.push_back(name + (state == 2 ? " (very hidden)" : " (hidden)"));
        very_hidden = very_hidden || state == 2;
      }
    } else if (type == 0x0018 && r.size() >= (biff5 ? 15u : 16u)) {  // NAME: a built-in Auto_Open (code 1)
      const uint16_t flags = Le16(r, 0);
      const std::size_t at = biff5 ? 14 : 15;  // BIFF8 has a high-byte flag at 14
      if ((flags & 0x0020) != 0 && r[at] == 0x01) auto_open = true;
      if ((flags & 0x0020) == 0 && static_cast<unsigned char>(r[3]) >= 9) {  // "Auto_Open" named as text
        const std::size_t cch = static_cast<unsigned char>(r[3]);
        if (at + cch <= r.size()) {
          std::string n = Lower(r.substr(at, cch));
          if (n.starts_with("auto_open")) auto_open = true;
        }
      }
    } else if (type == 0x0006 && r.size() > 22) {  // FORMULA: the parsed formula after 22 bytes
      const uint16_t cce = Le16(r, 20);
      const std::string_view rgce = r.substr(22, std::min<std::size_t>(cce, r.size() - 22));
      for (std::size_t i = 0; i + 3 <= rgce.size(); ++i) {
        const unsigned char ptg = static_cast<unsigned char>(rgce[i]);
        const char* f = nullptr;
        if ((ptg == 0x21 || ptg == 0x41 || ptg == 0x61)) f = XlmFunction(Le16(rgce, i + 1));
        if (f == nullptr && (ptg == 0x22 || ptg == 0x42 || ptg == 0x62) && i + 4 <= rgce.size()) f = XlmFunction(Le16(rgce, i + 2));
        if (f != nullptr) functions.insert(f);
      }
    }
  }
  if (!macro_sheets.empty()) {
    obj.findings.push_back({"xlm_macro_sheet", 40, Join(macro_sheets)});
    // A very hidden sheet can only be made by code or by editing the file: no user hides a macro
    // sheet that way, droppers do.
    if (!hidden.empty()) obj.findings.push_back({"xlm_hidden_sheet", very_hidden ? 70 : 50, Join(hidden)});
    if (auto_open) obj.findings.push_back({"xlm_auto_open", 70, "Auto_Open"});
    if (!functions.empty()) {
      obj.findings.push_back({"xlm_exec", 70, Join(std::vector<std::string>(functions.begin(), functions.end()))});
    }
  }
}

void AnalyzeOle(const Cfb& cfb, Object& obj, std::vector<EmbeddedFile>* embedded, const VbaLimits& vba) {
  std::string error, data;
  // OLE packages: a file carried inside the document ("\x01Ole10Native" streams).
  if (embedded != nullptr) {
    for (const CfbEntry& e : cfb.entries()) {
      if (e.type != 2 || !e.path.ends_with("\x01Ole10Native")) continue;
      if (embedded->size() >= 100) {
        obj.findings.push_back({"carrier_limit", 40, Tr("inspect.detail.ole_packages")});
        break;
      }
      EmbeddedFile f;
      if (cfb.Read(e, data, error) && ReadOle10Native(data, f)) embedded->push_back(std::move(f));
    }
  }
  if (cfb.Find("EncryptionInfo") != nullptr && cfb.Find("EncryptedPackage") != nullptr) {
    obj.findings.push_back({"encrypted_document", 40, "OOXML EncryptedPackage"});
    return;
  }
  if (cfb.Find("EncryptedSummary") != nullptr) obj.findings.push_back({"encrypted_document", 40, "PowerPoint"});
  if (const CfbEntry* w = cfb.Find("WordDocument"); w != nullptr && cfb.Read(*w, data, error) && data.size() >= 12) {
    if (Le16(data, 0) == 0xA5EC && (Le16(data, 10) & 0x0100) != 0) {
      obj.findings.push_back({"encrypted_document", 40, "Word fEncrypted"});
    } else {
      // Field codes in the document's text: 8-bit, or UTF-16 (its ASCII read by dropping the NULs).
      DdeFindings(data, obj);
      if (std::none_of(obj.findings.begin(), obj.findings.end(), [](const Finding& f) { return f.code == "dde_field"; })) {
        std::string ascii;
        for (std::size_t i = 0; i + 1 < data.size(); i += 2) {
          if (data[i + 1] == 0) ascii.push_back(data[i]);
        }
        DdeFindings(ascii, obj);
      }
    }
  }
  // PowerPoint 97-2003 keeps its VBA project and embedded objects as compound files inside the
  // "PowerPoint Document" stream (ExOleObjStg records, type 0x1011, zlib-compressed when the
  // record's instance is 1): each is opened and read as a compound file of its own.
  if (const CfbEntry* ppt = cfb.Find("PowerPoint Document"); ppt != nullptr && cfb.Read(*ppt, data, error)) {
    PowerPointObjects(data, obj, embedded);
  }
  // The Equation Editor's objects (an "Equation Native" stream): the carrier of CVE-2017-11882.
  for (const CfbEntry& e : cfb.entries()) {
    if (e.type == 2 && (e.path == "Equation Native" || e.path.ends_with("/Equation Native"))) {
      obj.findings.push_back({"equation_object", 80, e.path});
      break;
    }
  }
  const CfbEntry* wb = cfb.Find("Workbook");
  if (wb == nullptr) wb = cfb.Find("Book");
  if (wb != nullptr && cfb.Read(*wb, data, error)) AnalyzeBiff8(data, obj);
  bool more_projects = false, cut = false;
  for (const VbaProject& p : ReadVbaProjects(cfb, vba, &more_projects)) {
    cut = cut || p.cut;
    if (p.modules.empty() && p.error.empty()) continue;
    AddVba(p, obj);
  }
  if (cfb.cut()) {
    obj.findings.push_back({"cfb_limit", 40,
                            TrFill("inspect.detail.cfb_limit", {{"{depth}", std::to_string(cfb.limits().depth)},
                                                                {"{kib}", std::to_string(cfb.limits().path_bytes >> 10)}})});
  }
  // What was not read could hold the macro that decides: said, never skipped silently.
  if (more_projects || cut) {
    obj.findings.push_back({"vba_limit", 40,
                            TrFill("inspect.detail.vba_limit", {{"{projects}", std::to_string(vba.projects)},
                                                                {"{modules}", std::to_string(vba.modules)},
                                                                {"{mb}", std::to_string(vba.source_bytes >> 20)}})});
  }
}

bool NeedOoxmlPart(std::string_view path) {
  std::string low = Lower(path);
  return low == "[content_types].xml" || low.ends_with(".bin") || low == "xl/workbook.xml" ||
         low == "xl/_rels/workbook.xml.rels" || low == "xl/_rels/workbook.bin.rels" || low.starts_with("xl/macrosheets/") ||
         low == "word/document.xml" || low.starts_with("xl/externallinks/externallink");
}

void AnalyzeOoxml(const std::map<std::string, std::string>& parts, Object& obj, std::vector<EmbeddedFile>* embedded) {
  // Every binary part that is a compound file (vbaProject.bin by any name, embedded objects).
  for (const auto& [path, bytes] : parts) {
    if (!Cfb::Looks(bytes)) continue;
    Cfb cfb;
    std::string error;
    if (cfb.Open(bytes, error)) {
      AnalyzeOle(cfb, obj, embedded);
    } else {
      obj.notes.push_back(path + ": " + error);
    }
  }
  // DDE: Word's field codes, Excel's links to a DDE server ("cmd" with a topic to run).
  if (auto doc = parts.find("word/document.xml"); doc != parts.end()) DdeFindings(FieldCodes(doc->second), obj);
  for (const auto& [path, bytes] : parts) {
    std::string lower = Lower(path);
    if (!lower.starts_with("xl/externallinks/")) continue;
    const std::size_t at = bytes.find("ddeService=");
    if (at == std::string::npos) continue;
    const std::string snippet = bytes.substr(at, std::min<std::size_t>(120, bytes.size() - at));
    const std::string ls = Lower(snippet);
    const bool command = ls.find("\"cmd") != std::string::npos || ls.find("powershell") != std::string::npos || ls.find("mshta") != std::string::npos;
    obj.findings.push_back({"dde_link", command ? 80 : 60, PeerText(snippet, 120)});
    break;
  }
  // Excel 4.0 macro sheets: the parts, their sheets' states in workbook.xml (through the rels),
  // and an Auto_Open defined name.
  std::vector<std::string> sheets, hidden;
  std::set<std::string> functions;
  std::set<std::string> macro_ids;
  bool very_hidden = false;
  for (const char* rels : {"xl/_rels/workbook.xml.rels", "xl/_rels/workbook.bin.rels"}) {  // .xlsx/.xlsm, .xlsb
    if (auto it = parts.find(rels); it != parts.end()) MacroSheetIds(it->second, macro_ids);
  }
  bool auto_open = false;
  if (auto wb = parts.find("xl/workbook.bin"); wb != parts.end()) {  // .xlsb: BIFF12 records
    const std::string& b = wb->second;
    const auto wide = [&](std::size_t& p, std::string& out) {  // XLWideString: cch (4), UTF-16
      if (p + 4 > b.size()) return false;
      const uint32_t cch = static_cast<uint32_t>(Le16(b, p)) | static_cast<uint32_t>(Le16(b, p + 2)) << 16;
      p += 4;
      if (cch == 0xFFFFFFFFu) return true;  // null
      if (cch > (b.size() - p) / 2) return false;
      out = Utf16LeToUtf8(std::string_view(b).substr(p, cch * 2));
      p += cch * 2;
      return true;
    };
    for (std::size_t p = 0; p < b.size();) {
      // Record type: 1 or 2 bytes of 7 bits; size: 1 to 4 bytes of 7 bits.
      uint32_t type = static_cast<unsigned char>(b[p]) & 0x7F;
      if ((static_cast<unsigned char>(b[p++]) & 0x80) != 0 && p < b.size()) type |= (static_cast<unsigned char>(b[p++]) & 0x7Fu) << 7;
      uint32_t size = 0;
      for (int i = 0; i < 4 && p < b.size(); ++i) {
        const unsigned char c = static_cast<unsigned char>(b[p++]);
        size |= static_cast<uint32_t>(c & 0x7F) << (7 * i);
        if ((c & 0x80) == 0) break;
      }
      if (size > b.size() - p) break;
      if (type == 156 && size >= 12) {  // BrtBundleSh: hsState, iTabID, strRelID, strName
        const uint32_t state = static_cast<uint32_t>(Le16(b, p));
        std::size_t q = p + 8;
        std::string rel, name;
        if (wide(q, rel) && wide(q, name) && macro_ids.contains(rel)) {
          sheets.push_back(name);
          if (state == 1 || state == 2) hidden.push_back(name + (state == 2 ? " (veryHidden)" : " (hidden)"));
          very_hidden = very_hidden || state == 2;
        }
      }
      p += size;
    }
    // Auto_Open as a defined name's text (UTF-16), in any case.
    std::string low = Lower(b);
    if (low.find(std::string_view("a\0u\0t\0o\0_\0o\0p\0e\0n\0", 18)) != std::string::npos) auto_open = true;
  }
  if (auto wb = parts.find("xl/workbook.xml"); wb != parts.end()) {
    const std::string& x = wb->second;
    for (std::size_t p = x.find("<sheet "); p != std::string::npos; p = x.find("<sheet ", p + 1)) {
      const std::size_t end = x.find('>', p);
      if (end == std::string::npos || end - p > 4096) continue;
      const std::string el = x.substr(p, end - p);
      const auto attr = [&](const std::string& name) {
        const std::size_t a = el.find(" " + name + "=\"");
        return a == std::string::npos ? std::string() : el.substr(a + name.size() + 3, el.find('"', a + name.size() + 3) - a - name.size() - 3);
      };
      if (!macro_ids.contains(attr("r:id"))) continue;
      const std::string name = attr("name"), state = attr("state");
      sheets.push_back(name);
      if (state == "hidden" || state == "veryHidden") hidden.push_back(name + " (" + state + ")");
      very_hidden = very_hidden || state == "veryHidden";
    }
    const std::string low = Lower(x);
    if (low.find("_xlnm.auto_open") != std::string::npos || low.find("name=\"auto_open") != std::string::npos ||
        low.find("name='auto_open") != std::string::npos) {
      auto_open = true;
    }
  }
  for (const auto& [path, bytes] : parts) {
    if (!path.starts_with("xl/macrosheets/")) continue;
    if (sheets.empty()) sheets.push_back(path);  // its sheet not found through the rels: the part
    for (const char* f : {"EXEC(", "CALL(", "REGISTER("}) {
      if (bytes.find(f) != std::string::npos) functions.insert(std::string(f, std::char_traits<char>::length(f) - 1));
    }
  }
  if (!sheets.empty()) {
    obj.findings.push_back({"xlm_macro_sheet", 40, Join(sheets)});
    if (!hidden.empty()) obj.findings.push_back({"xlm_hidden_sheet", very_hidden ? 70 : 50, Join(hidden)});
    if (auto_open) obj.findings.push_back({"xlm_auto_open", 70, "_xlnm.Auto_Open"});
    if (!functions.empty()) obj.findings.push_back({"xlm_exec", 70, Join(std::vector<std::string>(functions.begin(), functions.end()))});
  }
}

}  // namespace keikai::inspect
