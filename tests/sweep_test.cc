// keikai sweep (issue 16) on Windows profiles built here: a clean one, one with an Emotet-like
// DLL and its Run key in an NTUSER.DAT, one with only a back-dated random folder; the hive
// reader on hives made with libhivex; the random-name judgement on names it was not tuned on.
#include <gtest/gtest.h>

#include <hivex.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli_util.h"
#include "keikai/core/i18n.h"
#include "keikai/inspect/scan.h"
#include "keikai/inspect/yara.h"
#include "keikai/sweep/hive.h"
#include "keikai/sweep/names.h"
#include "keikai/sweep/sweep.h"
#include "test_util.h"

namespace keikai {
namespace {

namespace fs = std::filesystem;
using keikai::testing::Exec;
using keikai::testing::Outcome;
using keikai::testing::Q;
using keikai::testing::TempDir;

constexpr int64_t kInfected = 1647334800;  // 2022-03-15T09:00:00Z: when the Run key was written
constexpr int64_t kDay = 86400;

int64_t FileTime(int64_t unix_seconds) { return (unix_seconds + 11644473600) * 10'000'000; }

void Put16(std::string& b, std::size_t off, uint16_t v) {
  b[off] = static_cast<char>(v & 0xff);
  b[off + 1] = static_cast<char>(v >> 8);
}
void Put32(std::string& b, std::size_t off, uint32_t v) {
  for (int i = 0; i < 4; ++i) b[off + static_cast<std::size_t>(i)] = static_cast<char>((v >> (8 * i)) & 0xff);
}
void Put64(std::string& b, std::size_t off, uint64_t v) {
  for (int i = 0; i < 8; ++i) b[off + static_cast<std::size_t>(i)] = static_cast<char>((v >> (8 * i)) & 0xff);
}

// An empty registry hive (libhivex cannot create one): the 4 KB base block ("regf", sequence
// numbers, time, version 1.3, the root cell's offset, the size of the hbins, the XOR checksum of
// its first 508 bytes), then one 4 KB hbin holding the root key's nk cell, the sk cell (security
// descriptor) every key points at, and the rest as one free cell. Offsets of cells count from
// the first hbin. Written from the documented layout (regf/hbin/nk/sk).
std::string EmptyHive(int64_t filetime) {
  std::string b(0x2000, '\0');
  b.replace(0, 4, "regf");
  Put32(b, 0x04, 1);  // primary sequence number
  Put32(b, 0x08, 1);  // secondary: equal, the hive was written out cleanly
  Put64(b, 0x0C, static_cast<uint64_t>(filetime));
  Put32(b, 0x14, 1);  // major version
  Put32(b, 0x18, 3);  // minor version
  Put32(b, 0x1C, 0);  // primary file
  Put32(b, 0x20, 1);  // direct memory load format
  Put32(b, 0x24, 0x20);    // root cell, just after the hbin header
  Put32(b, 0x28, 0x1000);  // size of the hbins
  Put32(b, 0x2C, 1);       // clustering factor
  uint32_t sum = 0;
  for (std::size_t i = 0; i < 0x1FC; i += 4) {
    sum ^= static_cast<uint32_t>(static_cast<unsigned char>(b[i])) | static_cast<uint32_t>(static_cast<unsigned char>(b[i + 1])) << 8 |
           static_cast<uint32_t>(static_cast<unsigned char>(b[i + 2])) << 16 |
           static_cast<uint32_t>(static_cast<unsigned char>(b[i + 3])) << 24;
  }
  Put32(b, 0x1FC, sum);
  const std::size_t hbin = 0x1000;
  b.replace(hbin, 4, "hbin");
  Put32(b, hbin + 4, 0);        // offset from the first hbin
  Put32(b, hbin + 8, 0x1000);   // size
  Put64(b, hbin + 0x14, static_cast<uint64_t>(filetime));
  // Root nk at cell offset 0x20: 0x50 bytes of fields, the name "ROOT", rounded up to 8.
  const std::size_t nk = hbin + 0x20;
  const uint32_t nk_size = 0x58, sk_offset = 0x20 + nk_size;
  Put32(b, nk, static_cast<uint32_t>(-static_cast<int32_t>(nk_size)));  // negative: in use
  b.replace(nk + 4, 2, "nk");
  Put16(b, nk + 6, 0x2C);  // hive entry (root), no delete, ASCII name
  Put64(b, nk + 8, static_cast<uint64_t>(filetime));
  Put32(b, nk + 0x14, 0);            // parent
  Put32(b, nk + 0x20, 0xFFFFFFFF);   // no subkey list
  Put32(b, nk + 0x24, 0xFFFFFFFF);   // no volatile subkey list
  Put32(b, nk + 0x2C, 0xFFFFFFFF);   // no value list
  Put32(b, nk + 0x30, sk_offset);    // security
  Put32(b, nk + 0x34, 0xFFFFFFFF);   // no class name
  Put16(b, nk + 0x4C, 4);            // name length
  b.replace(nk + 0x50, 4, "ROOT");
  // sk: a list of one (it points at itself both ways), used once, a 20-byte self-relative
  // security descriptor with no owner, group or ACLs.
  const std::size_t sk = hbin + sk_offset;
  const uint32_t sk_size = 0x30;
  Put32(b, sk, static_cast<uint32_t>(-static_cast<int32_t>(sk_size)));
  b.replace(sk + 4, 2, "sk");
  Put32(b, sk + 8, sk_offset);
  Put32(b, sk + 12, sk_offset);
  Put32(b, sk + 16, 1);   // reference count
  Put32(b, sk + 20, 20);  // descriptor size
  b[sk + 24] = 1;         // revision
  Put16(b, sk + 26, 0x8000);  // self-relative
  const std::size_t free_cell = sk + sk_size;
  Put32(b, free_cell, static_cast<uint32_t>(hbin + 0x1000 - free_cell));  // positive: free
  return b;
}

std::string Utf16(const std::string& ascii) {
  std::string out;
  for (char c : ascii) {
    out.push_back(c);
    out.push_back('\0');
  }
  out.append(2, '\0');
  return out;
}

struct HiveValue {
  std::string key, name, data;
  hive_type type = hive_t_string;
  bool raw = false;  // data is written as it is (already UTF-16LE, or not)
};

// A hive with the given string values, made by libhivex on the empty hive above. Keys written
// by libhivex take their parent's time, so every key's last-write time is `when`.
void WriteHive(const std::string& path, int64_t when, const std::vector<HiveValue>& values) {
  testing::WriteFile(path, EmptyHive(FileTime(when)));
  hive_h* h = hivex_open(path.c_str(), HIVEX_OPEN_WRITE);
  ASSERT_NE(h, nullptr) << path << ": " << std::strerror(errno);
  for (const HiveValue& v : values) {
    hive_node_h node = hivex_root(h);
    std::size_t start = 0;
    while (start <= v.key.size()) {
      const std::size_t end = std::min(v.key.find('\\', start), v.key.size());
      const std::string part = v.key.substr(start, end - start);
      hive_node_h child = hivex_node_get_child(h, node, part.c_str());
      if (child == 0) child = hivex_node_add_child(h, node, part.c_str());
      ASSERT_NE(child, 0u) << part << ": " << std::strerror(errno);
      node = child;
      start = end + 1;
    }
    std::string data = v.raw ? v.data : Utf16(v.data);
    hive_set_value sv{const_cast<char*>(v.name.c_str()), v.type, data.size(), data.data()};
    ASSERT_EQ(hivex_node_set_value(h, node, &sv, 0), 0) << std::strerror(errno);
  }
  ASSERT_EQ(hivex_commit(h, nullptr, 0), 0) << std::strerror(errno);
  hivex_close(h);
}

constexpr const char* kRun = "Software\\Microsoft\\Windows\\CurrentVersion\\Run";
const std::string kEmotetRun =
    "C:\\Windows\\system32\\rundll32.exe \"C:\\Users\\taro\\AppData\\Local\\Hcpqgxz\\jsgjkls.dll\",DllRegisterServer";

// 512 bytes: MZ, e_lfanew 0x80, "PE\0\0", a COFF header for x64 with the DLL flag (0x2000) and
// an optional header of PE32+ (0x20b). Enough for any PE check; it would not load.
std::string PeBytes(bool dll) {
  std::string b(512, '\0');
  b[0] = 'M';
  b[1] = 'Z';
  Put32(b, 0x3C, 0x80);
  b.replace(0x80, 4, std::string("PE\0\0", 4));
  Put16(b, 0x84, 0x8664);                                // machine
  Put16(b, 0x84 + 16, 0xF0);                             // size of the optional header
  Put16(b, 0x84 + 18, dll ? 0x2022 : 0x0022);            // characteristics
  Put16(b, 0x98, 0x20B);                                 // PE32+
  b.replace(0x100, 18, "!This is a test PE");
  return b;
}

void SetMtime(const std::string& path, int64_t t) {
  const timespec ts[2] = {{static_cast<time_t>(t), 0}, {static_cast<time_t>(t), 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), ts, AT_SYMLINK_NOFOLLOW), 0) << path;
}

void Write(const std::string& root, const std::string& rel, const std::string& data, int64_t mtime = kInfected - 30 * kDay) {
  const fs::path p = fs::path(root) / rel;
  fs::create_directories(p.parent_path());
  testing::WriteFile(p.string(), data);
  SetMtime(p.string(), mtime);
}

// A profile that looks used: browsers, Teams (with a real-looking DLL: a PE under a vendor's
// folder is how per-user installs look, so it stays clean), caches, a GUID folder, Packages,
// Temp, documents, and an NTUSER.DAT whose Run key starts OneDrive from AppData.
void CleanProfile(const std::string& root, bool hive = true) {
  const int64_t old = kInfected - 40 * kDay;
  Write(root, "AppData/Local/Microsoft/Teams/current/ffmpeg.dll", PeBytes(true), old);
  Write(root, "AppData/Local/Microsoft/OneDrive/OneDrive.exe", PeBytes(false), old);
  Write(root, "AppData/Local/Google/Chrome/User Data/Local State", "{}", old);
  Write(root, "AppData/Roaming/Mozilla/Firefox/profiles.ini", "[General]\n", old);
  Write(root, "AppData/Local/Packages/Microsoft.WindowsStore_8wekyb3d8bbwe/Settings/settings.dat", "x", old);
  Write(root, "AppData/Local/{3F2504E0-4F89-11D3-9A0C-0305E82C3301}/state.bin", "x", old);
  Write(root, "AppData/Local/Temp/setup1234.tmp", PeBytes(false), old);
  Write(root, "AppData/Local/CrashDumps/Teams.exe.1234.dmp", "MDMP", old);
  Write(root, "AppData/Roaming/discord/settings.json", "{}", old);
  Write(root, "AppData/Roaming/JetBrains/idea.properties", "x", old);
  Write(root, "AppData/Roaming/Zoom/bin/Zoom.exe", PeBytes(false), old);
  Write(root, "Documents/report.docx", "PK\x03\x04", old);
  // Windows names its Recent shortcuts after the document: not a double extension.
  Write(root, "AppData/Roaming/Microsoft/Windows/Recent/report.pdf.lnk", std::string("L\0\0\0", 4), old);
  if (hive) {
    WriteHive(root + "/NTUSER.DAT", kInfected - 60 * kDay,
              {{kRun, "OneDrive", "\"C:\\Users\\taro\\AppData\\Local\\Microsoft\\OneDrive\\OneDrive.exe\" /background"}});
  }
}

// The Emotet drop: AppData\Local\Hcpqgxz\jsgjkls.dll, a DLL whose times were set back 7 days,
// in a folder written at infection time, and the Run value that loads it with rundll32. The
// copy's folders are in another case than the Run value names them.
void EmotetProfile(const std::string& root, bool hive = true) {
  CleanProfile(root, false);
  Write(root, "appdata/LOCAL/Hcpqgxz/jsgjkls.dll", PeBytes(true), kInfected - 7 * kDay);
  SetMtime(root + "/appdata/LOCAL/Hcpqgxz", kInfected);
  if (hive) {
    WriteHive(root + "/NTUSER.DAT", kInfected,
              {{kRun, "OneDrive", "\"C:\\Users\\taro\\AppData\\Local\\Microsoft\\OneDrive\\OneDrive.exe\" /background"},
               {kRun, "jsgjkls.dll", kEmotetRun}});
  }
}

// Only a random folder with a file set back 7 days; the file is not a PE.
void BackdatedFolderProfile(const std::string& root) {
  CleanProfile(root, false);
  Write(root, "AppData/Roaming/Zqxvbnrt/notes.dat", "not a program", kInfected - 7 * kDay);
  SetMtime(root + "/AppData/Roaming/Zqxvbnrt", kInfected);
}

sweep::Result SweepOf(const std::string& dir, const sweep::Options& o = {}) {
  sweep::Result r;
  std::string error;
  EXPECT_TRUE(sweep::Sweep(dir, o, r, error)) << error;
  return r;
}

std::set<std::string> Codes(const sweep::Result& r) {
  std::set<std::string> codes;
  for (const sweep::Finding& f : r.findings) codes.insert(f.code);
  return codes;
}

const sweep::Finding* Find(const sweep::Result& r, const std::string& code) {
  for (const sweep::Finding& f : r.findings) {
    if (f.code == code) return &f;
  }
  return nullptr;
}

TEST(SweepHive, ReadsRunValuesAndKeyTimes) {
  TempDir d;
  WriteHive(d / "NTUSER.DAT", kInfected,
            {{kRun, "jsgjkls.dll", kEmotetRun},
             {"Software\\Microsoft\\Windows\\CurrentVersion\\RunOnce", "once", "cmd /c echo"},
             {"Software\\Microsoft\\Windows NT\\CurrentVersion\\Windows", "Load", "C:\\x.exe", hive_t_expand_string},
             {"Software\\Microsoft\\Windows NT\\CurrentVersion\\Windows", "Device", "printer"}});
  const sweep::HiveRunKeys k = sweep::ReadRunKeys(d / "NTUSER.DAT");
  ASSERT_EQ(k.error, "");
  ASSERT_EQ(k.keys.size(), 3u);
  EXPECT_EQ(k.keys[0].path, kRun);
  EXPECT_EQ(k.keys[0].last_write, kInfected);
  ASSERT_EQ(k.values.size(), 3u);  // Run, RunOnce, Windows\Load (not Device)
  EXPECT_EQ(k.values[0].name, "jsgjkls.dll");
  EXPECT_EQ(k.values[0].data, kEmotetRun);
  EXPECT_EQ(k.values[0].type, 1u);
  EXPECT_EQ(k.values[0].key_last_write, kInfected);
  EXPECT_EQ(k.values[2].name, "Load");
  EXPECT_EQ(k.values[2].type, 2u);
  EXPECT_EQ(k.values[2].data, "C:\\x.exe");
}

TEST(SweepHive, BrokenHivesAreErrorsNotCrashes) {
  TempDir d;
  testing::WriteFile(d / "short", "regf");
  EXPECT_NE(sweep::ReadRunKeys(d / "short").error, "");
  std::string bad = EmptyHive(FileTime(kInfected));
  bad[0x30] = 'x';  // the checksum no longer matches
  testing::WriteFile(d / "checksum", bad);
  EXPECT_NE(sweep::ReadRunKeys(d / "checksum").error, "");
  testing::WriteFile(d / "text", std::string(8192, 'x'));  // no hive signature at all
  EXPECT_EQ(sweep::ReadRunKeys(d / "text").error, "not a readable registry hive (no hive signature, or damaged)");
  SetLang(Lang::kJa);
  const std::string ja = sweep::ReadRunKeys(d / "text").error;
  SetLang(Lang::kEn);
  EXPECT_EQ(ja, "読めるレジストリハイブではありません（ハイブの署名がないか、壊れています）");
  EXPECT_NE(sweep::ReadRunKeys(d / "missing").error, "");
  ASSERT_EQ(::mkfifo((d / "fifo").c_str(), 0600), 0);
  EXPECT_EQ(sweep::ReadRunKeys(d / "fifo").error, "not a regular file");  // returns, does not block
  // An empty hive is a hive: no keys, no error.
  testing::WriteFile(d / "empty", EmptyHive(FileTime(kInfected)));
  const sweep::HiveRunKeys k = sweep::ReadRunKeys(d / "empty");
  EXPECT_EQ(k.error, "");
  EXPECT_TRUE(k.keys.empty());
  EXPECT_EQ(k.hive_last_write, kInfected);
}

// The seeds of fuzz/corpus/fuzz_hive are hives this file makes; they still read as made.
// What libhivex cannot convert is not a way to hide: a Run value with an unpaired surrogate is
// read with U+FFFD in its place (libhivex's own conversion returns nothing for it), and a key
// with more values than are read makes the sweep partial.
TEST(SweepHive, BadUtf16AndTooManyValuesDoNotHide) {
  TempDir d;
  std::string cmd = Utf16("rundll32 C:\\Users\\t\\AppData\\Local\\Hq\\z.dll,Run ");
  if (cmd.size() >= 2 && cmd.ends_with(std::string(2, '\0'))) cmd.resize(cmd.size() - 2);  // its NUL comes after
  WriteHive(d / "bad.dat", kInfected, {{kRun, "upd", cmd + std::string("\x00\xD8\0\0", 4), hive_t_string, true}});
  sweep::HiveRunKeys k = sweep::ReadRunKeys(d / "bad.dat");
  ASSERT_EQ(k.error, "");
  ASSERT_EQ(k.values.size(), 1u);
  EXPECT_EQ(k.values[0].data, "rundll32 C:\\Users\\t\\AppData\\Local\\Hq\\z.dll,Run \xEF\xBF\xBD");
  EXPECT_EQ(sweep::ParseRunCommand(k.values[0].data).target_appdata, "local\\hq\\z.dll");
  EXPECT_EQ(k.notes.size(), 1u);
  std::vector<HiveValue> many;
  for (std::size_t i = 0; i <= sweep::kMaxValuesPerKey; ++i) many.push_back({kRun, "v" + std::to_string(i), "notepad.exe"});
  WriteHive(d / "many.dat", kInfected, many);
  k = sweep::ReadRunKeys(d / "many.dat");
  ASSERT_EQ(k.error, "");
  EXPECT_EQ(k.values.size(), sweep::kMaxValuesPerKey);
  ASSERT_EQ(k.problems.size(), 1u);
  EXPECT_NE(k.problems[0].find("1001 values"), std::string::npos) << k.problems[0];
  // Read in Japanese, the problem is said in Japanese (its detail too, not only the lead-in).
  SetLang(Lang::kJa);
  k = sweep::ReadRunKeys(d / "many.dat");
  SetLang(Lang::kEn);
  ASSERT_EQ(k.problems.size(), 1u);
  EXPECT_NE(k.problems[0].find("値が 1001 個あり"), std::string::npos) << k.problems[0];
}

TEST(SweepHive, SeedCorpusReads) {
  const std::string dir = std::string(KEIKAI_SOURCE_DIR) + "/fuzz/corpus/fuzz_hive/";
  if (std::getenv("KEIKAI_WRITE_HIVE_SEEDS") != nullptr) {  // to remake them
    WriteHive(dir + "emotet_run.hive", kInfected,
              {{kRun, "OneDrive", "\"C:\\Users\\taro\\AppData\\Local\\Microsoft\\OneDrive\\OneDrive.exe\" /background"},
               {kRun, "jsgjkls.dll", kEmotetRun}});
    testing::WriteFile(dir + "empty.hive", EmptyHive(FileTime(kInfected)));
  }
  const sweep::HiveRunKeys k = sweep::ReadRunKeys(dir + "emotet_run.hive");
  ASSERT_EQ(k.error, "");
  ASSERT_EQ(k.values.size(), 2u);
  EXPECT_EQ(k.values[1].data, kEmotetRun);
}

TEST(SweepRunCommand, LoadersInEveryWriting) {
  sweep::RunCommand c = sweep::ParseRunCommand(kEmotetRun);
  EXPECT_TRUE(c.loader);
  EXPECT_EQ(c.program, "rundll32");
  EXPECT_EQ(c.target, "C:\\Users\\taro\\AppData\\Local\\Hcpqgxz\\jsgjkls.dll");
  EXPECT_EQ(c.target_appdata, "local\\hcpqgxz\\jsgjkls.dll");
  c = sweep::ParseRunCommand("\"C:\\WINDOWS\\SysWOW64\\RegSvr32.EXE\" /s \"%APPDATA%\\Xvbq\\kdj.ocx\"");
  EXPECT_TRUE(c.loader);
  EXPECT_EQ(c.program, "regsvr32");
  EXPECT_EQ(c.target_appdata, "roaming\\xvbq\\kdj.ocx");
  c = sweep::ParseRunCommand("RUNDLL32 %LocalAppData%\\Abc\\def.dll,Control_RunDLL");
  EXPECT_TRUE(c.loader);
  EXPECT_EQ(c.target_appdata, "local\\abc\\def.dll");
  c = sweep::ParseRunCommand("regsvr32.exe -s %USERPROFILE%\\AppData\\Local\\Q\\w.dll");
  EXPECT_EQ(c.target_appdata, "local\\q\\w.dll");
  c = sweep::ParseRunCommand("rundll32.exe C:\\Windows\\System32\\shell32.dll,Control_RunDLL");
  EXPECT_TRUE(c.loader);
  EXPECT_EQ(c.target_appdata, "");
  c = sweep::ParseRunCommand("\"C:\\Users\\taro\\AppData\\Local\\Microsoft\\Teams\\Update.exe\" --processStart Teams.exe");
  EXPECT_FALSE(c.loader);
  EXPECT_EQ(c.program_appdata, "local\\microsoft\\teams\\update.exe");
  // Writings a reviewer used to hide the target: %TEMP%, doubled and dotted separators, the
  // short name of AppData, no extension (LoadLibrary adds .dll), LocalLow, a wrapper before the
  // loader, a comma inside the quoted path.
  EXPECT_EQ(sweep::ParseRunCommand("rundll32 %TEMP%\\kq.dll,X").target_appdata, "local\\temp\\kq.dll");
  EXPECT_EQ(sweep::ParseRunCommand("rundll32 C:\\Users\\t\\AppData\\\\Local\\X\\y.dll,E").target_appdata, "local\\x\\y.dll");
  EXPECT_EQ(sweep::ParseRunCommand("rundll32 %APPDATA%\\..\\Local\\.\\X\\y.dll,E").target_appdata, "local\\x\\y.dll");
  EXPECT_EQ(sweep::ParseRunCommand("rundll32 C:\\Users\\t\\APPDAT~1\\Local\\X\\y.dll,E").target_appdata, "local\\x\\y.dll");
  EXPECT_EQ(sweep::ParseRunCommand("rundll32 C:\\Users\\t\\AppData\\Local\\X\\y,E").target_appdata, "local\\x\\y.dll");
  EXPECT_EQ(sweep::ParseRunCommand("regsvr32 /s C:\\Users\\t\\AppData\\LocalLow\\X\\y.dll").target_appdata, "locallow\\x\\y.dll");
  c = sweep::ParseRunCommand("cmd.exe /c rundll32.exe %LOCALAPPDATA%\\Hq\\z.dll,Run");
  EXPECT_TRUE(c.loader);
  EXPECT_EQ(c.program, "rundll32");
  EXPECT_EQ(c.target_appdata, "local\\hq\\z.dll");
  EXPECT_EQ(sweep::ParseRunCommand("rundll32 \"%LOCALAPPDATA%\\a,b\\z.dll\",Run").target_appdata, "local\\a,b\\z.dll");
}

TEST(SweepNames, EmotetNamesAreRandomOrdinaryNamesAreNot) {
  EXPECT_TRUE(sweep::IsRandomName("Hcpqgxzyw"));
  EXPECT_TRUE(sweep::IsRandomName("jsgjklsx"));
  EXPECT_TRUE(sweep::IsRandomName("Hcpqgxz"));
  EXPECT_TRUE(sweep::IsRandomName("jsgjkls"));
  EXPECT_TRUE(sweep::IsRandomName("Zqxvbnrt"));
  for (const char* n : {"Microsoft", "Google", "Mozilla", "Packages", "CrashDumps", "Adobe", "Slack", "discord", "JetBrains",
                        "Temp", "Zoom", "npm", "pip", "Programs", "Spotify"}) {
    EXPECT_FALSE(sweep::IsRandomName(n)) << n;
  }
  EXPECT_TRUE(sweep::IsGuidName("{3F2504E0-4F89-11D3-9A0C-0305E82C3301}"));
  EXPECT_TRUE(sweep::IsGuidName("3f2504e0-4f89-11d3-9a0c-0305e82c3301"));
  EXPECT_FALSE(sweep::IsGuidName("3f2504e0-4f89-11d3-9a0c-0305e82c330"));
  EXPECT_EQ(sweep::ClassifyName("Cybozu"), sweep::NameClass::kKnown);
}

uint64_t Fnv1a(const std::string& s) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

std::vector<std::string> Names(const std::string& file, bool held_out) {
  std::ifstream in(std::string(KEIKAI_TEST_DATA) + "/sweep/" + file);
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#' || !seen.insert(line).second) continue;
    if ((Fnv1a(line) % 4 == 0) == held_out) out.push_back(line);
  }
  return out;
}

