#include "keikai/sweep/sweep.h"

#include <dirent.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>

#include "keikai/core/ascii.h"
#include "keikai/core/i18n.h"
#include "keikai/inspect/object.h"
#include "keikai/inspect/scan.h"
#include "keikai/inspect/yara.h"
#include "keikai/sweep/names.h"

namespace keikai::sweep {
namespace {

// The rules, in the order the docs list them (docs/sweep.md has the why of each score).
constexpr Rule kRules[] = {
    {"random_folder", 20, false},         // a folder directly under AppData\Local|Roaming named by random letters
    {"random_file_name", 15, false},      // a file in such a folder named by random letters
    {"unknown_extension", 10, false},     // a file in such a folder with an extension seldom seen
    {"pe_in_random_folder", 50, true},    // a PE (MZ + PE header) in such a folder: the Emotet layout
    {"pe_wrong_extension", 40, true},     // a PE whose extension is not one of an executable
    {"double_extension", 40, false},      // "invoice.pdf.exe": a document's extension, then a program's
    {"backdated_folder", 15, false},      // mtime 6-8 days before its folder's
    {"backdated_run", 20, false},         // mtime 6-8 days before the Run key was written
    {"run_loader_appdata", 60, true},     // a Run value: rundll32/regsvr32 on a file under AppData
    {"run_target_pe", 40, true},          // ... and that file is in the copy and is a PE
    {"run_target_not_pe", 10, false},     // ... it is in the copy but not a PE
    {"run_target_missing", 0, false},     // ... it is not in the copy
    {"run_persistence", 40, true},        // the file side: a Run value loads this PE
    {"run_appdata_program", 10, false},   // a Run value starts a program under AppData (many apps do)
    {"legacy_load", 20, false},           // Windows NT\CurrentVersion\Windows Load/Run is set
    {"yara_match", 70, true},             // a YARA rule matched (score: the rule's meta score)
    {"yara_incomplete", 0, false},        // a YARA scan did not finish (timeout, too many matches)
    {"sha256_match", 100, true},          // the file's SHA-256 is on the list
};

using inspect::kMalicious;
constexpr int64_t kDay = 86400;
constexpr int64_t kBackdatedMin = 6 * kDay, kBackdatedMax = 8 * kDay;

std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (;;) {
    const std::size_t p = s.find(sep, start);
    parts.push_back(s.substr(start, p == std::string::npos ? std::string::npos : p - start));
    if (p == std::string::npos) return parts;
    start = p + 1;
  }
}

bool OneOf(std::string_view s, std::initializer_list<std::string_view> list) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

bool ExecutableExtension(std::string_view ext) {
  return OneOf(ext, {"exe", "dll", "ocx", "cpl", "scr", "sys", "drv", "com", "efi", "mui", "node", "pyd", "ax", "tlb",
                     "winmd", "api", "xll", "wll", "acm", "tsp", "ime", "rll", "flt", "so", "dylib",
                     // plug-ins that are PE DLLs: AviUtl, Susie, Total Commander, Photoshop, VST, Delphi
                     "auf", "aui", "auo", "aul", "auc", "spi", "wcx", "wfx", "wlx", "wdx", "8bf", "8bi", "vst3", "bpl",
                     "olb", "ppi", "bpi"});
}
// Extensions a PE is left under by installers, updaters and downloads (not a disguise).
bool TransientExtension(std::string_view ext) {
  return OneOf(ext, {"tmp", "temp", "old", "bak", "new", "part", "partial", "crdownload", "download", "delete", "exe_",
                     "dll_", "bin", "dat"}) ||
         ext.empty();
}
bool DocumentExtension(std::string_view ext) {
  return OneOf(ext, {"pdf", "doc", "docx", "docm", "xls", "xlsx", "xlsm", "ppt", "pptx", "txt", "rtf", "jpg", "jpeg",
                     "png", "gif", "zip", "rar", "csv", "htm", "html", "mp3", "mp4", "one", "odt"});
}
bool ProgramExtension(std::string_view ext) {
  return OneOf(ext, {"exe", "scr", "com", "pif", "bat", "cmd", "js", "jse", "vbs", "vbe", "hta", "dll", "cpl", "lnk",
                     "jar", "wsf", "ps1", "msi"});
}
// Extensions ordinary enough that a file in a random folder carrying one says nothing more.
bool CommonExtension(std::string_view ext) {
  return ExecutableExtension(ext) || DocumentExtension(ext) || ProgramExtension(ext) ||
         OneOf(ext, {"dat", "bin", "tmp", "log", "ini", "cfg", "conf", "json", "xml", "db", "sqlite", "lock", "txt",
                     "ico", "bmp", "svg", "css", "pak", "msg", "eml", "cab", "7z", "gz", "tar", "yaml", "yml",
                     "config", "manifest", "cat", "inf", "pem", "crt", "cer", "key", "lnk", "url", "etl", "evtx",
                     "md", "sig", "tar", "jsonl", "ldb", "sst", "wal", "journal", "pf"});
}

// Whether the head of a file is a PE: MZ, the PE signature at e_lfanew, an optional header of
// PE32 or PE32+. The DLL flag is IMAGE_FILE_DLL in the COFF characteristics.
struct PeInfo {
  bool mz = false, pe = false, dll = false, pe64 = false;
  std::string Describe() const {
    if (!pe) return mz ? "MZ (no PE header)" : "";
    return std::string(pe64 ? "PE32+" : "PE32") + (dll ? " DLL" : " EXE");
  }
};

uint32_t Le32(const unsigned char* p) { return p[0] | (p[1] << 8) | (p[2] << 16) | (static_cast<uint32_t>(p[3]) << 24); }
uint16_t Le16(const unsigned char* p) { return static_cast<uint16_t>(p[0] | (p[1] << 8)); }

PeInfo ReadPe(int fd, int64_t size) {
  PeInfo pe;
  unsigned char head[64];
  if (size < 64 || ::pread(fd, head, sizeof head, 0) != static_cast<ssize_t>(sizeof head)) return pe;
  if (head[0] != 'M' || head[1] != 'Z') return pe;
  pe.mz = true;
  const uint32_t lfanew = Le32(head + 0x3C);
  unsigned char nt[26];
  if (lfanew > (1u << 20) || static_cast<int64_t>(lfanew) + 26 > size) return pe;
  if (::pread(fd, nt, sizeof nt, lfanew) != static_cast<ssize_t>(sizeof nt)) return pe;
  if (std::memcmp(nt, "PE\0\0", 4) != 0) return pe;
  const uint16_t characteristics = Le16(nt + 4 + 18);
  const uint16_t magic = Le16(nt + 24);
  if (magic != 0x10b && magic != 0x20b) return pe;
  pe.pe = true;
  pe.pe64 = magic == 0x20b;
  pe.dll = (characteristics & 0x2000) != 0;
  return pe;
}

// Opens rel (a path below the profile, "/"-separated; "" for the profile itself) from the
// profile's descriptor, with the kernel refusing any symbolic link on the way and any step out
// of the profile (openat2 RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS): a folder swapped for a link
// after it was listed, anywhere on the path, is not followed. Kernels before 5.6: open with
// O_NOFOLLOW (the last component only).
int OpenBeneath(int root_fd, const std::string& root, const std::string& rel, int flags) {
  open_how how{};
  how.flags = static_cast<uint64_t>(flags | O_CLOEXEC | O_NOFOLLOW);
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
  const char* path = rel.empty() ? "." : rel.c_str();
  const long fd = ::syscall(SYS_openat2, root_fd, path, &how, sizeof how);
  if (fd >= 0 || errno != ENOSYS) return static_cast<int>(fd);
  return ::open((rel.empty() ? root : root + "/" + rel).c_str(), flags | O_CLOEXEC | O_NOFOLLOW);
}

// The profile's folder itself may be given through a link (a mount point's alias).
struct RootFd {
  int fd;
  explicit RootFd(const std::string& root) : fd(::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) {}
  ~RootFd() {
    if (fd >= 0) ::close(fd);
  }
};

struct Entry {
  std::string rel, lower, abs, posix;  // posix: rel with "/", for OpenBeneath
  bool dir = false;
  int64_t mtime = kNoTime, size = 0;
};

void Walk(const std::string& root, int root_fd, const Options& o, std::vector<Entry>& entries, Result& out) {
  struct Todo {
    std::string abs, rel, posix;
    int depth;
  };
  std::vector<Todo> todo{{root, "", "", 0}};
  bool depth_noted = false;
  std::size_t seen = 0;  // every entry, links and special files too, against --max-files
  while (!todo.empty()) {
    Todo t = std::move(todo.back());
    todo.pop_back();
    const int dfd = t.posix.empty() ? ::dup(root_fd) : OpenBeneath(root_fd, root, t.posix, O_RDONLY | O_DIRECTORY);
    std::unique_ptr<DIR, int (*)(DIR*)> d(dfd < 0 ? nullptr : ::fdopendir(dfd), ::closedir);
    if (!d) {
      const int err = errno;
      if (dfd >= 0) ::close(dfd);
      errno = err;
      out.problems.push_back({"unreadable_folder", t.rel, ErrnoText(errno)});
      continue;
    }
    for (;;) {
      errno = 0;
      const dirent* de = ::readdir(d.get());
      if (de == nullptr) {
        if (errno != 0) out.problems.push_back({"unreadable_folder", t.rel, ErrnoText(errno)});
        break;
      }
      const std::string name = de->d_name;
      if (name == "." || name == "..") continue;
      if (entries.size() >= o.max_files || ++seen > 4 * o.max_files) {
        out.problems.push_back({"file_limit", t.rel, TrFill("sweep.detail.file_limit", {{"{n}", std::to_string(o.max_files)}})});
        return;
      }
      Entry e;
      e.abs = t.abs + "/" + name;
      e.posix = t.posix.empty() ? name : t.posix + "/" + name;
      e.rel = t.rel.empty() ? name : t.rel + "\\" + name;
      struct stat st {};
      if (::fstatat(::dirfd(d.get()), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
        out.problems.push_back({"unreadable_file", e.rel, ErrnoText(errno)});
        continue;
      }
      if (S_ISLNK(st.st_mode)) {
        ++out.symlinks;  // never followed: it may lead out of the profile
        continue;
      }
      if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode)) continue;
      e.dir = S_ISDIR(st.st_mode);
      e.mtime = st.st_mtim.tv_sec;
      e.size = st.st_size;
      e.lower = Lower(e.rel);
      if (e.dir) {
        ++out.folders;
        if (t.depth + 1 >= o.max_depth) {
          if (!depth_noted) out.problems.push_back({"depth_limit", e.rel, TrFill("sweep.detail.depth_limit", {{"{n}", std::to_string(o.max_depth)}})});
          depth_noted = true;
        } else {
          todo.push_back({e.abs, e.rel, e.posix, t.depth + 1});
        }
      } else {
        ++out.files;
      }
      entries.push_back(std::move(e));
    }
  }
}

