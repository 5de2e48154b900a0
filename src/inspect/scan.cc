#include "keikai/inspect/scan.h"

#include <gmime/gmime.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <deque>
#include <map>
#include <memory>
#include <mutex>

#include "keikai/core/ascii.h"
#include "keikai/core/files.h"
#include "keikai/core/i18n.h"
#include "keikai/core/utf8.h"
#include "keikai/inspect/carriers.h"
#include "keikai/inspect/cfb.h"
#include "keikai/inspect/charset.h"
#include "keikai/inspect/office.h"
#include "keikai/inspect/passwords.h"
#include "keikai/inspect/zip.h"

namespace keikai::inspect {
namespace {

std::string Extension(std::string_view name) {
  const std::size_t slash = name.find_last_of("/\\");
  if (slash != std::string_view::npos) name.remove_prefix(slash + 1);
  // Windows drops trailing dots and spaces: "x.exe. " runs as x.exe.
  while (!name.empty() && (name.back() == '.' || name.back() == ' ')) name.remove_suffix(1);
  const std::size_t dot = name.rfind('.');
  return dot == std::string_view::npos ? "" : Lower(name.substr(dot + 1));
}

// Extensions Windows runs, or that carry code when opened.
bool Runnable(const std::string& ext) {
  static const char* const kExt[] = {"exe", "scr", "com", "pif", "cpl", "msi", "msp", "dll", "js", "jse", "vbs", "vbe",
                                     "wsf", "wsh", "hta", "bat", "cmd", "ps1", "psm1", "jar", "reg", "scf", "lnk",
                                     "url", "appref-ms", "xll", "msc", "chm", "iqy", "sct"};
  return std::any_of(std::begin(kExt), std::end(kExt), [&](const char* e) { return ext == e; });
}
bool Document(const std::string& ext) {
  static const char* const kExt[] = {"pdf", "doc", "docx", "docm", "xls", "xlsx", "xlsm", "ppt", "pptx", "txt", "jpg",
                                     "jpeg", "png", "gif", "zip", "rtf", "csv", "html", "htm"};
  return std::any_of(std::begin(kExt), std::end(kExt), [&](const char* e) { return ext == e; });
}

// Name checks: right-to-left override, double extensions, what Windows runs, disk images,
// OneNote.
void NameFindings(const std::string& name, Object& obj) {
  if (name.find("\xE2\x80\xAE") != std::string::npos) obj.findings.push_back({"rlo_in_name", 80, PeerText(name)});
  const std::string ext = Extension(name);
  std::string base = name.substr(0, name.size() - (ext.empty() ? 0 : ext.size() + 1));
  while (!base.empty() && (base.back() == ' ' || base.back() == '.')) base.pop_back();
  if (Runnable(ext)) {
    if (Document(Extension(base))) {
      obj.findings.push_back({"double_extension", 80, PeerText(name)});
    } else if (ext == "lnk") {
      obj.findings.push_back({"lnk_file", 80, PeerText(name)});
    } else {
      obj.findings.push_back({"runnable_file", 70, PeerText(name)});
    }
  } else if (ext == "iso" || ext == "img" || ext == "vhd" || ext == "vhdx") {
    obj.findings.push_back({"disk_image", 40, PeerText(name)});
  } else if (ext == "one" || ext == "onepkg") {
    obj.findings.push_back({"onenote_file", 50, PeerText(name)});
  }
}

// HTML that builds a file in the browser and offers it for download (HTML smuggling).
void HtmlFindings(std::string_view data, Object& obj) {
  const std::string low = Lower(data);
  const bool script = low.find("<script") != std::string::npos;
  const bool assemble = low.find("atob(") != std::string::npos || low.find("new blob(") != std::string::npos ||
                        low.find("uint8array") != std::string::npos || low.find("fromcharcode") != std::string::npos;
  const bool offer = low.find("createobjecturl") != std::string::npos || low.find("mssaveoropenblob") != std::string::npos ||
                     low.find(".download") != std::string::npos || low.find("download=") != std::string::npos;
  if (script && assemble && offer) obj.findings.push_back({"html_smuggling", 60, ""});
}

// "3 file(s)" / "3 件のファイル": a count in the output language.
std::string Count(const char* key, uint64_t n) { return TrFill(key, {{"{n}", std::to_string(n)}}); }

bool LooksLikeHtml(std::string_view data, const std::string& name) {
  const std::string ext = Extension(name);
  if (ext == "html" || ext == "htm" || ext == "shtml" || ext == "xhtml") return true;
  const std::string head = Lower(data.substr(0, 512));
  return head.find("<!doctype html") != std::string::npos || head.find("<html") != std::string::npos;
}

}  // namespace

std::string Sha256Hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(data.data(), data.size(), md, &n, EVP_sha256(), nullptr);
  static const char* const kHex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < n; ++i) {
    out.push_back(kHex[md[i] >> 4]);
    out.push_back(kHex[md[i] & 15]);
  }
  return out;
}