// Emotet-like names: 5-12 random letters (splitmix64), capitalised for folders.
std::vector<std::string> RandomNames(uint64_t seed, int n, bool capital) {
  uint64_t x = seed;
  const auto next = [&x] {
    x += 0x9E3779B97F4A7C15ULL;
    uint64_t z = x;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  };
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) {
    const uint64_t len = 5 + next() % 8;
    std::string s;
    for (uint64_t j = 0; j < len; ++j) s.push_back(static_cast<char>('a' + next() % 26));
    if (capital) s[0] = static_cast<char>(s[0] - 'a' + 'A');
    out.push_back(s);
  }
  return out;
}

std::string Stem(const std::string& file) { return file.substr(0, file.find('.')); }

// The numbers docs/sweep.md gives. The threshold and the known-name list were set on the tuning
// part and on random names of seed 1; the held-out part (FNV-1a % 4 == 0) and seeds 2 and 3
// were measured once, after. A change to the judgement must be measured the same way (and the
// docs changed with it); the held-out names must never be added to the known list.
TEST(SweepNames, HeldOutMeasurement) {
  int fp_tune = 0, fp_held = 0, judged_held = 0;
  std::vector<std::string> fp_held_names;
  for (const std::string& n : Names("appdata_names.txt", false)) fp_tune += sweep::IsRandomName(n);
  for (const std::string& n : Names("appdata_files.txt", false)) fp_tune += sweep::IsRandomName(Stem(n));
  const std::vector<std::string> held = Names("appdata_names.txt", true), held_files = Names("appdata_files.txt", true);
  for (const std::string& n : held) {
    EXPECT_NE(sweep::ClassifyName(n), sweep::NameClass::kKnown) << n << " is held out: it must not be on the known list";
    judged_held += sweep::ClassifyName(n) != sweep::NameClass::kNotJudged;
    if (sweep::IsRandomName(n)) fp_held_names.push_back(n);
  }
  for (const std::string& n : held_files) {
    EXPECT_NE(sweep::ClassifyName(Stem(n)), sweep::NameClass::kKnown) << n;
    judged_held += sweep::ClassifyName(Stem(n)) != sweep::NameClass::kNotJudged;
    if (sweep::IsRandomName(Stem(n))) fp_held_names.push_back(n);
  }
  fp_held = static_cast<int>(fp_held_names.size());
  int miss_tune = 0, miss_held = 0, miss_held_files = 0;
  for (const std::string& n : RandomNames(1, 1000, true)) miss_tune += !sweep::IsRandomName(n);
  for (const std::string& n : RandomNames(2, 1000, true)) miss_held += !sweep::IsRandomName(n);
  for (const std::string& n : RandomNames(3, 1000, false)) miss_held_files += !sweep::IsRandomName(n);
  std::string names;
  for (const std::string& n : fp_held_names) names += n + " ";
  std::printf("tuning names: %d false positives; held out: %zu names (%d judged), %d false positives: %s\n"
              "random names missed: tuning %d/1000, held-out folders %d/1000, held-out files %d/1000\n",
              fp_tune, held.size() + held_files.size(), judged_held, fp_held, names.c_str(), miss_tune, miss_held,
              miss_held_files);
  EXPECT_EQ(fp_tune, 0);
  EXPECT_EQ(held.size() + held_files.size(), 191u);
  EXPECT_EQ(fp_held, 3) << names;  // Azure, Huawei, Ryujinx (left off the known list: held out)
  EXPECT_EQ(miss_held, 95);
  EXPECT_EQ(miss_held_files, 74);
}

