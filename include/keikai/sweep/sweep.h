#pragma once
// keikai sweep (issue 16): a Windows user profile copied to disk (C:\Users\taro on a Linux
// disk), swept for what Emotet leaves there, the way JPCERT/CC's EmoCheck looks on a live host:
// random-named folders and files under AppData\Local and AppData\Roaming, PE files where they
// should not be, times set back by about seven days, and rundll32/regsvr32 Run keys in the
// profile's NTUSER.DAT that point into AppData; plus the user's YARA rules and SHA-256 lists.
//
// Everything found is a Finding (a row of Rules(), a score, the path, evidence); the verdict is
// the worst subject's score (a file with the findings of its folder, or a Run value), and a
// subject whose findings are all about names and times stays below malicious (see Rule::decisive).
// What could not be read is a Problem: a sweep with problems is partial, never silently clean.
//
// Paths are matched without regard to case (copies from Windows keep any case) and are shown
// relative to the profile with '\' as on Windows. Symbolic links are never followed. Work is
// bounded: a file count, a depth, and a size above which a file is not hashed or scanned (listed).
// Thread-safe: Sweep keeps no state between calls; the YARA rules may be shared.
#include <cstdint>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "keikai/sweep/hive.h"

namespace keikai::inspect {
class YaraRules;
}

namespace keikai::sweep {

// One rule of the sweep: its code (JSON, message key sweep.rule.<code>), its score, and whether
// it may make a subject malicious (content or persistence) or only suspicious (names, times).
struct Rule {
  std::string_view code;
  int score;
  bool decisive;
};
std::span<const Rule> Rules();
const Rule* FindRule(std::string_view code);

struct Evidence {
  std::string sha256;               // of the file, when it was read whole
  int64_t size = -1;
  int64_t mtime = kNoTime;          // Unix seconds
  int64_t folder_mtime = kNoTime;   // of the folder the comparison used
  std::string pe;                   // "PE32+ DLL", "PE32 EXE"
  std::string run_key, run_name, run_data;
  int64_t run_key_last_write = kNoTime;
};

struct Finding {
  std::string code;
  int score = 0;
  std::string path;    // "AppData\\Local\\Hcpqgxz\\jsgjkls.dll"; Run values "NTUSER.DAT\\<key>\\<name>"
  std::string detail;  // what matched (a rule name, the days, the target), UTF-8
  Evidence evidence;
};

struct Problem {
  std::string kind;    // unreadable_folder, unreadable_file, file_limit, depth_limit, hive, hive_part, no_hive,
                       // content_skipped, no_appdata
  std::string path;    // relative to the profile ("" for the profile itself)
  std::string detail;  // why (strerror, libhivex's reason, the limit)
};

struct Skipped {
  std::string path;
  int64_t size = 0;
};

struct Options {
  const inspect::YaraRules* yara = nullptr;
  const std::set<std::string>* sha256 = nullptr;  // lower-case hex
  int64_t max_file_bytes = 64 << 20;              // larger files are not hashed or scanned (listed)
  std::size_t max_files = 200'000;                // entries (files and folders) looked at
  int max_depth = 40;
  std::string hive;                               // "" = the profile's NTUSER.DAT, any case
};

struct Result {
  std::string verdict = "clean";   // clean, suspicious, malicious
  int score = 0;
  std::string worst;               // the subject that gave the score
  std::vector<Finding> findings;   // highest score first
  std::vector<Problem> problems;
  std::vector<Skipped> skipped;    // at most kMaxListed; skipped_count counts them all
  std::size_t skipped_count = 0;
  std::size_t files = 0, folders = 0, symlinks = 0, hashed = 0;
  std::string hive_path;           // relative to the profile, or as given; "" when none
  bool hive_read = false;
  HiveRunKeys hive;                // keys, values, times (error moved to problems)
  std::vector<std::string> notes;  // what was not checked and why (no NTUSER.DAT, ...)
  bool complete() const { return problems.empty(); }
};
inline constexpr std::size_t kMaxListed = 1000;

// Sweeps the profile at dir. False with why (naming the path) only when dir itself cannot be
// swept: missing, not a directory, unreadable. Everything else is in out.
bool Sweep(const std::string& dir, const Options& o, Result& out, std::string& error);

// A list of SHA-256 hashes, one per line (hex, any case; '#' starts a comment; blank lines and
// surrounding spaces are fine; "hash  name" as sha256sum writes is taken too). A bad line is an
// error "file:line: why"; nothing is added then.
bool LoadSha256List(const std::string& path, std::set<std::string>& out, std::string& error);

// What a Run value starts: the program ("rundll32"), whether it is a loader of DLLs
// (rundll32/regsvr32, any case, with or without a path or .exe, quoted or not), its first
// argument (the DLL for a loader; rundll32's ",Entry" removed), and where that argument or the
// program lies below AppData: "Local\\X\\y.dll" (from C:\Users\<anyone>\AppData\..., %LOCALAPPDATA%,
// %APPDATA%, %USERPROFILE%\AppData), "" when elsewhere.
struct RunCommand {
  std::string program;       // lower case file name without .exe
  bool loader = false;
  std::string target;        // as written
  std::string target_appdata;
  std::string program_appdata;
};
RunCommand ParseRunCommand(std::string_view data);

}  // namespace keikai::sweep