int ScoreOf(const Object& root) {
  std::vector<int> scores;
  std::vector<const Object*> todo = {&root};
  while (!todo.empty()) {
    const Object* o = todo.back();
    todo.pop_back();
    for (const Finding& f : o->findings) scores.push_back(f.score);
    for (const Object& c : o->children) todo.push_back(&c);
  }
  if (scores.empty()) return 0;
  std::sort(scores.begin(), scores.end(), std::greater<>());
  int total = scores[0];
  for (std::size_t i = 1; i < scores.size(); ++i) total += scores[i] / 10;
  return std::min(100, total);
}

namespace {
void Locate(const Object& o, const std::string& path, std::vector<LocatedFinding>& out) {
  for (const Finding& f : o.findings) out.push_back({path, &f});
  for (const Object& c : o.children) Locate(c, path.empty() ? c.name : path + " > " + c.name, out);
}
}  // namespace

std::vector<LocatedFinding> FindingsByScore(const Object& root) {
  std::vector<LocatedFinding> out;
  Locate(root, "", out);
  std::stable_sort(out.begin(), out.end(), [](const LocatedFinding& a, const LocatedFinding& b) { return a.finding->score > b.finding->score; });
  return out;
}

const char* VerdictOf(int score) { return score >= kMalicious ? "malicious" : score >= kSuspicious ? "suspicious" : "clean"; }