TEST(Sweep, CleanProfileIsClean) {
  TempDir d;
  CleanProfile(d.str());
  const sweep::Result r = SweepOf(d.str());
  EXPECT_EQ(r.verdict, "clean");
  EXPECT_TRUE(r.complete());
  EXPECT_TRUE(r.hive_read);
  EXPECT_EQ(r.hive_path, "NTUSER.DAT");
  // OneDrive started from AppData: noted, 10 points, clean.
  EXPECT_EQ(Codes(r), std::set<std::string>{"run_appdata_program"});
  EXPECT_EQ(r.score, 10);
  EXPECT_GE(r.files, 12u);
}

TEST(Sweep, EmotetDllWithRunKeyIsMalicious) {
  TempDir d;
  EmotetProfile(d.str());
  const sweep::Result r = SweepOf(d.str());
  EXPECT_EQ(r.verdict, "malicious");
  EXPECT_EQ(r.score, 100);
  const std::set<std::string> codes = Codes(r);
  for (const char* c : {"random_folder", "random_file_name", "pe_in_random_folder", "backdated_folder", "backdated_run",
                        "run_persistence", "run_loader_appdata", "run_target_pe"}) {
    EXPECT_EQ(codes.count(c), 1u) << c;
  }
  const sweep::Finding* pe = Find(r, "pe_in_random_folder");
  ASSERT_NE(pe, nullptr);
  EXPECT_EQ(pe->path, "appdata\\LOCAL\\Hcpqgxz\\jsgjkls.dll");
  EXPECT_EQ(pe->evidence.pe, "PE32+ DLL");
  EXPECT_EQ(pe->evidence.sha256, inspect::Sha256Hex(PeBytes(true)));
  EXPECT_EQ(pe->evidence.mtime, kInfected - 7 * kDay);
  EXPECT_EQ(pe->evidence.folder_mtime, kInfected);
  EXPECT_EQ(pe->evidence.run_data, kEmotetRun);
  const sweep::Finding* run = Find(r, "run_target_pe");
  ASSERT_NE(run, nullptr);
  EXPECT_EQ(run->path, std::string("NTUSER.DAT\\") + kRun + "\\jsgjkls.dll");
  EXPECT_EQ(run->evidence.run_key_last_write, kInfected);
  EXPECT_EQ(Find(r, "backdated_folder")->detail, "7.0 days before its folder");
}