// A Windows path in lower case with "\\" separators, "." and ".." resolved and empty parts
// dropped; the 8.3 short name of AppData ("appdat~1") read as "appdata".
std::string NormalPath(std::string p) {
  for (char& c : p) c = c == '/' ? '\\' : FoldLower(c);
  std::vector<std::string> parts;
  std::size_t start = 0;
  const bool unc = p.starts_with("\\\\");
  while (start <= p.size()) {
    const std::size_t end = std::min(p.find('\\', start), p.size());
    std::string part = p.substr(start, end - start);
    start = end + 1;
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
      continue;
    }
    if (part.size() == 8 && part.starts_with("appdat~") && part[7] >= '1' && part[7] <= '9') part = "appdata";
    parts.push_back(std::move(part));
  }
  std::string out = unc ? "\\\\" : "";
  for (std::size_t i = 0; i < parts.size(); ++i) out += (i == 0 ? "" : "\\") + parts[i];
  return out;
}

// Where a Windows path lies below AppData ("local\\x\\y.dll"), "" when it does not. The
// variables a Run value may use are expanded first (so "%APPDATA%\\..\\Local" is Local).
std::string AppDataPart(const std::string& raw) {
  std::string p = Lower(raw);
  static constexpr std::pair<std::string_view, std::string_view> kVars[] = {
      {"%localappdata%", "c:\\users\\u\\appdata\\local"}, {"%appdata%", "c:\\users\\u\\appdata\\roaming"},
      {"%temp%", "c:\\users\\u\\appdata\\local\\temp"},   {"%tmp%", "c:\\users\\u\\appdata\\local\\temp"},
      {"%userprofile%", "c:\\users\\u"}};
  for (const auto& [var, path] : kVars) p = ReplaceAll(std::move(p), var, path);
  p = NormalPath(std::move(p));
  const std::size_t a = p.find("\\appdata\\");
  if (a == std::string::npos) return "";
  std::string rest = p.substr(a + 9);
  if (rest.starts_with("local\\") || rest.starts_with("roaming\\") || rest.starts_with("locallow\\")) return rest;
  return "";
}