Object InspectObject(const std::string& name, std::string_view data, const std::vector<std::string>& passwords,
                     const ScanOptions& o, int depth, Budget* budget) {
  Budget own;
  if (budget == nullptr) budget = &own;
  Object obj;
  obj.name = name;
  obj.size = data.size();
  if (o.deadline != std::chrono::steady_clock::time_point{} && std::chrono::steady_clock::now() > o.deadline) {
    obj.findings.push_back({"scan_timeout", 40, ""});
    return obj;
  }
  obj.sha256 = Sha256Hex(data);
  obj.type = "binary";
  NameFindings(name, obj);
  if (o.yara != nullptr) {
    for (const YaraMatch& m : o.yara->Scan(data)) {
      if (m.rule.starts_with("!")) {
        obj.findings.push_back({"yara_incomplete", 30, m.rule.substr(1)});
      } else {
        obj.findings.push_back({"yara_match", m.score, m.rule});
      }
    }
  }
  // Files a document or a notebook carries: inspected as children, within the budget.
  const auto carried = [&](std::vector<EmbeddedFile>& files) {
    for (EmbeddedFile& f : files) {
      if (budget->objects == 0 || budget->bytes < f.data.size() || depth + 1 > o.max_depth) {
        obj.findings.push_back({depth + 1 > o.max_depth ? "nesting_limit" : "scan_budget", 40, PeerText(f.name)});
        break;
      }
      --budget->objects;
      budget->bytes -= f.data.size();
      obj.children.push_back(InspectObject(f.name.empty() ? "(embedded)" : f.name, f.data, passwords, o, depth + 1, budget));
      obj.children.back().notes.push_back(TrFill("inspect.note.embedded_in", {{"{name}", name}}));
      std::string().swap(f.data);  // one copy at a time
    }
  };
  if (data.size() >= 2 && data[0] == 'M' && data[1] == 'Z') {
    obj.type = "pe";
    obj.findings.push_back({"pe_executable", 80, Tr("inspect.detail.mz")});
    return obj;
  }
  if (Cfb::Looks(data)) {
    obj.type = "ole";
    Cfb cfb;
    std::string error;
    std::vector<EmbeddedFile> embedded;
    if (cfb.Open(data, error)) {
      AnalyzeOle(cfb, obj, &embedded);
      if (!embedded.empty()) obj.findings.push_back({"embedded_file", 20, Count("inspect.detail.files", embedded.size())});
      carried(embedded);
    } else {
      obj.notes.push_back(Tr("inspect.note.compound_file") + error);
      obj.findings.push_back({"damaged_document", 30, error});
    }
    return obj;
  }
  if (LooksLikeLnk(data)) {
    obj.type = "lnk";
    const LnkInfo l = ReadLnk(data);
    if (Extension(name) != "lnk") obj.findings.push_back({"lnk_file", 80, PeerText(name)});
    const std::string what = l.target + (l.arguments.empty() ? "" : " " + l.arguments);
    if (!what.empty()) obj.notes.push_back(Tr("inspect.note.runs") + PeerText(what, 500));
    const std::string low = Lower(what);
    for (const char* p : {"cmd.exe", "powershell", "pwsh", "mshta", "wscript", "cscript", "rundll32", "regsvr32", "certutil",
                          "bitsadmin", "curl", "msiexec", "forfiles", "conhost"}) {
      if (low.find(p) != std::string::npos) {
        obj.findings.push_back({"lnk_runs_command", 90, PeerText(what, 300)});
        break;
      }
    }
    if (l.arguments.size() > 256) obj.findings.push_back({"lnk_long_arguments", 60, Count("inspect.detail.characters", l.arguments.size())});
    if (!l.error.empty()) obj.notes.push_back(Tr("inspect.note.shortcut") + l.error);
    return obj;
  }
  if (LooksLikeRtf(data)) {
    obj.type = "rtf";
    std::vector<EmbeddedFile> files;
    std::vector<RtfObject> objects = RtfObjects(data, 50);
    if (objects.size() >= 50) obj.findings.push_back({"carrier_limit", 40, Tr("inspect.detail.rtf_objects")});
    for (RtfObject& r : objects) {
      const std::string cls = Lower(r.class_name);
      if (cls.starts_with("equation")) {
        // The Equation Editor (EQNEDT32): its objects carried CVE-2017-11882 and CVE-2018-0802.
        obj.findings.push_back({"rtf_equation_object", 80, PeerText(r.class_name)});
        continue;
      }
      EmbeddedFile f;
      if (cls == "package" && ReadOle10Native(std::string(4, '\0') + r.data, f)) {
        files.push_back(std::move(f));
      } else {
        files.push_back({r.class_name.empty() ? "(rtf object)" : r.class_name, std::move(r.data)});
      }
    }
    if (!files.empty()) obj.findings.push_back({"embedded_file", 20, Count("inspect.detail.objects", files.size())});
    carried(files);
    return obj;
  }
  if (LooksLikeOneNote(data)) {
    obj.type = "onenote";
    if (Extension(name) != "one" && Extension(name) != "onepkg") obj.findings.push_back({"onenote_file", 50, PeerText(name)});
    std::vector<EmbeddedFile> files = OneNoteFiles(data, 100);
    if (files.size() >= 100) obj.findings.push_back({"carrier_limit", 40, Tr("inspect.detail.onenote_files")});
    if (!files.empty()) obj.findings.push_back({"embedded_file", 20, Count("inspect.detail.files", files.size())});
    carried(files);
    return obj;
  }
  std::string kind;
  // An archive by its first bytes, or a ZIP found from its end (bytes before it: a
  // self-extractor, or junk put there to hide it from checks that look at the start).
  bool archive = LooksLikeArchive(data, kind);
  if (!archive && data.size() >= 22) {
    const ZipDirectory z = ReadZipDirectory(data, 1);
    if (z.zip && !z.entries.empty()) {
      archive = true;
      kind = "zip";
    }
  }
  if (!archive) {
    const std::string ext = Extension(name);
    // A spreadsheet formula that calls a DDE server ("=cmd|'/c calc'!A0"): CSV and text files
    // Excel opens.
    if (ext == "csv" || ext == "txt" || ext == "slk" || ext == "iqy" || ext == "tsv") {
      // Line by line: a cell (after the line's start or a delimiter) that starts with = + - @ and
      // holds "|" then "!".
      const std::string_view text = data.substr(0, 8u << 20);
      for (std::size_t ls = 0; ls < text.size();) {
        std::size_t le = text.find('\n', ls);
        if (le == std::string_view::npos) le = text.size();
        const std::string line = Lower(text.substr(ls, le - ls));
        ls = le + 1;
        const std::size_t bar = line.find('|');
        if (bar == std::string::npos || line.find('!', bar) == std::string::npos) continue;
        std::size_t cell = line.find_last_of(",;\t", bar);
        cell = cell == std::string::npos ? 0 : cell + 1;
        while (cell < bar && (line[cell] == ' ' || line[cell] == '"')) ++cell;
        if (cell >= bar || std::string_view("=+-@").find(line[cell]) == std::string_view::npos) continue;
        obj.findings.push_back({"dde_formula", line.find("cmd", cell) < bar ? 80 : 60, PeerText(line.substr(cell, 100), 100)});
        break;
      }
    }
    for (const char* a : {"zip", "7z", "rar", "lzh", "cab", "gz", "tgz", "tar"}) {
      if (ext == a && !data.empty()) obj.findings.push_back({"archive_unrecognized", 30, PeerText(name)});
    }
    if (LooksLikeHtml(data, name)) {
      obj.type = "html";
      HtmlFindings(data, obj);
    } else if (LooksLikeSylk(data)) {
      obj.type = "sylk";
      AnalyzeSylk(data, obj);
    } else if (data.substr(0, 512).find("<?xml") != std::string_view::npos &&
               data.substr(0, 1u << 20).find("w:instr") != std::string_view::npos) {
      obj.type = "word_xml";  // Word 2003/2007 XML saved as one file
      AnalyzeWordXml(data, obj);
    } else if (data.substr(0, 1u << 20).find("urn:schemas-microsoft-com:office:spreadsheet") != std::string_view::npos) {
      // Excel 2003 XML: a formula that calls a DDE server (ss:Formula="=cmd|'/c calc'!A1").
      obj.type = "excel_xml";
      const std::string low = Lower(data.substr(0, 32u << 20));
      for (std::size_t p = low.find("formula=\"="); p != std::string::npos; p = low.find("formula=\"=", p + 10)) {
        const std::size_t end = low.find('"', p + 10);
        if (end == std::string::npos) break;  // no closing quote: no formula after this one either
        const std::string_view f = std::string_view(low).substr(p + 9, end == std::string::npos ? 200 : std::min<std::size_t>(200, end - p - 9));
        if (f.find('|') == std::string_view::npos || f.find('!') == std::string_view::npos) continue;
        const bool command = f.find("cmd") != std::string_view::npos || f.find("powershell") != std::string_view::npos;
        obj.findings.push_back({"dde_formula", command ? 80 : 60, PeerText(data.substr(p + 9, f.size()), 120)});
        break;
      }
    }
    return obj;
  }
  obj.type = kind;
  if (depth >= o.max_depth) {
    obj.findings.push_back({"nesting_limit", 40, Count("inspect.detail.levels", static_cast<uint64_t>(depth))});
    return obj;
  }
  if (budget->bytes == 0 || budget->objects == 0) {
    obj.findings.push_back({"scan_budget", 40, ""});
    return obj;
  }
  ArchiveLimits lim = o.limits;
  lim.max_total = std::min<uint64_t>(lim.max_total, budget->bytes);
  ArchiveResult ar = ReadArchive(data, passwords, lim);
  uint64_t expanded = 0;
  for (const ArchiveEntry& e : ar.entries) expanded += std::min<uint64_t>(e.size, lim.max_total);
  budget->bytes -= std::min(budget->bytes, expanded);
  // Declared sizes (ZIP): a bomb is a finding even when the limits stopped the reading.
  if (kind == "zip") {
    const ZipDirectory z = ReadZipDirectory(data);
    uint64_t declared = 0;
    for (const ZipEntry& e : z.entries) declared = e.size > UINT64_MAX - declared ? UINT64_MAX : declared + e.size;
    if (declared > (100ull << 20) && declared / 100 > static_cast<uint64_t>(data.size())) {
      obj.findings.push_back({"archive_bomb", 50, TrFill("inspect.detail.bomb", {{"{expanded}", std::to_string(declared >> 20)}, {"{size}", std::to_string(data.size() >> 10)}})});
    }
    std::string kinds;
    for (const ZipEntry& e : z.entries) {
      if (!e.encryption.empty() && kinds.find(e.encryption) == std::string::npos) kinds += (kinds.empty() ? "" : ", ") + e.encryption;
    }
    if (!kinds.empty()) obj.notes.push_back(Tr("inspect.note.encryption") + kinds);
    // Names libarchive did not give (a header it could not read): still checked.
    if (ar.entries.empty()) {
      for (const ZipEntry& e : z.entries) {
        Object child;
        child.name = e.name;
        child.type = e.encrypted ? "encrypted" : "unread";
        NameFindings(e.name, child);
        obj.children.push_back(std::move(child));
      }
    }
  }
  if (ar.limited) obj.findings.push_back({"archive_limit", 40, ""});
  if (ar.any_encrypted) {
    if (!ar.password.empty()) {
      obj.findings.push_back({"encrypted_archive_opened", 0, ""});
      obj.notes.push_back(Tr("inspect.note.opened"));
    } else {
      const bool opened = !ar.entries.empty() && std::all_of(ar.entries.begin(), ar.entries.end(), [](const ArchiveEntry& e) {
        return !e.encrypted || e.opened;
      });
      if (!opened) {
        obj.findings.push_back({ar.headers_encrypted ? "encrypted_archive_hidden_names" : "encrypted_archive_no_password",
                                ar.headers_encrypted ? 50 : 40, Count("inspect.detail.entries", ar.entries.size())});
      }
    }
  } else if (!ar.error.empty() && ar.entries.empty()) {
    // Not one entry could be read: nobody can say what is inside.
    obj.findings.push_back({"archive_unreadable", 30, ar.error});
  } else if (ar.unread > 0) {
    obj.findings.push_back({"archive_entry_unreadable", 30, ar.error});
  }
  // OOXML: a ZIP with [Content_Types].xml; the parts that carry code analysed, every other
  // entry inspected as any archive entry (embedded objects, or a program beside the parts).
  const auto has = [&](const char* n) {
    return std::any_of(ar.entries.begin(), ar.entries.end(), [&](const ArchiveEntry& e) { return e.name == n; });
  };
  const bool ooxml = kind == "zip" && has("[Content_Types].xml") && has("_rels/.rels");
  if (ooxml) {
    obj.type = "ooxml";
    std::map<std::string, std::string> parts;
    for (ArchiveEntry& e : ar.entries) {
      // The parts that carry code; a .bin part only when it is a compound file (any other binary
      // stays an entry to inspect).
      if (NeedOoxmlPart(e.name) && (Extension(e.name) != "bin" || Cfb::Looks(e.data) || Lower(e.name) == "xl/workbook.bin")) {
        parts[e.name] = std::move(e.data);
      }
    }
    std::vector<EmbeddedFile> embedded;
    AnalyzeOoxml(parts, obj, &embedded);
    carried(embedded);
  }
  for (const ArchiveEntry& e : ar.entries) {
    if (e.name.empty() && e.data.empty()) continue;
    if (ooxml) {
      // The package's own XML and relationships, and the compound files read above; everything
      // else (media, other binaries, anything a sender put beside the parts) is inspected.
      const std::string ext = Extension(e.name);
      if (ext == "xml" || ext == "rels" || (NeedOoxmlPart(e.name) && e.data.empty())) continue;
    }
    if (budget->objects == 0) {
      obj.findings.push_back({"scan_budget", 40, PeerText(e.name)});
      break;
    }
    --budget->objects;
    if (e.opened && !e.data.empty()) {
      Object child = InspectObject(e.name, e.data, passwords, o, depth + 1, budget);
      child.size = e.size;
      if (e.truncated) {
        child.notes.push_back(Tr("inspect.note.truncated"));
        child.findings.push_back({"entry_truncated", 30, Count("inspect.detail.mib", e.size >> 20)});
      }
      obj.children.push_back(std::move(child));
    } else {
      Object child;
      child.name = e.name;
      child.type = e.encrypted ? "encrypted" : "unread";
      NameFindings(e.name, child);
      obj.children.push_back(std::move(child));
    }
  }
  return obj;
}