// Without the hive the DLL alone (PE in a random folder, times set back) is still malicious.
TEST(Sweep, EmotetDllWithoutHive) {
  TempDir d;
  EmotetProfile(d.str(), false);
  const sweep::Result r = SweepOf(d.str());
  EXPECT_EQ(r.verdict, "malicious");
  EXPECT_FALSE(r.hive_read);
  // The Run keys were not checked: a problem (the sweep is partial), not a note.
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0].kind, "no_hive");
  EXPECT_FALSE(r.complete());
  EXPECT_EQ(Codes(r).count("backdated_run"), 0u);
}

// A Run value that starts a program directly: persistence when the program lies in a random
// folder, not when it is OneDrive in its own folder (CleanProfileIsClean).
TEST(Sweep, RunProgramInRandomFolder) {
  TempDir d;
  CleanProfile(d.str(), false);
  Write(d.str(), "AppData/Roaming/Wqzkxbv/pjrqxz.exe", PeBytes(false));
  WriteHive(d / "NTUSER.DAT", kInfected, {{kRun, "upd", "C:\\Users\\taro\\AppData\\Roaming\\Wqzkxbv\\pjrqxz.exe"}});
  const sweep::Result r = SweepOf(d.str());
  EXPECT_EQ(r.verdict, "malicious");
  const sweep::Finding* f = Find(r, "run_persistence");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->path, "AppData\\Roaming\\Wqzkxbv\\pjrqxz.exe");
  EXPECT_EQ(f->evidence.run_name, "upd");
  EXPECT_EQ(Codes(r).count("run_loader_appdata"), 0u);
}