// The Windows command line's next argument (quotes removed), from pos; comma: where the first
// comma outside quotes is in it (rundll32's "dll,Entry"), npos when none.
std::string NextArg(std::string_view s, std::size_t& pos, std::size_t* comma = nullptr) {
  while (pos < s.size() && (s[pos] == ' ' || s[pos] == '\t')) ++pos;
  std::string arg;
  bool quoted = false;
  if (comma != nullptr) *comma = std::string::npos;
  for (; pos < s.size(); ++pos) {
    const char c = s[pos];
    if (c == '"') {
      quoted = !quoted;
      continue;
    }
    if (!quoted && (c == ' ' || c == '\t')) break;
    if (!quoted && c == ',' && comma != nullptr && *comma == std::string::npos) *comma = arg.size();
    arg.push_back(c);
  }
  return arg;
}

std::string BaseName(const std::string& path) {
  const std::size_t p = path.find_last_of("\\/");
  return p == std::string::npos ? path : path.substr(p + 1);
}

std::string Days(int64_t seconds) {
  const int64_t tenths = seconds * 10 / kDay;
  return std::to_string(tenths / 10) + "." + std::to_string(tenths % 10);
}

// The whole file through the descriptor the PE check used (never a path again: the file could
// have been swapped for a link). At most size bytes, the size lstat gave.
bool ReadWhole(int fd, int64_t size, std::string& out) {
  out.resize(static_cast<std::size_t>(size));
  std::size_t done = 0;
  while (done < out.size()) {
    const ssize_t n = ::pread(fd, out.data() + done, out.size() - done, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    if (n == 0) break;
    done += static_cast<std::size_t>(n);
  }
  out.resize(done);
  if (done == static_cast<std::size_t>(size)) return true;
  errno = EIO;  // shorter than listed: the hash and YARA would cover part of it
  return false;
}

struct FileFacts {
  PeInfo pe;
};

}  // namespace