namespace {

void InitGmime() {
  static std::once_flag once;
  std::call_once(once, [] { g_mime_init(); });
}

struct Unref {
  void operator()(gpointer p) const {
    if (p != nullptr) g_object_unref(p);
  }
};

std::string Str(const char* s) { return s == nullptr ? "" : s; }

std::string AddressList(InternetAddressList* list) {
  if (list == nullptr) return "";
  char* s = internet_address_list_to_string(list, nullptr, FALSE);
  std::string out = Str(s);
  g_free(s);
  return out;
}

// The first mailbox of a list: display name and address.
bool FirstMailbox(InternetAddressList* list, std::string& name, std::string& addr) {
  if (list == nullptr || internet_address_list_length(list) < 1) return false;
  InternetAddress* a = internet_address_list_get_address(list, 0);
  if (!INTERNET_ADDRESS_IS_MAILBOX(a)) return false;
  name = Str(internet_address_get_name(a));
  addr = Lower(Str(internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(a))));
  return true;
}

std::string DomainOf(const std::string& addr) {
  const std::size_t at = addr.rfind('@');
  return at == std::string::npos ? "" : addr.substr(at + 1);
}

// Reply-chain hijack signs (Emotet answers stolen threads): "Re:" with no thread headers, a
// display name that carries another address, a Reply-To elsewhere.
void HeaderFindings(GMimeMessage* m, Object& root) {
  std::string subject = Lower(Str(g_mime_message_get_subject(m)));
  const bool reply = subject.starts_with("re:") || subject.starts_with("re :") || subject.starts_with("返信:") ||
                     subject.starts_with("re[") || subject.starts_with("aw:");
  const bool thread = g_mime_object_get_header(GMIME_OBJECT(m), "In-Reply-To") != nullptr ||
                      g_mime_object_get_header(GMIME_OBJECT(m), "References") != nullptr;
  if (reply && !thread) root.findings.push_back({"reply_without_thread", 10, Str(g_mime_message_get_subject(m))});
  std::string name, addr;
  if (FirstMailbox(g_mime_message_get_from(m), name, addr)) {
    const std::string lname = Lower(name);
    const std::size_t at = lname.find('@');
    if (at != std::string::npos) {
      // The address written in the name, if it is not the sender's.
      std::size_t b = at, e = at;
      while (b > 0 && (std::isalnum(static_cast<unsigned char>(lname[b - 1])) || std::string_view("._-+").find(lname[b - 1]) != std::string_view::npos)) --b;
      while (e + 1 < lname.size() && (std::isalnum(static_cast<unsigned char>(lname[e + 1])) || lname[e + 1] == '.' || lname[e + 1] == '-')) ++e;
      const std::string shown = lname.substr(b, e - b + 1);
      if (shown != addr && DomainOf(shown) != DomainOf(addr)) {
        root.findings.push_back({"display_name_other_address", 30, PeerText(name + " <" + addr + ">")});
      }
    }
    std::string rname, raddr;
    if (FirstMailbox(g_mime_message_get_reply_to(m), rname, raddr) && DomainOf(raddr) != DomainOf(addr)) {
      root.findings.push_back({"reply_to_elsewhere", 15, PeerText(addr + " -> " + raddr)});
    }
  }
}