TEST(Sweep, BackdatedRandomFolderIsSuspicious) {
  TempDir d;
  BackdatedFolderProfile(d.str());
  const sweep::Result r = SweepOf(d.str());
  EXPECT_EQ(r.verdict, "suspicious");
  EXPECT_EQ(r.score, 35);  // random folder 20 + back-dated 15
  EXPECT_EQ(r.worst, "AppData\\Roaming\\Zqxvbnrt\\notes.dat");
  const std::set<std::string> codes = Codes(r);
  EXPECT_EQ(codes, (std::set<std::string>{"random_folder", "backdated_folder"}));
}

// Names and times alone never make a profile malicious, however many there are.
TEST(Sweep, NamesAndTimesStaySuspicious) {
  TempDir d;
  CleanProfile(d.str(), false);
  Write(d.str(), "AppData/Local/Xkvbqzjr/pqtzkwdx.pdf.lnk", "not a PE", kInfected - 7 * kDay);
  SetMtime(d / "AppData/Local/Xkvbqzjr", kInfected);
  const sweep::Result r = SweepOf(d.str());
  EXPECT_EQ(r.verdict, "suspicious");
  EXPECT_EQ(r.score, 69);
  EXPECT_EQ(Codes(r).count("double_extension"), 1u);
}

// Emotet also uses random extensions; one outside the common list in a random folder is noted.
TEST(Sweep, UnknownExtensionInRandomFolder) {
  TempDir d;
  CleanProfile(d.str(), false);
  Write(d.str(), "AppData/Local/Xkvbqzjr/data.qzx", "not a PE");
  Write(d.str(), "AppData/Local/Microsoft/data.qzx", "not a PE");
  const sweep::Result r = SweepOf(d.str());
  const sweep::Finding* f = Find(r, "unknown_extension");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->path, "AppData\\Local\\Xkvbqzjr\\data.qzx");
  EXPECT_EQ(r.score, 30);  // random folder 20 + 10
  EXPECT_EQ(r.verdict, "suspicious");
}