std::span<const Rule> Rules() { return kRules; }

const Rule* FindRule(std::string_view code) {
  for (const Rule& r : kRules) {
    if (r.code == code) return &r;
  }
  return nullptr;
}

RunCommand ParseRunCommand(std::string_view data) {
  RunCommand c;
  std::size_t pos = 0;
  const auto loader_name = [](const std::string& program) {
    std::string name = Lower(BaseName(program));
    if (name.ends_with(".exe")) name.resize(name.size() - 4);
    return name;
  };
  const std::string program = NextArg(data, pos);
  c.program_appdata = AppDataPart(program);
  std::string name = loader_name(program);
  c.program = name;
  c.loader = name == "rundll32" || name == "regsvr32";
  // A loader behind a wrapper ("cmd /c rundll32 ...", "powershell -c rundll32 ...", "conhost
  // rundll32 ..."): the first argument that is one, within the first few.
  for (int i = 0; !c.loader && i < 8 && pos < data.size(); ++i) {
    const std::string arg = NextArg(data, pos);
    if (arg.empty()) break;
    name = loader_name(arg);
    if (name == "rundll32" || name == "regsvr32") {
      c.loader = true;
      c.program = name;
    }
  }
  if (!c.loader) return c;
  for (;;) {
    std::size_t comma = std::string::npos;
    std::string arg = NextArg(data, pos, &comma);
    if (arg.empty()) break;
    if (arg[0] == '/' || arg[0] == '-') continue;  // regsvr32 /s /i:...
    if (name == "rundll32" && comma != std::string::npos) arg.resize(comma);
    // LoadLibrary adds ".dll" to a name without an extension.
    const std::string base = BaseName(arg);
    if (!base.empty() && base.find('.') == std::string::npos) arg += ".dll";
    c.target = arg;
    break;
  }
  c.target_appdata = AppDataPart(c.target);
  return c;
}