struct Walk {
  const ScanOptions& o;
  std::vector<std::string> texts;  // the text parts, UTF-8
  struct Attachment {
    std::string name;
    std::string data;
  };
  std::vector<Attachment> attachments;
  bool cut = false;  // a limit left parts unread

  void Part(GMimeObject* obj, int level) {
    if (level > 32) {
      cut = true;
      return;
    }
    if (GMIME_IS_MULTIPART(obj)) {
      GMimeMultipart* mp = GMIME_MULTIPART(obj);
      const int count = g_mime_multipart_get_count(mp);
      if (count > 1000) cut = true;
      const int n = std::min(count, 1000);
      for (int i = 0; i < n; ++i) Part(g_mime_multipart_get_part(mp, i), level + 1);
      return;
    }
    if (GMIME_IS_MESSAGE_PART(obj)) {  // a forwarded message: its text and attachments count too
      GMimeMessage* sub = g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));
      if (sub != nullptr && g_mime_message_get_mime_part(sub) != nullptr) Part(g_mime_message_get_mime_part(sub), level + 1);
      return;
    }
    if (!GMIME_IS_PART(obj)) return;
    GMimePart* part = GMIME_PART(obj);
    const std::string filename = Str(g_mime_part_get_filename(part));
    const bool attachment = !filename.empty() || g_mime_part_is_attachment(part);
    if (GMIME_IS_TEXT_PART(obj) && !attachment) {
      char* t = g_mime_text_part_get_text(GMIME_TEXT_PART(obj));
      if (t != nullptr) {
        texts.emplace_back(t);
        g_free(t);
      }
      return;
    }
    GMimeDataWrapper* w = g_mime_part_get_content(part);
    if (w == nullptr) return;
    std::unique_ptr<GMimeStream, Unref> mem(g_mime_stream_mem_new());
    g_mime_data_wrapper_write_to_stream(w, mem.get());
    GByteArray* arr = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem.get()));
    Attachment a;
    a.name = filename.empty() ? "(unnamed part)" : filename;
    if (!IsUtf8(a.name)) {
      std::string u;
      a.name = ToUtf8(a.name, "CP932", u) ? u : PeerText(a.name);
    }
    if (arr != nullptr) a.data.assign(reinterpret_cast<const char*>(arr->data), arr->len);
    attachments.push_back(std::move(a));
  }
};