TEST(Sweep, CorruptHiveIsAProblemAndFileRulesStillRun) {
  TempDir d;
  EmotetProfile(d.str(), false);
  testing::WriteFile(d / "ntuser.dat", "regf" + std::string(9000, 'x'));
  const sweep::Result r = SweepOf(d.str());
  EXPECT_EQ(r.verdict, "malicious");
  EXPECT_FALSE(r.complete());
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0].kind, "hive");
  EXPECT_EQ(r.problems[0].path, "ntuser.dat");
  EXPECT_NE(r.problems[0].detail, "");
  EXPECT_EQ(Codes(r).count("pe_in_random_folder"), 1u);
}

TEST(Sweep, DisguisedPeAndIndicators) {
  TempDir d;
  CleanProfile(d.str(), false);
  Write(d.str(), "Downloads/invoice.jpg", PeBytes(false));
  Write(d.str(), "Downloads/marker.txt", "xx EMOTET_TEST_MARKER xx");
  Write(d.str(), "Downloads/big.bin", std::string(2 << 20, 'b'));
  testing::WriteFile(d / "hashes.txt", "# known bad\n\n" + inspect::Sha256Hex("xx EMOTET_TEST_MARKER xx") + "  marker.txt\n");
  fs::create_directories(d / "rules");
  testing::WriteFile(d / "rules/test.yar", "rule emotet_marker { meta: score = 90 strings: $a = \"EMOTET_TEST_MARKER\" condition: $a }\n");
  std::set<std::string> hashes;
  std::string error;
  ASSERT_TRUE(sweep::LoadSha256List(d / "hashes.txt", hashes, error)) << error;
  std::vector<std::string> errors;
  const auto yara = inspect::YaraRules::Compile(d / "rules", errors);
  ASSERT_NE(yara, nullptr);
  sweep::Options o;
  o.sha256 = &hashes;
  o.yara = yara.get();
  o.max_file_bytes = 1 << 20;
  const sweep::Result r = SweepOf(d.str() + "/", o);
  EXPECT_EQ(r.verdict, "malicious");
  const sweep::Finding* disguised = Find(r, "pe_wrong_extension");
  ASSERT_NE(disguised, nullptr);
  EXPECT_EQ(disguised->path, "Downloads\\invoice.jpg");
  const sweep::Finding* hash = Find(r, "sha256_match");
  ASSERT_NE(hash, nullptr);
  EXPECT_EQ(hash->path, "Downloads\\marker.txt");
  const sweep::Finding* rule = Find(r, "yara_match");
  ASSERT_NE(rule, nullptr);
  EXPECT_EQ(rule->score, 90);
  EXPECT_EQ(r.skipped_count, 1u);
  ASSERT_EQ(r.skipped.size(), 1u);
  EXPECT_EQ(r.skipped[0].path, "Downloads\\big.bin");
}