bool LoadSha256List(const std::string& path, std::set<std::string>& out, std::string& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = path + ": " + ErrnoText(errno);
    return false;
  }
  std::set<std::string> got;
  std::string line;
  for (std::size_t n = 1; std::getline(in, line); ++n) {
    if (const std::size_t hash = line.find('#'); hash != std::string::npos) line.resize(hash);
    const std::size_t b = line.find_first_not_of(" \t\r");
    if (b == std::string::npos) continue;
    std::size_t e = line.find_first_of(" \t\r", b);
    std::string h = Lower(line.substr(b, e == std::string::npos ? std::string::npos : e - b));
    if (h.size() != 64 || h.find_first_not_of("0123456789abcdef") != std::string::npos) {
      error = path + ":" + std::to_string(n) + ": not a SHA-256 (64 hex digits): " + h.substr(0, 80);
      return false;
    }
    got.insert(std::move(h));
  }
  if (in.bad()) {
    error = path + ": " + ErrnoText(errno);
    return false;
  }
  out.insert(got.begin(), got.end());
  return true;
}

bool Sweep(const std::string& dir, const Options& o, Result& out, std::string& error) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) {
    error = dir + ": " + ErrnoText(errno);
    return false;
  }
  if (!S_ISDIR(st.st_mode)) {
    error = dir + ": " + Tr("sweep.not_dir");
    return false;
  }
  if (::access(dir.c_str(), R_OK | X_OK) != 0) {
    error = dir + ": " + ErrnoText(errno);
    return false;
  }
  std::vector<Entry> entries;
  const RootFd root(dir);
  if (root.fd < 0) {
    error = dir + ": " + ErrnoText(errno);
    return false;
  }
  Walk(dir, root.fd, o, entries, out);
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.lower < b.lower; });
  std::map<std::string, std::size_t> by_lower;
  for (std::size_t i = 0; i < entries.size(); ++i) by_lower.emplace(entries[i].lower, i);
  if (by_lower.count("appdata") == 0) {
    out.problems.push_back({"no_appdata", "", ""});  // the message asks whether DIR is a profile
  }

  // The hive first: its Run targets and times are compared with the files.
  std::string hive_path = o.hive;
  const Entry* hive_entry = nullptr;  // the profile's own NTUSER.DAT, opened beneath the profile
  if (hive_path.empty()) {
    if (const auto it = by_lower.find("ntuser.dat"); it != by_lower.end() && !entries[it->second].dir) {
      hive_entry = &entries[it->second];
      hive_path = hive_entry->abs;
      out.hive_path = hive_entry->rel;
    } else {
      // Often locked on a live system and skipped by the copy: the Run keys were not checked, so
      // the sweep is partial (give the exported hive with --hive).
      out.problems.push_back({"no_hive", "NTUSER.DAT", ""});
    }
  } else {
    out.hive_path = hive_path;
  }
  int64_t run_time = kNoTime;
  std::map<std::string, std::vector<std::size_t>> loader_targets;  // "appdata\\local\\x\\y.dll" -> values
  std::map<std::string, std::vector<std::size_t>> program_targets;  // programs a Run value starts
  std::vector<RunCommand> commands;
  if (!hive_path.empty()) {
    if (hive_entry != nullptr) {
      const int fd = OpenBeneath(root.fd, dir, hive_entry->posix, O_RDONLY | O_NONBLOCK);
      if (fd >= 0) {
        out.hive = ReadRunKeys(fd);
      } else {
        out.hive.error = ErrnoText(errno);
      }
    } else {
      out.hive = ReadRunKeys(hive_path);
    }
    for (const std::string& p : out.hive.problems) out.problems.push_back({"hive_part", out.hive_path, p});
    if (!out.hive.error.empty()) {
      out.problems.push_back({"hive", out.hive_path, out.hive.error});
    } else {
      out.hive_read = true;
      for (const RunKey& k : out.hive.keys) {
        if (k.path.ends_with("\\Run") && k.last_write != kNoTime) run_time = k.last_write;
      }
      if (run_time == kNoTime) {
        for (const RunKey& k : out.hive.keys) {
          if (k.path.ends_with("\\RunOnce")) run_time = k.last_write;
        }
      }
    }
    for (std::size_t i = 0; i < out.hive.values.size(); ++i) {
      commands.push_back(ParseRunCommand(out.hive.values[i].data));
      if (commands.back().loader && !commands.back().target_appdata.empty()) {
        loader_targets["appdata\\" + commands.back().target_appdata].push_back(i);
      }
      if (!commands.back().loader && !commands.back().program_appdata.empty()) {
        program_targets["appdata\\" + commands.back().program_appdata].push_back(i);
      }
    }
  }

  // Random top folders under AppData\Local and AppData\Roaming.
  std::map<std::string, std::size_t> random_tops;  // lower rel -> entry
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const Entry& e = entries[i];
    const std::vector<std::string> parts = Split(e.lower, '\\');
    if (!e.dir || parts.size() != 3 || parts[0] != "appdata" || (parts[1] != "local" && parts[1] != "roaming")) continue;
    const std::string name = BaseName(e.rel);
    if (IsGuidName(name) || !IsRandomName(name)) continue;
    random_tops.emplace(e.lower, i);
    Finding f{"random_folder", FindRule("random_folder")->score, e.rel, name, {}};
    f.evidence.mtime = e.mtime;
    out.findings.push_back(std::move(f));
  }

  struct Subject {
    int sum = 0;
    bool decisive = false;
  };
  std::map<std::string, Subject> subjects;
  std::vector<FileFacts> facts(entries.size());
  const auto add = [&](const std::string& subject, Finding f) {
    const Rule* r = FindRule(f.code);
    Subject& s = subjects[subject];
    s.sum += f.score;
    s.decisive = s.decisive || (r != nullptr && r->decisive && f.score > 0);
    out.findings.push_back(std::move(f));
  };

  for (std::size_t i = 0; i < entries.size(); ++i) {
    const Entry& e = entries[i];
    if (e.dir) continue;
    const std::vector<std::string> parts = Split(e.lower, '\\');
    const bool in_top = parts.size() >= 4 && parts[0] == "appdata" && (parts[1] == "local" || parts[1] == "roaming");
    const std::string top = in_top ? parts[0] + "\\" + parts[1] + "\\" + parts[2] : "";
    const bool top_random = in_top && random_tops.count(top) > 0;
    const bool direct = in_top && parts.size() == 4;
    const std::string name = BaseName(e.rel);
    const std::string lname = Lower(name);
    const std::size_t dot = name.find('.');
    const std::string stem = name.substr(0, dot);
    const std::size_t last_dot = lname.rfind('.');
    const std::string ext = last_dot == std::string::npos || last_dot == 0 ? "" : lname.substr(last_dot + 1);
    // The Run values that load this file; a program the Run key starts directly counts only in a
    // random folder (Teams, OneDrive and Discord start from their own folders under AppData).
    const std::vector<std::size_t>* run_values = nullptr;
    if (const auto it = loader_targets.find(e.lower); it != loader_targets.end()) {
      run_values = &it->second;
    } else if (const auto p = program_targets.find(e.lower); p != program_targets.end() && top_random) {
      run_values = &p->second;
    }

    const int fd = OpenBeneath(root.fd, dir, e.posix, O_RDONLY | O_NONBLOCK);
    if (fd < 0) {
      out.problems.push_back({"unreadable_file", e.rel, ErrnoText(errno)});
      continue;
    }
    struct Closer {
      int fd;
      ~Closer() { ::close(fd); }
    } closer{fd};
    if (struct stat fst {}; ::fstat(fd, &fst) != 0 || !S_ISREG(fst.st_mode)) {
      out.problems.push_back({"unreadable_file", e.rel, Tr("sweep.detail.not_regular")});  // swapped since it was listed
      continue;
    }
    facts[i].pe = ReadPe(fd, e.size);
    const PeInfo& pe = facts[i].pe;

    std::vector<Finding> found;
    const auto rule = [&](std::string_view code, std::string detail, int score = -1) {
      Finding f{std::string(code), score >= 0 ? score : FindRule(code)->score, e.rel, std::move(detail), {}};
      found.push_back(std::move(f));
    };
    if (top_random && direct && IsRandomName(stem)) rule("random_file_name", stem);
    if (top_random && direct && !ext.empty() && dot != std::string::npos && !CommonExtension(ext)) rule("unknown_extension", "." + ext);
    if (top_random && pe.pe) rule("pe_in_random_folder", pe.Describe());
    if (pe.pe && !ExecutableExtension(ext) && !TransientExtension(ext)) rule("pe_wrong_extension", pe.Describe() + " named ." + ext);
    if (last_dot != std::string::npos && last_dot > 0) {
      const std::size_t prev = lname.rfind('.', last_dot - 1);
      // Windows names its Recent shortcuts after the document they open ("report.pdf.lnk").
      const bool recent_shortcut = ext == "lnk" && e.lower.find("\\recent\\") != std::string::npos;
      if (prev != std::string::npos && ProgramExtension(ext) && !recent_shortcut &&
          DocumentExtension(lname.substr(prev + 1, last_dot - prev - 1))) {
        rule("double_extension", name.substr(prev));
      }
    }
    int64_t folder_mtime = kNoTime;
    if (direct) {
      if (const auto it = by_lower.find(top); it != by_lower.end()) folder_mtime = entries[it->second].mtime;
      const int64_t gap = folder_mtime == kNoTime ? 0 : folder_mtime - e.mtime;
      if (gap >= kBackdatedMin && gap <= kBackdatedMax) rule("backdated_folder", Days(gap) + " days before its folder");
    }
    if (run_time != kNoTime && (top_random || run_values != nullptr)) {
      const int64_t gap = run_time - e.mtime;
      if (gap >= kBackdatedMin && gap <= kBackdatedMax) rule("backdated_run", Days(gap) + " days before the Run key was written");
    }
    if (run_values != nullptr && pe.pe) {
      const RunValue& v = out.hive.values[run_values->front()];
      rule("run_persistence", v.key + "\\" + v.name);
    }

    // Content: hashes and YARA need the whole file.
    const bool want_content = o.sha256 != nullptr || o.yara != nullptr || !found.empty();
    std::string sha;
    if (want_content) {
      std::string data;
      if (e.size > o.max_file_bytes) {
        if (out.skipped.size() < kMaxListed) out.skipped.push_back({e.rel, e.size});
        // A file the hash list and the YARA rules never saw (Emotet has padded its DLL past
        // 500 MB): the sweep is partial.
        if (out.skipped_count == 0 && (o.sha256 != nullptr || o.yara != nullptr)) {
          out.problems.push_back({"content_skipped", e.rel, TrFill("sweep.detail.content_skipped", {{"{n}", std::to_string(e.size)}})});
        }
        ++out.skipped_count;
      } else if (!ReadWhole(fd, e.size, data)) {
        out.problems.push_back({"unreadable_file", e.rel, ErrnoText(errno)});
      } else {
        sha = inspect::Sha256Hex(data);
        ++out.hashed;
        if (o.sha256 != nullptr && o.sha256->count(sha) > 0) rule("sha256_match", sha);
        if (o.yara != nullptr) {
          for (const inspect::YaraMatch& m : o.yara->Scan(data)) {
            if (m.rule.starts_with("!")) {
              rule("yara_incomplete", m.rule.substr(1));
            } else {
              rule("yara_match", m.rule, std::clamp(m.score, 0, 100));
            }
          }
        }
      }
    }
    for (Finding& f : found) {
      f.evidence.sha256 = sha;
      f.evidence.size = e.size;
      f.evidence.mtime = e.mtime;
      f.evidence.folder_mtime = folder_mtime;
      f.evidence.pe = pe.Describe();
      if (run_values != nullptr) {
        const RunValue& v = out.hive.values[run_values->front()];
        f.evidence.run_key = v.key;
        f.evidence.run_name = v.name;
        f.evidence.run_data = v.data;
        f.evidence.run_key_last_write = v.key_last_write;
      } else if (f.code == "backdated_run") {
        f.evidence.run_key_last_write = run_time;
      }
      add(e.rel, std::move(f));
    }
    if (top_random && subjects.count(e.rel) > 0) subjects[e.rel].sum += FindRule("random_folder")->score;
  }

  // The Run values, tied to the files of the copy.
  for (std::size_t i = 0; i < out.hive.values.size(); ++i) {
    const RunValue& v = out.hive.values[i];
    const RunCommand& c = commands[i];
    const std::string subject = "NTUSER.DAT\\" + v.key + "\\" + v.name;
    std::vector<std::pair<std::string, std::string>> codes;
    if (c.loader && !c.target_appdata.empty()) {
      codes.emplace_back("run_loader_appdata", c.program + " " + c.target);
      const auto it = by_lower.find("appdata\\" + c.target_appdata);
      if (it == by_lower.end() || entries[it->second].dir) {
        codes.emplace_back("run_target_missing", "AppData\\" + c.target_appdata);
      } else if (facts[it->second].pe.pe) {
        codes.emplace_back("run_target_pe", entries[it->second].rel + " (" + facts[it->second].pe.Describe() + ")");
      } else {
        codes.emplace_back("run_target_not_pe", entries[it->second].rel);
      }
    } else if (!c.program_appdata.empty()) {
      codes.emplace_back("run_appdata_program", "AppData\\" + c.program_appdata);
    }
    if (v.key.ends_with("\\Windows") && !v.data.empty()) codes.emplace_back("legacy_load", v.name);
    for (auto& [code, detail] : codes) {
      Finding f{code, FindRule(code)->score, subject, detail, {}};
      f.evidence.run_key = v.key;
      f.evidence.run_name = v.name;
      f.evidence.run_data = v.data;
      f.evidence.run_key_last_write = v.key_last_write;
      add(subject, std::move(f));
    }
  }

  for (const auto& [name, s] : subjects) {
    const int score = std::min(s.sum, s.decisive ? 100 : kMalicious - 1);
    if (score > out.score) {
      out.score = score;
      out.worst = name;
    }
  }
  for (const auto& [rel, i] : random_tops) {  // a random folder with nothing else found in it
    if (FindRule("random_folder")->score > out.score) {
      out.score = FindRule("random_folder")->score;
      out.worst = entries[i].rel;
    }
  }
  out.verdict = inspect::VerdictOf(out.score);
  std::stable_sort(out.findings.begin(), out.findings.end(), [](const Finding& a, const Finding& b) { return a.score > b.score; });
  return true;
}

}  // namespace keikai::sweep