MessageVerdict Judge(GMimeMessage* m, const std::string& source, const ScanOptions& o,
                     const std::vector<std::string>& mailbox_passwords) {
  MessageVerdict v;
  v.source = source;
  v.message_id = Str(g_mime_message_get_message_id(m));
  v.subject = Str(g_mime_message_get_subject(m));
  v.from = AddressList(g_mime_message_get_from(m));
  if (const char* d = g_mime_object_get_header(GMIME_OBJECT(m), "Date"); d != nullptr) v.date = d;
  v.root.name = source;
  v.root.type = "message";
  HeaderFindings(m, v.root);
  Walk w{o, {}, {}, false};
  if (GMimeObject* body = g_mime_message_get_mime_part(m); body != nullptr) w.Part(body, 0);
  std::string text;
  for (const std::string& t : w.texts) text += t + "\n";
  text += v.subject + "\n";
  v.passwords = FindPasswords(text);
  // The message's own passwords, --password, then the mailbox's (in the order the caller chose).
  std::vector<std::string> tries = v.passwords;
  for (const std::string& p : o.extra_passwords) tries.push_back(p);
  for (const std::string& p : mailbox_passwords) {
    if (tries.size() >= kMaxPasswords) break;
    if (std::find(tries.begin(), tries.end(), p) == tries.end()) tries.push_back(p);
  }
  if (w.cut) v.root.findings.push_back({"mime_limit", 30, ""});
  Budget budget;  // for all the message's attachments together
  for (const Walk::Attachment& a : w.attachments) v.root.children.push_back(InspectObject(a.name, a.data, tries, o, 1, &budget));
  v.score = ScoreOf(v.root);
  v.verdict = VerdictOf(v.score);
  return v;
}


