#pragma once
// What `keikai mail scan` found: a tree of objects (the message, its parts, archives and their
// entries, documents and their macro projects), each with its SHA-256 and findings, and the
// verdict over all of them (issue 15).
//
// A finding has a stable code (JSON, tests), a score and a detail (the evidence: a file name, a
// keyword, a sheet); people read its translation ("inspect.finding.<code>").
#include <cstdint>
#include <string>
#include <vector>

namespace keikai::inspect {

struct Finding {
  std::string code;     // e.g. "vba_autoexec_and_execute", "encrypted_archive_no_password"
  int score = 0;        // 0 informational .. 100
  std::string detail;   // evidence, UTF-8
};

struct Object {
  std::string name;     // file name, part name or path inside its container (UTF-8)
  std::string type;     // message, part, zip, 7z, rar, ole, ooxml, xlm, vba, text, binary, ...
  uint64_t size = 0;
  std::string sha256;   // hex
  std::vector<Finding> findings;
  std::vector<Object> children;
  std::vector<std::string> notes;  // "opened with the password from the body", "limit: ..."
};

// Scores at or above these make the verdict.
constexpr int kSuspicious = 30, kMalicious = 70;

// The message's score: the highest finding's, plus a tenth of the others' (several weak signs add
// up, one strong sign decides), at most 100.
int ScoreOf(const Object& root);
// "clean", "suspicious", "malicious"
const char* VerdictOf(int score);

// A finding with the path of the object it is on ("invoice.zip > invoice.docm > Module1"; "" for
// the root), as a verdict's reasons are shown.
struct LocatedFinding {
  std::string path;
  const Finding* finding;
};
// Every finding of root and the objects below it, the highest score first (in tree order among
// equal scores). The pointers are into root.
std::vector<LocatedFinding> FindingsByScore(const Object& root);

}  // namespace keikai::inspect
