// The mail gate's inspection (issue 15): the shared Office and archive samples get the verdict
// their contents call for, samples the tests build (zip -P, 7z -mhe=on, a bomb, messages with the
// password in an ISO-2022-JP body or in a later mail), the readers' own checks (MS-OVBA's example,
// ZIP encryption kinds, passwords in Japanese and English), and `keikai mail scan`'s outputs.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "cli_util.h"
#include "keikai/core/i18n.h"
#include "keikai/inspect/archive.h"
#include "keikai/inspect/carriers.h"
#include "keikai/inspect/office.h"
#include "keikai/inspect/passwords.h"
#include "keikai/inspect/scan.h"
#include "keikai/inspect/vba.h"
#include "keikai/inspect/yara.h"
#include "keikai/inspect/zip.h"
#include "test_util.h"

namespace keikai::inspect {
namespace {

using namespace keikai::testing;

std::string Maldoc(const std::string& rel) { return std::string(KEIKAI_SHARED_DIR) + "/data/maldoc/" + rel; }

std::set<std::string> Codes(const Object& o) {
  std::set<std::string> out;
  for (const Finding& f : o.findings) out.insert(f.code);
  for (const Object& c : o.children) {
    for (const std::string& s : Codes(c)) out.insert(s);
  }
  return out;
}

Object InspectFile(const std::string& path, const std::vector<std::string>& passwords = {}) {
  const std::string data = ReadFile(path);
  return InspectObject(std::filesystem::path(path).filename().string(), data, passwords, ScanOptions{});
}

bool Shell(const std::string& cmd) { return std::system((cmd + " >/dev/null 2>&1").c_str()) == 0; }

TEST(Inspect, SharedSamplesGetTheVerdictTheirContentsCallFor) {
  struct Case {
    const char* path;
    const char* code;     // a finding that must be there ("" none)
    const char* verdict;
  };
  const Case cases[] = {
      {"generated/aes.zip", "encrypted_archive_no_password", "suspicious"},
      {"generated/zipcrypto.zip", "encrypted_archive_no_password", "suspicious"},
      {"generated/enc_data.7z", "encrypted_archive_no_password", "suspicious"},
      {"generated/enc_hdr.7z", "encrypted_archive_hidden_names", "suspicious"},
      {"generated/plain.zip", "", "clean"},
      {"generated/plain.7z", "", "clean"},
      {"generated/invoice.txt", "", "clean"},
      {"generated/fake.exe", "pe_executable", "malicious"},
      {"generated/with_vba.xlsm", "vba_macros", "suspicious"},
      {"generated/xlm_veryhidden_patched.xls", "xlm_hidden_sheet", "malicious"},
      {"oletools-tests/tests/test-data/excel4-macros/excel4_sample_macro.xls", "xlm_auto_open", "malicious"},
      {"oletools-tests/tests/test-data/excel4-macros/excel4_sample_macro.xlsm", "xlm_auto_open", "malicious"},
      {"oletools-tests/tests/test-data/excel4-macros/excel4_sample_macro.xlsb", "xlm_auto_open", "malicious"},
      {"oletools-tests/tests/test-data/excel4-macros/excel4_sample_macro_excel5_format.xls", "xlm_auto_open", "malicious"},
      {"oletools-tests/tests/test-data/excel4-macros/excel4_sample_macro.xlt", "xlm_auto_open", "malicious"},
      {"oletools-tests/tests/test-data/excel4-macros/excel4_sample_macro.xltm", "xlm_auto_open", "malicious"},
      {"oletools-tests/tests/test-data/encrypted/encrypted.docx", "encrypted_document", "suspicious"},
      {"oletools-tests/tests/test-data/encrypted/encrypted.doc", "encrypted_document", "suspicious"},
      {"oletools-tests/tests/test-data/encrypted/encrypted.xls", "encrypted_document", "suspicious"},
      {"oletools-tests/tests/test-data/encrypted/encrypted.ppt", "encrypted_document", "suspicious"},
      {"oletools-tests/tests/test-data/encrypted/autostart-encrypt-standardpassword.xls", "vba_autoexec", "suspicious"},
      {"oletools-tests/tests/test-data/oleform/oleform-PR314.docm", "vba_macros", "suspicious"},
      {"oletools-tests/tests/test-data/olevba/sample_with_vba.ppt", "vba_macros", "suspicious"},
      {"oletools-tests/tests/test-data/oleobj/sample_with_lnk_file.pps", "lnk_file", "malicious"},
      {"oletools-tests/tests/test-data/oleobj/embedded-simple-2007.ppt", "embedded_file", "clean"},
      {"oletools-tests/tests/test-data/msodde/harmless-clean.doc", "", "clean"},  // its prose mentions "dde links"
      {"oletools-tests/tests/test-data/msodde/dde-test.docx", "dde_field", "malicious"},
      {"oletools-tests/tests/test-data/msodde/dde-test.docm", "dde_field", "malicious"},
      {"oletools-tests/tests/test-data/msodde/dde-test.xlsx", "dde_link", "malicious"},
      {"oletools-tests/tests/test-data/msodde/dde-in-csv.csv", "dde_formula", "malicious"},
      {"oletools-tests/tests/test-data/msodde/harmless-clean.xml", "", "clean"},
      {"oletools-tests/tests/test-data/msodde/dde-in-excel2003.xml", "dde_formula", "malicious"},
      {"oletools-tests/tests/test-data/excel4-macros/excel4_sample_macro.slk", "xlm_auto_open", "malicious"},
      {"oletools-tests/tests/test-data/ooxml/harmless-clean-2003.xml", "", "clean"},
      {"oletools-tests/tests/test-data/rtfobj/issue_251.rtf", "rtf_equation_object", "malicious"},
      {"oletools-tests/tests/test-data/msodde/RTF-Spec-1.7.rtf", "", "clean"},  // writes about \objdata
      {"oletools-tests/tests/test-data/msodde/harmless-clean.docx", "", "clean"},
      {"oletools-tests/tests/test-data/msodde/harmless-clean.docm", "", "clean"},
      {"oletools-tests/tests/test-data/oleobj/embedded-simple-2007.xlsx", "", "clean"},
  };
  for (const Case& c : cases) {
    const Object o = InspectFile(Maldoc(c.path));
    const std::set<std::string> codes = Codes(o);
    if (*c.code != 0) {
      EXPECT_TRUE(codes.contains(c.code)) << c.path << " lacks " << c.code;
    }
    EXPECT_STREQ(VerdictOf(ScoreOf(o)), c.verdict) << c.path << " score " << ScoreOf(o);
  }
  // The zipped oletools samples open with their documented password, and what is inside counts.
  const Object zipped = InspectFile(Maldoc("oletools-tests/tests/test-data/msodde/dde-test-from-office2003.doc.zip"),
                                    {"wrong", "infected-test"});
  EXPECT_TRUE(Codes(zipped).contains("encrypted_archive_opened"));
  ASSERT_EQ(zipped.children.size(), 1u);
  EXPECT_EQ(zipped.children[0].type, "ole");
  EXPECT_TRUE(Codes(zipped).contains("dde_field"));  // a .doc's field code, 0x13 DDEAUTO ...
  const Object word_xml = InspectFile(Maldoc("oletools-tests/tests/test-data/msodde/dde-in-word2003.xml.zip"), {"infected-test"});
  EXPECT_TRUE(Codes(word_xml).contains("dde_field"));
  EXPECT_EQ(zipped.children[0].sha256.size(), 64u);
}

TEST(Inspect, OvbaDecompressesTheSpecificationsExample) {
  // MS-OVBA 3.2.3: a compressed container and what it holds.
  const std::string in = std::string("\x01\x2F\xB0\x00\x23\x61\x61\x61\x62\x63\x64\x65\x82\x66\x00\x70\x61\x67\x68\x69\x6A"
                                     "\x01\x38\x08\x61\x6B\x6C\x00\x30\x6D\x6E\x6F\x70\x06\x71\x02\x70\x04\x10\x72\x73\x74"
                                     "\x75\x76\x10\x77\x78\x79\x7A\x00\x3C",
                                     51);
  std::string out;
  ASSERT_TRUE(OvbaDecompress(in, out));
  EXPECT_EQ(out, "#aaabcdefaaaaghijaaaaaklaaamnopqaaaaaaaaaaaarstuvwxyzaaa");
  // A copy token reaching before the chunk is malformed, not a read outside the buffer.
  EXPECT_FALSE(OvbaDecompress(std::string("\x01\x03\xB0\x01\xFF\xFF", 6), out));
  EXPECT_FALSE(OvbaDecompress("", out));
  const VbaIndicators ind = AnalyzeVba("Sub AutoOpen()\n Set s = CreateObject(\"WScript.Shell\")\n s.Run \"cmd\"\nEnd Sub");
  EXPECT_EQ(ind.autoexec, std::vector<std::string>{"autoopen"});
  EXPECT_TRUE(std::find(ind.execute.begin(), ind.execute.end(), "wscript.shell") != ind.execute.end());
  EXPECT_TRUE(std::find(ind.execute.begin(), ind.execute.end(), ".run") != ind.execute.end());
  EXPECT_TRUE(AnalyzeVba("Sub NotAutoOpenReally()\nEnd Sub").autoexec.empty());
}

TEST(Inspect, PasswordsInJapaneseAndEnglish) {
  const auto first = [](const std::string& text) {
    const auto v = FindPasswords(text);
    return v.empty() ? std::string("<none>") : v[0];
  };
  EXPECT_EQ(first("添付ファイルのパスワード：Xk7#pQ2m\nよろしくお願いします。"), "Xk7#pQ2m");
  EXPECT_EQ(first("【解凍パスワード】ａｂｃ１２３４"), "abc1234");  // full width
  EXPECT_EQ(first("パスワードは以下の通りです。\n\n  Tokyo-2026\n"), "Tokyo-2026");
  EXPECT_EQ(first("PW: s3cr3t!"), "s3cr3t!");
  EXPECT_EQ(first("The password is hunter22."), "hunter22");
  EXPECT_EQ(first("パスワードは「Ab12Cd34」です。"), "Ab12Cd34");
  EXPECT_EQ(first("パスワードは別途お送りします。"), "<none>");
  EXPECT_EQ(first("Your passport number is 12345678"), "<none>");
  EXPECT_EQ(first("Password will be sent separately."), "<none>");
  EXPECT_EQ(FoldWidth("ＡＢＣ　１２３"), "ABC 123");
}

TEST(Inspect, ZipDirectoryNamesTheEncryptionOfEachEntry) {
  TempDir d;
  WriteFile(d / "a.txt", "hello");
  ASSERT_TRUE(Shell("cd " + Q(d.str()) + " && zip -q -P pw1234 zc.zip a.txt && 7z a -tzip -mem=AES256 -ppw1234 aes.zip a.txt && zip -q plain.zip a.txt"));
  const ZipDirectory zc = ReadZipDirectory(ReadFile(d / "zc.zip"));
  ASSERT_EQ(zc.entries.size(), 1u);
  EXPECT_EQ(zc.entries[0].encryption, "zipcrypto");
  const ZipDirectory aes = ReadZipDirectory(ReadFile(d / "aes.zip"));
  ASSERT_EQ(aes.entries.size(), 1u);
  EXPECT_EQ(aes.entries[0].encryption, "aes256");
  const ZipDirectory plain = ReadZipDirectory(ReadFile(d / "plain.zip"));
  ASSERT_EQ(plain.entries.size(), 1u);
  EXPECT_FALSE(plain.entries[0].encrypted);
  EXPECT_EQ(plain.entries[0].name, "a.txt");
  EXPECT_EQ(plain.entries[0].size, 5u);
  // Both encryptions open with the right password, not with a wrong one.
  EXPECT_TRUE(Codes(InspectFile(d / "aes.zip", {"nope", "pw1234"})).contains("encrypted_archive_opened"));
  EXPECT_TRUE(Codes(InspectFile(d / "zc.zip", {"pw1234"})).contains("encrypted_archive_opened"));
  EXPECT_TRUE(Codes(InspectFile(d / "zc.zip", {"nope"})).contains("encrypted_archive_no_password"));
  // Damaged directories say so and keep what they read.
  const std::string bytes = ReadFile(d / "plain.zip");
  EXPECT_FALSE(ReadZipDirectory(bytes.substr(0, bytes.size() / 2)).error.empty());
}

// Hostile archives from the review of the readers: offsets near 2^64 in a ZIP64 end record, a
// package-looking ZIP hiding a program, a ZIP behind junk bytes, a password marker at the very end.
TEST(Inspect, HostileArchivesAreNotCrashesNorHidingPlaces) {
  // ZIP64 locator pointing at 2^64 - 56, and an end record whose directory offset wraps.
  std::string z64 = "PK\x03\x04";
  z64 += std::string(40, '\0');
  std::string locator = std::string("PK\x06\x07", 4) + std::string(4, '\0') + std::string("\xC8\xFF\xFF\xFF\xFF\xFF\xFF\xFF", 8) +
                        std::string(4, '\0');
  std::string eocd = std::string("PK\x05\x06", 4) + std::string(4, '\0') + std::string("\x01\x00\x01\x00", 4) +
                     std::string("\x02\x00\x00\x00", 4) + std::string("\xFF\xFF\xFF\xFF", 4) + std::string(2, '\0');
  const ZipDirectory z = ReadZipDirectory(z64 + locator + eocd);
  EXPECT_TRUE(z.zip);
  EXPECT_TRUE(z.entries.empty());
  EXPECT_FALSE(z.error.empty());
  (void)InspectObject("x.zip", z64 + locator + eocd, {}, ScanOptions{});
  TempDir d;
  WriteFile(d / "[Content_Types].xml", "<Types/>");
  WriteFile(d / "請求書.pdf.exe", "MZ program");
  ASSERT_TRUE(Shell("cd " + Q(d.str()) + " && zip -q pkg.zip '[Content_Types].xml' 請求書.pdf.exe && zip -q plain.zip 請求書.pdf.exe"));
  EXPECT_STREQ(VerdictOf(ScoreOf(InspectFile(d / "pkg.zip"))), "malicious");
  const std::string junk = std::string(5000, 'J') + ReadFile(d / "plain.zip");
  const Object prefixed = InspectObject("report.bin", junk, {}, ScanOptions{});
  EXPECT_EQ(prefixed.type, "zip");
  EXPECT_STREQ(VerdictOf(ScoreOf(prefixed)), "malicious");
  // A name that says archive, bytes that are none.
  EXPECT_TRUE(Codes(InspectObject("資料.zip", "not an archive at all", {}, ScanOptions{})).contains("archive_unrecognized"));
  EXPECT_TRUE(FindPasswords("password").empty());
  EXPECT_TRUE(FindPasswords("パスワード：").empty());
  // DDE field codes split over runs, written with character references, or in a single-quoted
  // w:instr attribute are one field all the same; prose about DDE is none.
  const std::string head = "<?xml version=\"1.0\"?><w:wordDocument><w:body><w:p>";
  for (const std::string body : {"<w:r><w:fldChar w:fldCharType=\"begin\"/></w:r><w:r><w:instrText>D</w:instrText></w:r>"
                                 "<w:r><w:instrText xml:space=\"preserve\">DEAUTO c:\\windows\\system32\\cmd.exe \"/k calc\"</w:instrText></w:r>",
                                 "<w:r><w:fldChar w:fldCharType=\"begin\"/><w:instrText>&#68;DEAUTO cmd.exe</w:instrText></w:r>",
                                 "<w:fldSimple w:instr='DDEAUTO cmd.exe /c calc'/>"}) {
    Object o;
    AnalyzeWordXml(head + body + "</w:p></w:body></w:wordDocument>", o);
    EXPECT_TRUE(Codes(o).contains("dde_field")) << body;
  }
  Object prose;
  AnalyzeWordXml(head + "<w:r><w:t>No DDE links here, nor DDEAUTO fields.</w:t></w:r></w:p></w:body></w:wordDocument>", prose);
  EXPECT_FALSE(Codes(prose).contains("dde_field"));
  // From the second review: a package-looking ZIP whose program sits under media/, a DDE formula
  // in a CSV cell that is not the line's first, OneNote file headers claiming 2^64 bytes each.
  std::filesystem::create_directories(d / "x/media");
  WriteFile(d / "x/media/Invoice.pdf.exe", "MZ program");
  ASSERT_TRUE(Shell("cd " + Q(d.str()) + " && zip -q media.zip '[Content_Types].xml' x/media/Invoice.pdf.exe"));
  EXPECT_STREQ(VerdictOf(ScoreOf(InspectFile(d / "media.zip"))), "malicious");
  EXPECT_TRUE(Codes(InspectObject("list.csv", "name,total\nx,=cmd|' /c calc'!A0\n", {}, ScanOptions{})).contains("dde_formula"));
  std::string one = std::string("\xE4\x52\x5C\x7B\x8C\xD8\xA7\x4D\xAE\xB1\x53\x78\xD0\x29\x96\xD3", 16);
  for (int i = 0; i < 300; ++i) {
    one += std::string("\xE7\x16\xE3\xBD\x65\x26\x11\x45\xA4\xC4\x8D\x4D\x0B\x7A\x9E\xAC", 16) + std::string(8, '\xFF') + std::string(12, '\0');
  }
  one += std::string(1 << 16, 'A');
  const auto files = OneNoteFiles(one);
  EXPECT_EQ(files.size(), 1u) << "each file is skipped past, not read again from the next header inside it";
}

// ZipCrypto checks a password with one byte of its header: one wrong password in 256 passes it.
// Ten stored archives (no deflate stream to fail on garbage) and fifty wrong passwords each
// (about two passes expected): none may count as opened, and the right password opens each.
TEST(Inspect, WrongZipCryptoPasswordsThatPassTheCheckByteDoNotOpen) {
  TempDir d;
  std::vector<std::string> wrong;
  for (int i = 0; i < 50; ++i) wrong.push_back("wrong-" + std::to_string(i * 7919));
  for (int k = 0; k < 10; ++k) {
    WriteFile(d / ("f" + std::to_string(k) + ".txt"), std::string(2000 + k * 37, static_cast<char>('a' + k)));
    const std::string zip = "z" + std::to_string(k) + ".zip";
    ASSERT_TRUE(Shell("cd " + Q(d.str()) + " && zip -q -0 -P right-" + std::to_string(k) + " " + zip + " f" + std::to_string(k) + ".txt"));
    const std::string bytes = ReadFile(d / zip);
    const ArchiveResult bad = ReadArchive(bytes, wrong, ArchiveLimits{});
    EXPECT_TRUE(bad.password.empty()) << zip << " 'opened' with " << bad.password;
    std::vector<std::string> with_right = wrong;
    with_right.push_back("right-" + std::to_string(k));
    with_right.erase(with_right.begin());  // 50 in all: the right one is the last tried
    EXPECT_EQ(ReadArchive(bytes, with_right, ArchiveLimits{}).password, "right-" + std::to_string(k)) << zip;
  }
}

// A shell link as Windows writes one (MS-SHLLINK): LinkInfo with a local base path, Unicode
// arguments, shown minimised.
std::string MakeLnk(const std::string& target, const std::string& args) {
  const auto u32 = [](uint32_t v) { return std::string{char(v), char(v >> 8), char(v >> 16), char(v >> 24)}; };
  const auto u16 = [](uint16_t v) { return std::string{char(v), char(v >> 8)}; };
  std::string h = u32(0x4C) + std::string("\x01\x14\x02\x00\x00\x00\x00\x00\xC0\x00\x00\x00\x00\x00\x00\x46", 16) +
                  u32(0x02 | 0x20 | 0x80) + u32(0x20) + std::string(24, '\0') + u32(0) + u32(0) + u32(7) + std::string(12, '\0');
  const std::string volume = u32(0x11) + u32(3) + u32(0x1234) + u32(0x10) + std::string(1, '\0');
  const uint32_t base_off = 0x1C + static_cast<uint32_t>(volume.size());
  const std::string base = target + std::string(1, '\0');
  const std::string suffix(1, '\0');
  const uint32_t size = base_off + static_cast<uint32_t>(base.size() + suffix.size());
  std::string info = u32(size) + u32(0x1C) + u32(1) + u32(0x1C) + u32(base_off) + u32(0) +
                     u32(base_off + static_cast<uint32_t>(base.size())) + volume + base + suffix;
  std::string a16;
  for (char c : args) a16 += std::string{c, '\0'};
  return h + info + u16(static_cast<uint16_t>(args.size())) + a16 + u32(0);
}

TEST(Inspect, ShortcutsNotebooksAndPackagesAreOpened) {
  const std::string lnk = MakeLnk("C:\\Windows\\System32\\cmd.exe", "/c powershell -w hidden -enc SQBFAFgA");
  const LnkInfo l = ReadLnk(lnk);
  ASSERT_TRUE(l.lnk);
  EXPECT_EQ(l.target, "C:\\Windows\\System32\\cmd.exe");
  EXPECT_EQ(l.arguments, "/c powershell -w hidden -enc SQBFAFgA");
  EXPECT_EQ(l.show_command, 7u);
  EXPECT_TRUE(l.error.empty()) << l.error;
  // Named as a PDF: a shortcut all the same, and one that runs a command.
  const Object o = InspectObject("請求書.pdf", lnk, {}, ScanOptions{});
  EXPECT_EQ(o.type, "lnk");
  EXPECT_TRUE(Codes(o).contains("lnk_file"));
  EXPECT_TRUE(Codes(o).contains("lnk_runs_command"));
  EXPECT_STREQ(VerdictOf(ScoreOf(o)), "malicious");
  // Cut anywhere, it is read as far as it goes.
  for (std::size_t n = 0; n < lnk.size(); n += 7) (void)ReadLnk(lnk.substr(0, n));
  // One unpaired surrogate in the arguments (Windows runs such a command all the same): it
  // becomes U+FFFD, and the command around it is still read and judged.
  std::string odd = MakeLnk("C:\\Windows\\explorer.exe", "/c X powershell -w hidden -enc SQBFAFgA");
  const std::size_t x = odd.find(std::string("X\0", 2));
  ASSERT_NE(x, std::string::npos);
  odd.replace(x, 2, std::string("\x00\xD8", 2));
  EXPECT_EQ(ReadLnk(odd).arguments, "/c \xEF\xBF\xBD powershell -w hidden -enc SQBFAFgA");
  EXPECT_TRUE(Codes(InspectObject("invoice.lnk", odd, {}, ScanOptions{})).contains("lnk_runs_command"));
  // A OneNote section carrying a program.
  const std::string one = std::string("\xE4\x52\x5C\x7B\x8C\xD8\xA7\x4D\xAE\xB1\x53\x78\xD0\x29\x96\xD3", 16) + std::string(64, '\0') +
                          std::string("\xE7\x16\xE3\xBD\x65\x26\x11\x45\xA4\xC4\x8D\x4D\x0B\x7A\x9E\xAC", 16) +
                          std::string("\x0A\x00\x00\x00\x00\x00\x00\x00", 8) + std::string(12, '\0') + "MZ program" + std::string(8, '\0');
  const Object note = InspectObject("meeting.one", one, {}, ScanOptions{});
  EXPECT_EQ(note.type, "onenote");
  ASSERT_EQ(note.children.size(), 1u);
  EXPECT_EQ(note.children[0].type, "pe");
  EXPECT_STREQ(VerdictOf(ScoreOf(note)), "malicious");
  // An OLE package stream: label, original path, the file.
  std::string pkg = std::string("\0\0\0\0\x02\x00", 6) + "doc.lnk" + std::string(1, '\0') + "C:\\tmp\\doc.lnk" + std::string(1, '\0') +
                    std::string("\x00\x00\x03\x00", 4) + std::string("\x03\x00\x00\x00", 4) + "a:\\" +
                    std::string("\x04\x00\x00\x00", 4) + "DATA";
  EmbeddedFile f;
  ASSERT_TRUE(ReadOle10Native(pkg, f));
  EXPECT_EQ(f.name, "doc.lnk");
  EXPECT_EQ(f.data, "DATA");
  EXPECT_FALSE(ReadOle10Native(pkg.substr(0, pkg.size() - 2), f));
  // The same package as an RTF's OLE1 object (\objdata in hex): the shortcut inside is found.
  const std::string native = pkg.substr(4);
  const auto u32 = [](uint32_t v) { return std::string{char(v), char(v >> 8), char(v >> 16), char(v >> 24)}; };
  const std::string ole1 = u32(0x0501) + u32(2) + u32(8) + std::string("Package\0", 8) + u32(0) + u32(0) +
                           u32(static_cast<uint32_t>(native.size())) + native;
  std::string hex;
  for (unsigned char c : ole1) {
    static const char* const kHex = "0123456789abcdef";
    hex += kHex[c >> 4];
    hex += kHex[c & 15];
  }
  const Object rtf = InspectObject("report.rtf", "{\\rtf1{\\object\\objemb{\\*\\objdata " + hex + "}}}", {}, ScanOptions{});
  EXPECT_EQ(rtf.type, "rtf");
  ASSERT_EQ(rtf.children.size(), 1u);
  EXPECT_EQ(rtf.children[0].name, "doc.lnk");
  EXPECT_TRUE(Codes(rtf).contains("lnk_file"));
  // Control words and destinations inside the hex ({\\*\\x}, \\par with a parameter) do not break it.
  const std::string spliced = hex.substr(0, 16) + "{\\*\\x}\\par12 " + hex.substr(16);
  const Object rtf2 = InspectObject("report.rtf", "{\\rtf1{\\object{\\*\\objdata " + spliced + "}}}", {}, ScanOptions{});
  EXPECT_TRUE(Codes(rtf2).contains("lnk_file"));
  // The shared Word and PowerPoint files that carry a shortcut in an OLE package (PowerPoint
  // 97-2003 keeps it zlib-compressed in an ExOleObjStg record of its document stream).
  for (const char* s : {"oletools-tests/tests/test-data/oleobj/sample_with_lnk_file.doc",
                        "oletools-tests/tests/test-data/oleobj/sample_with_lnk_file.ppt"}) {
    const Object doc = InspectFile(Maldoc(s));
    EXPECT_TRUE(Codes(doc).contains("embedded_file")) << s;
    EXPECT_TRUE(Codes(doc).contains("lnk_file")) << s;
  }
}

TEST(Inspect, YaraRulesRunOnEveryObject) {
  TempDir d;
  std::filesystem::create_directories(d / "rules");
  WriteFile(d / "rules/marker.yar",
            "rule Keikai_Test_Marker {\n  meta:\n    score = 90\n  strings:\n    $a = \"KEIKAI-YARA-MARKER\"\n  condition:\n    $a\n}\n");
  std::vector<std::string> errors;
  const auto rules = YaraRules::Compile(d / "rules", errors);
  ASSERT_NE(rules, nullptr) << (errors.empty() ? "" : errors[0]);
  EXPECT_EQ(rules->rules(), 1u);
  // Inside a password ZIP whose password the test gives: the entry matches.
  WriteFile(d / "note.txt", "hello KEIKAI-YARA-MARKER bye");
  ASSERT_TRUE(Shell("cd " + Q(d.str()) + " && zip -q -P pw99 m.zip note.txt"));
  ScanOptions o;
  o.yara = rules.get();
  const Object z = InspectObject("m.zip", ReadFile(d / "m.zip"), {"pw99"}, o);
  EXPECT_TRUE(Codes(z).contains("yara_match"));
  EXPECT_STREQ(VerdictOf(ScoreOf(z)), "malicious");
  // A string matched more often than libyara counts (padding that could defeat a rule): the
  // scan says it did not finish, in the reader's language.
  WriteFile(d / "rules/padding.yar", "rule Keikai_Test_Padding {\n  strings:\n    $a = \"a\"\n  condition:\n    #a > 5\n}\n");
  const auto two = YaraRules::Compile(d / "rules", errors);
  ASSERT_NE(two, nullptr) << (errors.empty() ? "" : errors[0]);
  ScanOptions po;
  po.yara = two.get();
  const std::string padded(1'100'000, 'a');
  const auto incomplete = [](const Object& x) {
    for (const Finding& f : x.findings) {
      if (f.code == "yara_incomplete") return f.detail;
    }
    return std::string("(none)");
  };
  EXPECT_EQ(incomplete(InspectObject("pad.txt", padded, {}, po)), "too many matches of a string");
  SetLang(Lang::kJa);
  const Object ja = InspectObject("pad.txt", padded, {}, po);
  SetLang(Lang::kEn);
  EXPECT_EQ(incomplete(ja), "文字列の一致が多すぎて打ち切られました");
  // A broken rule: its file and line (libyara names the line where the rule ends).
  errors.clear();
  std::filesystem::create_directories(d / "bad");
  WriteFile(d / "bad/broken.yara", "rule broken {\n  condition:\n    $nope\n}\n");
  EXPECT_EQ(YaraRules::Compile(d / "bad", errors), nullptr);
  ASSERT_FALSE(errors.empty());
  EXPECT_NE(errors[0].find("broken.yara:"), std::string::npos) << errors[0];
  EXPECT_NE(errors[0].find("undefined string"), std::string::npos) << errors[0];
  Outcome cli = Exec("mail scan --yara " + Q(d / "bad") + " " + Q(d / "note.txt"));
  EXPECT_EQ(cli.code, 2);
  EXPECT_NE(cli.out.find("broken.yara:"), std::string::npos) << cli.out;
}

// A workbook with a VBA project that xlsxwriter (Debian python3-xlsxwriter) writes at test time
// around the shared sample's vbaProject.bin, and the same in a password ZIP whose password is in
// an ISO-2022-JP body.
TEST(Inspect, XlsxwriterWorkbookWithAVbaProject) {
  TempDir d;
  const std::string py = std::filesystem::exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
  if (!Shell(py + " -c 'import xlsxwriter'")) GTEST_SKIP() << "python3-xlsxwriter is not installed";
  ASSERT_TRUE(Shell("cd " + Q(d.str()) + " && unzip -q -o " + Q(Maldoc("generated/with_vba.xlsm")) + " xl/vbaProject.bin"));
  WriteFile(d / "make.py",
            "import sys, xlsxwriter\n"
            "wb = xlsxwriter.Workbook(sys.argv[1] + '/book.xlsm')\n"
            "ws = wb.add_worksheet()\n"
            "ws.write_row(0, 0, [1, 2, 3])\n"
            "wb.add_vba_project(sys.argv[1] + '/xl/vbaProject.bin')\n"
            "wb.close()\n");
  ASSERT_TRUE(Shell(py + " " + Q(d / "make.py") + " " + Q(d.str())));
  const Object book = InspectFile(d / "book.xlsm");
  EXPECT_EQ(book.type, "ooxml");
  EXPECT_TRUE(Codes(book).contains("vba_macros"));
  EXPECT_STREQ(VerdictOf(ScoreOf(book)), "suspicious");
  ASSERT_TRUE(Shell("cd " + Q(d.str()) + " && zip -q -P 'Kz729xQ' book.zip book.xlsm"));
  WriteFile(d / "mail.py",
            "import sys, email.message\n"
            "m = email.message.EmailMessage()\n"
            "m['From'] = 'a@example.co.jp'; m['To'] = 'b@example.jp'; m['Subject'] = '請求書'\n"
            "m.set_content('請求書を添付します。\\n【解凍パスワード】Ｋｚ７２９ｘＱ\\n', charset='iso-2022-jp')\n"
            "m.add_attachment(open(sys.argv[1] + '/book.zip', 'rb').read(), maintype='application', subtype='zip', filename='請求書.zip')\n"
            "open(sys.argv[1] + '/m.eml', 'wb').write(bytes(m))\n");
  ASSERT_TRUE(Shell(py + " " + Q(d / "mail.py") + " " + Q(d.str())));
  Outcome r = Exec("mail scan --format json " + Q(d / "m.eml"));
  EXPECT_EQ(r.code, 1) << r.out.substr(0, 2000);
  const auto j = nlohmann::json::parse(r.out.substr(r.out.find('{')), nullptr, false);
  ASSERT_TRUE(j.is_object());
  std::set<std::string> codes;
  for (const auto& x : j["messages"][0]["reasons"]) codes.insert(x["code"].get<std::string>());
  EXPECT_TRUE(codes.contains("encrypted_archive_opened")) << j.dump(1).substr(0, 2000);
  EXPECT_TRUE(codes.contains("vba_macros"));
}

// The VBA limits (projects, modules, source) are said as a finding when they cut, never silently:
// the unread module could hold the macro that decides. Small limits on the shared sample's
// project stand for a file with more than the real ones.
TEST(Inspect, VbaBeyondTheLimitsIsAFinding) {
  TempDir d;
  ASSERT_TRUE(Shell("cd " + Q(d.str()) + " && unzip -q -o " + Q(Maldoc("generated/with_vba.xlsm")) + " xl/vbaProject.bin"));
  const std::string bin = ReadFile(d / "xl/vbaProject.bin");
  Cfb cfb;
  std::string error;
  ASSERT_TRUE(cfb.Open(bin, error)) << error;
  bool more = false;
  const std::vector<VbaProject> all = ReadVbaProjects(cfb, VbaLimits{}, &more);
  ASSERT_EQ(all.size(), 1u);
  ASSERT_GE(all[0].modules.size(), 2u);
  EXPECT_FALSE(all[0].cut);
  EXPECT_FALSE(more);
  Object whole;
  AnalyzeOle(cfb, whole);
  EXPECT_FALSE(Codes(whole).contains("vba_limit"));
  // Fewer modules than the project has.
  VbaLimits few;
  few.modules = 1;
  const std::vector<VbaProject> cut = ReadVbaProjects(cfb, few);
  ASSERT_EQ(cut.size(), 1u);
  EXPECT_EQ(cut[0].modules.size(), 1u);
  EXPECT_TRUE(cut[0].cut);
  Object o;
  AnalyzeOle(cfb, o, nullptr, few);
  EXPECT_TRUE(Codes(o).contains("vba_limit"));
  EXPECT_TRUE(Codes(o).contains("vba_macros"));  // what was read is still judged
  // Less source than the project has.
  VbaLimits small;
  small.source_bytes = 16;
  EXPECT_TRUE(ReadVbaProjects(cfb, small)[0].cut);
  // No project at all read.
  VbaLimits none;
  none.projects = 0;
  more = false;
  EXPECT_TRUE(ReadVbaProjects(cfb, none, &more).empty());
  EXPECT_TRUE(more);
  Object p;
  AnalyzeOle(cfb, p, nullptr, none);
  EXPECT_TRUE(Codes(p).contains("vba_limit"));
  // The compound file's own limits: entries not listed are a finding too.
  EXPECT_FALSE(cfb.cut());
  EXPECT_FALSE(Codes(whole).contains("cfb_limit"));
  for (const CfbLimits& lim : {CfbLimits{0, 1u << 20}, CfbLimits{32, 8}}) {
    Cfb shallow;
    ASSERT_TRUE(shallow.Open(bin, error, lim)) << error;
    EXPECT_TRUE(shallow.cut());
    EXPECT_LT(shallow.entries().size(), cfb.entries().size());
    Object s;
    AnalyzeOle(shallow, s);
    EXPECT_TRUE(Codes(s).contains("cfb_limit"));
  }
}

// MIME as Japanese mail arrives: a Shift_JIS body with the password, a forwarded message
// (message/rfc822) carrying the archive; nesting beyond --max-depth; a RAR5 archive whose headers
// are encrypted (written byte by byte: no RAR writer is free software).
TEST(Inspect, ShiftJisForwardedMessagesNestingAndRar5) {
  TempDir d;
  WriteFile(d / "invoice.txt", "total 1,000 JPY\n");
  ASSERT_TRUE(Shell("cd " + Q(d.str()) + " && zip -q -P Sj1s-Pw9 inner.zip invoice.txt"));
  WriteFile(d / "mail.py",
            "import sys, email.message\n"
            "d = sys.argv[1]\n"
            "fwd = email.message.EmailMessage()\n"
            "fwd['From'] = 'x@example.net'; fwd['Subject'] = '転送元'\n"
            "fwd.set_content('添付をご確認ください')\n"
            "fwd.add_attachment(open(d + '/inner.zip', 'rb').read(), maintype='application', subtype='zip', filename='明細.zip')\n"
            "m = email.message.EmailMessage()\n"
            "m['From'] = 'a@example.co.jp'; m['To'] = 'b@example.jp'; m['Subject'] = 'Fw: 明細'\n"
            "m.set_content('転送します。\\nパスワード：Sj1s-Pw9\\n', charset='shift_jis')\n"
            "m.add_attachment(fwd)\n"
            "open(d + '/fwd.eml', 'wb').write(bytes(m))\n");
  const std::string py = std::filesystem::exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
  ASSERT_TRUE(Shell(py + " " + Q(d / "mail.py") + " " + Q(d.str())));
  ASSERT_NE(ReadFile(d / "fwd.eml").find("message/rfc822"), std::string::npos);
  Outcome r = Exec("mail scan --format json " + Q(d / "fwd.eml"));
  EXPECT_EQ(r.code, 0) << r.out.substr(0, 2000);
  const auto j = nlohmann::json::parse(r.out.substr(r.out.find('{')), nullptr, false);
  ASSERT_TRUE(j.is_object());
  EXPECT_EQ(j["messages"][0]["passwords_found"], 1);
  bool opened = false;
  for (const auto& x : j["messages"][0]["reasons"]) opened = opened || x["code"] == "encrypted_archive_opened";
  EXPECT_TRUE(opened) << j.dump(1).substr(0, 2000);
  // ZIPs nested ten deep: beyond the depth read (3, the default 8) it is said, not silently cut.
  ASSERT_TRUE(Shell("cd " + Q(d.str()) + " && cp invoice.txt n0 && for i in 1 2 3 4 5 6 7 8 9 10; do zip -q n$i.zip n$((i-1))* && rm -f n$((i-1))*; done"));
  ScanOptions shallow;
  shallow.max_depth = 3;
  EXPECT_TRUE(Codes(InspectObject("n10.zip", ReadFile(d / "n10.zip"), {}, shallow)).contains("nesting_limit"));
  ScanOptions deep;
  deep.max_depth = 16;
  EXPECT_FALSE(Codes(InspectObject("n10.zip", ReadFile(d / "n10.zip"), {}, deep)).contains("nesting_limit"));
  EXPECT_TRUE(Codes(InspectObject("n10.zip", ReadFile(d / "n10.zip"), {}, ScanOptions{})).contains("nesting_limit"));  // 8
  // RAR5: signature, then a header block (CRC32, size, type 4 = archive encryption).
  const std::string rar5 = std::string("Rar!\x1A\x07\x01\x00", 8) + std::string("\x11\x22\x33\x44", 4) + "\x05" + "\x04" + std::string(16, '\0');
  const ArchiveResult ar = ReadArchive(rar5, {}, ArchiveLimits{});
  EXPECT_TRUE(ar.headers_encrypted);
  EXPECT_TRUE(Codes(InspectObject("docs.rar", rar5, {}, ScanOptions{})).contains("encrypted_archive_hidden_names"));
}

// Messages the test writes with Python's email package: (name, python expression building the
// message as `m`). The attachments come from files in the test's directory.
void WriteMessages(const std::string& dir) {
  const std::string py = R"PY(
import email.message, email.policy, sys, os
d = sys.argv[1]
def msg(subject, body, files=(), charset='utf-8', extra=None):
    m = email.message.EmailMessage()
    m['From'] = 'Tanaka <tanaka@example.co.jp>'
    m['To'] = 'keiri@example.jp'
    m['Subject'] = subject
    m['Message-ID'] = '<%s@example.co.jp>' % abs(hash(subject))
    for k, v in (extra or {}).items():
        m[k] = v
    m.set_content(body, charset=charset)
    for f, shown in files:
        m.add_attachment(open(os.path.join(d, f), 'rb').read(), maintype='application', subtype='octet-stream', filename=shown)
    return bytes(m)
open(os.path.join(d, 'ppap.eml'), 'wb').write(msg('請求書の送付', '請求書を送付いたします。\nパスワード：ｓｅｃｒｅｔ１２３\n', [('ppap.zip', '請求書.zip')], 'iso-2022-jp'))
open(os.path.join(d, 'dropper.eml'), 'wb').write(msg('見積書', 'ご確認ください。\n解凍パスワード: secret123\n', [('dropper.zip', '見積書.zip')]))
open(os.path.join(d, 'nopw.eml'), 'wb').write(msg('資料', 'パスワードは別途お送りします。', [('ppap.zip', '資料.zip')]))
first = msg('Re: 打ち合わせの件', '資料を添付します。パスワードは別メールでお送りします。', [('ppap.zip', '資料.zip')],
            extra={'In-Reply-To': '<x@example.co.jp>'})
second = msg('パスワードのお知らせ', '先ほどのファイルのパスワードは以下の通りです。\n\nsecret123\n')
with open(os.path.join(d, 'box.mbox'), 'wb') as f:
    for m in (first, second):
        f.write(b'From tanaka@example.co.jp Mon Dec  1 10:00:00 2026\n' + m.replace(b'\nFrom ', b'\n>From ') + b'\n')
open(os.path.join(d, 'hidden.eml'), 'wb').write(msg('docs', 'password: secret123', [('hidden.7z', 'docs.7z')]))
open(os.path.join(d, 'macro.eml'), 'wb').write(msg('Re: order', 'see the file', [('macro.zip', 'order.zip')],
    extra={'Reply-To': 'x@mail.example.net'}))
open(os.path.join(d, 'bomb.eml'), 'wb').write(msg('logs', 'logs attached', [('bomb.zip', 'logs.zip')]))
)PY";
  WriteFile(dir + "/make.py", py);
  ASSERT_TRUE(Shell("python3 " + Q(dir + "/make.py") + " " + Q(dir)));
}

class MailScan : public ::testing::Test {
 protected:
  void SetUp() override {
    WriteFile(d / "invoice.txt", "Invoice 2026-12 total 120,000 JPY\n");
    WriteFile(d / "請求書.pdf.exe", "MZ\x90\x00 not really a program");
    std::filesystem::copy_file(Maldoc("oletools-tests/tests/test-data/excel4-macros/excel4_sample_macro.xlsm"), d / "order.xlsm");
    ASSERT_TRUE(Shell("cd " + Q(d.str()) + " && zip -q -P secret123 ppap.zip invoice.txt"));
    ASSERT_TRUE(Shell("cd " + Q(d.str()) + " && zip -q -P secret123 dropper.zip 請求書.pdf.exe"));
    ASSERT_TRUE(Shell("cd " + Q(d.str()) + " && 7z a -psecret999 -mhe=on hidden.7z invoice.txt"));
    ASSERT_TRUE(Shell("cd " + Q(d.str()) + " && zip -q inner.zip order.xlsm && zip -q macro.zip inner.zip"));
    ASSERT_TRUE(Shell("cd " + Q(d.str()) + " && head -c 150000000 /dev/zero > zeros.bin && zip -q -9 bomb.zip zeros.bin && rm zeros.bin"));
    WriteMessages(d.str());
  }
  nlohmann::json Scan(const std::string& file, int expect_code) {
    Outcome r = Exec("mail scan --format json " + Q(d / file));
    EXPECT_EQ(r.code, expect_code) << file << ": " << r.out.substr(0, 3000);
    const auto j = nlohmann::json::parse(r.out.substr(r.out.find('{')), nullptr, false);
    EXPECT_TRUE(j.is_object()) << r.out.substr(0, 2000);
    return j;
  }
  static std::set<std::string> ReasonCodes(const nlohmann::json& m) {
    std::set<std::string> s;
    for (const auto& r : m["reasons"]) s.insert(r["code"].get<std::string>());
    return s;
  }
  TempDir d;
};

TEST_F(MailScan, PasswordZipWithItsPasswordInTheBodyIsOpenedAndJudgedByItsContents) {
  // PPAP: the ISO-2022-JP body gives the full-width password; the invoice inside is clean.
  auto j = Scan("ppap.eml", 0);
  const auto& m = j["messages"][0];
  EXPECT_EQ(m["verdict"], "clean") << m.dump(1);
  EXPECT_EQ(m["subject"], "請求書の送付");
  EXPECT_EQ(m["passwords_found"], 1);
  EXPECT_TRUE(ReasonCodes(m).contains("encrypted_archive_opened"));
  const auto& zip = m["objects"]["children"][0];
  EXPECT_EQ(zip["name"], "請求書.zip");
  EXPECT_EQ(zip["children"][0]["name"], "invoice.txt");
  EXPECT_EQ(zip["children"][0]["sha256"].get<std::string>().size(), 64u);
  // The same habit carrying a program behind a document's name.
  j = Scan("dropper.eml", 3);
  EXPECT_EQ(j["messages"][0]["verdict"], "malicious");
  EXPECT_TRUE(ReasonCodes(j["messages"][0]).contains("double_extension"));
  EXPECT_TRUE(ReasonCodes(j["messages"][0]).contains("pe_executable"));
  // No password in the mail: it cannot be looked into.
  j = Scan("nopw.eml", 1);
  EXPECT_EQ(j["messages"][0]["verdict"], "suspicious");
  EXPECT_TRUE(ReasonCodes(j["messages"][0]).contains("encrypted_archive_no_password"));
}

TEST_F(MailScan, PasswordInALaterMailOfTheSameMailbox) {
  auto j = Scan("box.mbox", 0);
  ASSERT_EQ(j["messages"].size(), 2u);
  EXPECT_EQ(j["messages"][0]["source"].get<std::string>().substr(j["messages"][0]["source"].get<std::string>().size() - 2), "#1");
  EXPECT_EQ(j["messages"][0]["verdict"], "clean") << j["messages"][0].dump(1);
  EXPECT_TRUE(ReasonCodes(j["messages"][0]).contains("encrypted_archive_opened"));
  EXPECT_EQ(j["messages"][1]["verdict"], "clean");
  EXPECT_EQ(j["summary"]["messages"], 2);
}

TEST_F(MailScan, HiddenNamesNestedMacrosAndABomb) {
  auto j = Scan("hidden.eml", 1);  // 7z -mhe=on with another password than the body's
  EXPECT_TRUE(ReasonCodes(j["messages"][0]).contains("encrypted_archive_hidden_names")) << j.dump(1).substr(0, 2000);
  j = Scan("macro.eml", 3);  // an XLM workbook in a ZIP in a ZIP, a reply without a thread
  const auto& m = j["messages"][0];
  EXPECT_EQ(m["verdict"], "malicious");
  EXPECT_TRUE(ReasonCodes(m).contains("xlm_auto_open"));
  EXPECT_TRUE(ReasonCodes(m).contains("reply_without_thread"));
  EXPECT_TRUE(ReasonCodes(m).contains("reply_to_elsewhere"));
  bool path_named = false;
  for (const auto& r : m["reasons"]) path_named = path_named || r["object"] == "order.zip > inner.zip > order.xlsm";
  EXPECT_TRUE(path_named) << m["reasons"].dump(1);
  j = Scan("bomb.eml", 1);  // 150 MB of zeros in 150 KB
  EXPECT_TRUE(ReasonCodes(j["messages"][0]).contains("archive_bomb")) << j.dump(1).substr(0, 2000);
}

TEST_F(MailScan, TextInBothLanguagesAndErrors) {
  Outcome en = Exec("--lang en mail scan " + Q(d / "dropper.eml") + " " + Q(d / "ppap.eml"));
  EXPECT_EQ(en.code, 3);
  EXPECT_NE(en.out.find("MALICIOUS"), std::string::npos) << en.out;
  EXPECT_NE(en.out.find("double extension"), std::string::npos) << en.out;
  EXPECT_NE(en.out.find("2 message(s): 1 clean, 0 suspicious, 1 malicious, 0 error(s)"), std::string::npos) << en.out;
  Outcome ja = Exec("--lang ja mail scan " + Q(d / "dropper.eml"));
  EXPECT_NE(ja.out.find("危険"), std::string::npos) << ja.out;
  EXPECT_NE(ja.out.find("二重拡張子"), std::string::npos) << ja.out;
  EXPECT_NE(ja.out.find("パスワードで開きました"), std::string::npos) << ja.out;  // notes in Japanese too
  EXPECT_EQ(ja.out.find("opened with"), std::string::npos) << ja.out;
  Outcome missing = Exec("mail scan " + Q(d / "none.eml"));
  EXPECT_EQ(missing.code, 2);
  EXPECT_NE(missing.out.find("none.eml"), std::string::npos);
  // A directory (a Maildir's cur/ and new/) is every message in it, and one mailbox: the password
  // in one file opens the archive of another.
  std::filesystem::create_directories(d / "Maildir/cur");
  std::filesystem::create_directories(d / "Maildir/new");
  std::filesystem::copy_file(d / "ppap.eml", d / "Maildir/cur/1.eml");
  std::filesystem::copy_file(d / "nopw.eml", d / "Maildir/new/2.eml");
  auto j = Scan("Maildir", 0);
  EXPECT_EQ(j["summary"]["messages"], 2);
  EXPECT_EQ(j["summary"]["clean"], 2);
  EXPECT_TRUE(ReasonCodes(j["messages"][1]).contains("encrypted_archive_opened")) << j["messages"][1].dump(1).substr(0, 2000);
}

}  // namespace
}  // namespace keikai::inspect