GMimeParserOptions* Options() {
  static GMimeParserOptions* opts = [] {
    GMimeParserOptions* p = g_mime_parser_options_new();
    static const char* charsets[] = {"UTF-8", "CP932", "EUC-JP", "ISO-8859-1", nullptr};
    g_mime_parser_options_set_fallback_charsets(p, charsets);
    return p;
  }();
  return opts;
}

// The messages of one file: one message, or an mbox. Messages with an encrypted archive that did
// not open are judged again at the end with every password the file's other messages gave.
// A mailbox (an mbox file, or a folder of messages): the passwords its messages gave, and the
// verdicts in order, a message whose encrypted archive did not open held back until kWindow more
// messages have been read (a password sent "in a separate mail" comes soon after) and judged
// again with every password found by then. Memory stays bounded: at most kWindow messages wait.
class Mailbox {
 public:
  static constexpr std::size_t kWindow = 100;
  Mailbox(const ScanOptions& o, const std::function<void(MessageVerdict&&)>& each) : o_(o), each_(each) {}
  // The passwords of the messages just before the next one, the latest first (a password sent
  // before its archive).
  std::vector<std::string> Recent() const {
    std::vector<std::string> out;
    for (auto it = passwords_.rbegin(); it != passwords_.rend() && seen_ - it->first < kBefore; ++it) out.push_back(it->second);
    return out;
  }
  // A judged message; raw (its bytes, and whether they are an mbox entry) when it may be judged
  // again.
  void Add(MessageVerdict&& v, std::string_view raw, bool mbox) {
    ++seen_;
    for (const std::string& p : v.passwords) passwords_.emplace_back(seen_, p);
    // Only the window's passwords are ever tried again: older ones go.
    while (!passwords_.empty() && seen_ - passwords_.front().first > kWindow + kBefore) passwords_.pop_front();
    const bool hold = !raw.empty() && Unopened(v.root);
    if (!hold && queue_.empty()) {
      each_(std::move(v));
      return;
    }
    queue_.push_back({std::move(v), hold ? std::string(raw) : std::string(), mbox, seen_});
    // The head waits until kWindow messages followed it.
    while (!queue_.empty() && (queue_.front().raw.empty() || seen_ - queue_.front().at >= kWindow)) Pop();
  }
  void Flush() {
    while (!queue_.empty()) Pop();
  }

 private:
  struct Waiting {
    MessageVerdict v;
    std::string raw;
    bool mbox;
    std::size_t at;
  };
  void Pop() {
    Waiting w = std::move(queue_.front());
    queue_.pop_front();
    if (w.raw.empty()) {
      each_(std::move(w.v));
      return;
    }
    std::unique_ptr<GMimeStream, Unref> s(g_mime_stream_mem_new_with_buffer(w.raw.data(), w.raw.size()));
    std::unique_ptr<GMimeParser, Unref> p(g_mime_parser_new_with_stream(s.get()));
    g_mime_parser_set_format(p.get(), w.mbox ? GMIME_FORMAT_MBOX : GMIME_FORMAT_MESSAGE);
    std::unique_ptr<GMimeMessage, Unref> m(g_mime_parser_construct_message(p.get(), Options()));
    if (m == nullptr) {
      each_(std::move(w.v));
      return;
    }
    // Judged again with the passwords of the messages that followed it, the earliest first;
    // with none, its verdict stands (a second judgement would only repeat the first).
    std::vector<std::string> after;
    for (const auto& [at, pw] : passwords_) {
      if (at > w.at) after.push_back(pw);
    }
    if (after.empty()) {
      each_(std::move(w.v));
      return;
    }
    each_(Judge(m.get(), w.v.source, o_, after));
  }
  const ScanOptions& o_;
  const std::function<void(MessageVerdict&&)>& each_;
  static constexpr std::size_t kBefore = 10;
  std::deque<std::pair<std::size_t, std::string>> passwords_;  // (message number, password)
  std::deque<Waiting> queue_;
  std::size_t seen_ = 0;
};