TEST(Sweep, Sha256ListErrorsNameTheLine) {
  TempDir d;
  testing::WriteFile(d / "bad.txt", "# ok\n" + std::string(64, 'a') + "\nnot-a-hash\n");
  std::set<std::string> hashes;
  std::string error;
  EXPECT_FALSE(sweep::LoadSha256List(d / "bad.txt", hashes, error));
  EXPECT_EQ(error, d / "bad.txt" + ":3: not a SHA-256 (64 hex digits): not-a-hash");
  EXPECT_TRUE(hashes.empty());
  EXPECT_FALSE(sweep::LoadSha256List(d / "missing.txt", hashes, error));
  EXPECT_NE(error.find("missing.txt"), std::string::npos);
}

TEST(Sweep, BoundsAndLinks) {
  TempDir d;
  CleanProfile(d.str(), false);
  sweep::Options o;
  const sweep::Result before = SweepOf(d.str(), o);
  fs::create_symlink("/etc", d / "AppData/Local/outside");
  const sweep::Result all = SweepOf(d.str(), o);
  EXPECT_EQ(all.symlinks, 1u);
  // Nothing behind the link was read: the same files and folders as without it.
  EXPECT_EQ(all.files, before.files);
  EXPECT_EQ(all.folders, before.folders);
  for (const sweep::Finding& f : all.findings) EXPECT_EQ(f.path.find("outside"), std::string::npos);
  // The profile's own folder may be given through a link (a mount point's alias).
  TempDir alias;
  fs::create_symlink(d.str(), alias / "taro");
  const sweep::Result via = SweepOf(alias / "taro", o);
  ASSERT_EQ(via.problems.size(), 1u);  // only that this profile has no hive; no unreadable folder
  EXPECT_EQ(via.problems[0].kind, "no_hive");
  EXPECT_EQ(via.files, all.files);
  o.max_files = 5;
  const sweep::Result few = SweepOf(d.str(), o);
  ASSERT_FALSE(few.complete());
  EXPECT_EQ(few.problems[0].kind, "file_limit");
  EXPECT_EQ(few.problems[0].detail, "stopped at 5 files and folders");
  SetLang(Lang::kJa);
  const sweep::Result few_ja = SweepOf(d.str(), o);
  SetLang(Lang::kEn);
  ASSERT_FALSE(few_ja.problems.empty());
  EXPECT_EQ(few_ja.problems[0].detail, "ファイルとフォルダ 5 件で打ち切りました");
  sweep::Result r;
  std::string error;
  EXPECT_FALSE(sweep::Sweep(d / "nope", {}, r, error));
  EXPECT_NE(error.find("nope"), std::string::npos);
  EXPECT_FALSE(sweep::Sweep(d / "Documents/report.docx", {}, r, error));
  EXPECT_NE(error.find("not a directory"), std::string::npos);
}