// The messages of bytes: one message, or an mbox.
bool ScanData(std::string_view data, const std::string& path, const ScanOptions& o, Mailbox& box, std::string& error) {
  const bool mbox = data.starts_with("From ");
  std::unique_ptr<GMimeStream, Unref> stream(g_mime_stream_mem_new_with_buffer(data.data(), data.size()));
  std::unique_ptr<GMimeParser, Unref> parser(g_mime_parser_new_with_stream(stream.get()));
  g_mime_parser_set_format(parser.get(), mbox ? GMIME_FORMAT_MBOX : GMIME_FORMAT_MESSAGE);
  int n = 0;
  while (!g_mime_parser_eos(parser.get())) {
    const gint64 start = g_mime_parser_tell(parser.get());
    std::unique_ptr<GMimeMessage, Unref> m(g_mime_parser_construct_message(parser.get(), Options()));
    const gint64 end = g_mime_parser_tell(parser.get());
    if (m == nullptr) {
      if (n == 0) {
        error = path + ": not a mail message";
        return false;
      }
      break;
    }
    ++n;
    const std::string source = mbox ? path + "#" + std::to_string(n) : path;
    MessageVerdict v = Judge(m.get(), source, o, box.Recent());
    std::string_view raw;
    if (!mbox) {
      raw = data;
    } else if (start >= 0 && end > start && static_cast<std::size_t>(end) <= data.size()) {
      raw = data.substr(static_cast<std::size_t>(start), static_cast<std::size_t>(end - start));
    }
    box.Add(std::move(v), raw, mbox);
    if (!mbox) break;
  }
  return true;
}

bool ScanFile(const std::string& path, const ScanOptions& o, Mailbox& box, std::string& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = path + ": cannot open";
    return false;
  }
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  in.seekg(0, std::ios::beg);
  if (size < 0 || static_cast<uint64_t>(size) > (4ull << 30)) {
    error = path + ": " + Tr("inspect.too_large");
    return false;
  }
  std::string data(static_cast<std::size_t>(size), '\0');
  in.read(data.data(), size);
  if (in.bad() || in.gcount() != size) {
    error = path + ": read error";
    return false;
  }
  return ScanData(data, path, o, box, error);
}

}  // namespace

bool Unopened(const Object& o) {
  for (const Finding& f : o.findings) {
    if (f.code == "encrypted_archive_no_password" || f.code == "encrypted_archive_hidden_names") return true;
  }
  return std::any_of(o.children.begin(), o.children.end(), [](const Object& c) { return Unopened(c); });
}

void ScanBytes(std::string_view data, const std::string& source, const ScanOptions& o,
               const std::function<void(MessageVerdict&&)>& each) {
  InitGmime();
  std::string error;
  Mailbox box(o, each);
  if (!ScanData(data, source, o, box, error)) {
    MessageVerdict v;
    v.source = source;
    v.verdict = "error";
    v.error = error;
    box.Add(std::move(v), {}, false);
  }
  box.Flush();
}

bool ScanPath(const std::string& path, const ScanOptions& o, const std::function<void(MessageVerdict&&)>& each,
              std::string& error) {
  InitGmime();
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    // A Maildir (cur/, new/) or a folder of message files, in name order; Maildir's tmp/ holds
    // messages still being written. A folder that cannot be read, or more files than are read,
    // is an error verdict (a partial scan never reads as all clean).
    const TreeListing tree = ListTree(path, 3, 1'000'000);
    std::vector<std::string> files;
    for (const std::string& f : tree.files) {
      if (std::filesystem::path(f).parent_path().filename() != "tmp") files.push_back(f);
    }
    Mailbox box(o, each);  // a folder is one mailbox: a password may come in another file
    const auto failed = [&](const std::string& source, const std::string& why) {
      MessageVerdict v;
      v.source = source;
      v.verdict = "error";
      v.error = why;
      box.Add(std::move(v), {}, false);
    };
    for (const std::string& u : tree.unreadable) failed(path, u);
    if (tree.truncated) failed(path, path + ": " + TrFill("inspect.too_many_files", {{"{n}", "1,000,000"}}));
    for (const auto& f : files) {
      std::string why;
      if (!ScanFile(f, o, box, why)) {
        MessageVerdict v;
        v.source = f;
        v.verdict = "error";
        v.error = why;
        box.Add(std::move(v), {}, false);
      }
    }
    box.Flush();
    return true;
  }
  Mailbox box(o, each);
  const bool ok = ScanFile(path, o, box, error);
  box.Flush();
  return ok;
}

}  // namespace keikai::inspect