// A folder the sweep cannot read is named, and the sweep is partial (exit 2), not clean. Root
// reads every folder, so as root the binary runs as nobody (setpriv, util-linux).
TEST(Sweep, UnreadableFolderIsNamed) {
  TempDir d;
  CleanProfile(d.str(), false);
  ::chmod(d.str().c_str(), 0755);
  ::chmod((d / "AppData/Roaming/JetBrains").c_str(), 0);
  std::string prefix = "LANG=C LC_ALL=";
  if (::geteuid() == 0) {
    if (::access("/usr/bin/setpriv", X_OK) != 0) GTEST_SKIP() << "root reads every folder, and setpriv is missing";
    prefix += " /usr/bin/setpriv --reuid=65534 --regid=65534 --clear-groups";
  }
  const Outcome r = Exec("sweep --format json " + Q(d.str()), prefix);
  ::chmod((d / "AppData/Roaming/JetBrains").c_str(), 0755);
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("Folder could not be read: AppData\\Roaming\\JetBrains: permission denied"), std::string::npos) << r.out;
  const auto j = nlohmann::json::parse(r.out.substr(r.out.find('{')));
  EXPECT_EQ(j["status"], "partial");
  EXPECT_EQ(j["verdict"], "clean");
  EXPECT_EQ(j["problems"][0]["kind"], "unreadable_folder");
  EXPECT_EQ(j["problems"][0]["path"], "AppData\\Roaming\\JetBrains");
}

// Every rule has its text in both languages.
TEST(Sweep, RulesHaveMessages) {
  for (const sweep::Rule& r : sweep::Rules()) {
    EXPECT_TRUE(HasMsg("sweep.rule." + std::string(r.code))) << r.code;
  }
}

TEST(SweepCli, ExitCodesAndJsonVerdicts) {
  TempDir clean, emotet, dated;
  CleanProfile(clean.str());
  EmotetProfile(emotet.str());
  BackdatedFolderProfile(dated.str());
  Outcome r = Exec("sweep --format json " + Q(clean.str()));
  EXPECT_EQ(r.code, 0) << r.out;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["verdict"], "clean");
  EXPECT_EQ(j["status"], "complete");
  r = Exec("sweep --format json " + Q(emotet.str()));
  EXPECT_EQ(r.code, 3) << r.out;
  j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["verdict"], "malicious");
  EXPECT_EQ(j["score"], 100);
  EXPECT_EQ(j["hive"]["keys"][0]["last_write"], "2022-03-15T09:00:00Z");
  bool run_seen = false;
  for (const auto& f : j["findings"]) {
    if (f["code"] == "run_target_pe") {
      run_seen = true;
      EXPECT_EQ(f["evidence"]["run"]["data"], kEmotetRun);
      EXPECT_EQ(f["evidence"]["run"]["key_last_write"], "2022-03-15T09:00:00Z");
    }
    if (f["code"] == "pe_in_random_folder") {
      EXPECT_EQ(f["evidence"]["mtime"], "2022-03-08T09:00:00Z");
    }
  }
  EXPECT_TRUE(run_seen) << r.out;
  r = Exec("sweep " + Q(dated.str()));
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_NE(r.out.find("SUSPICIOUS"), std::string::npos) << r.out;
  r = Exec("--lang ja sweep " + Q(emotet.str()));
  EXPECT_EQ(r.code, 3) << r.out;
  EXPECT_NE(r.out.find("危険"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Run キー"), std::string::npos) << r.out;
}

TEST(SweepCli, BadInputIsClear) {
  TempDir d;
  Outcome r = Exec("sweep " + Q(d / "nope"));
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.out.find(d / "nope"), std::string::npos) << r.out;
  testing::WriteFile(d / "file", "x");
  r = Exec("sweep " + Q(d / "file"));
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.out.find("not a directory"), std::string::npos) << r.out;
  testing::WriteFile(d / "hashes", "zz\n");
  CleanProfile(d / "p", false);
  r = Exec("sweep --sha256 " + Q(d / "hashes") + " " + Q(d / "p"));
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.out.find(d / "hashes" + ":1:"), std::string::npos) << r.out;
  r = Exec("sweep --format xml " + Q(d / "p"));
  EXPECT_EQ(r.code, 2);
  // A broken hive: named on stderr, the sweep partial, exit 2 when nothing worse was found.
  testing::WriteFile(d / "p/NTUSER.DAT", "garbage");
  r = Exec("sweep --format json " + Q(d / "p"));
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("NTUSER.DAT"), std::string::npos) << r.out;
  const auto j = nlohmann::json::parse(r.out.substr(r.out.find('{')));
  EXPECT_EQ(j["status"], "partial");
  EXPECT_EQ(j["problems"][0]["kind"], "hive");
}

}  // namespace
}  // namespace keikai
