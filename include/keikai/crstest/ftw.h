#pragma once
// The CRS regression runner (a tool of its own, outside the core library; namespace crstest): reads go-ftw YAML test files (CRS 4's format with expect_ids /
// no_expect_ids, and CRS 3's older stage/log_contains format), rebuilds each stage's request
// the way go-ftw sends it (Content-Type and url-encoding of `data`, CRLF in multipart bodies,
// Content-Length and Connection headers, or the raw bytes of encoded_request/raw_request), runs
// it through the rule engine and checks the expectations an engine can answer: rule ids in the
// log (expect_ids, no_expect_ids, log_contains / no_log_contains and match_regex against a
// ModSecurity-style log line per matched rule). Expectations about the web server's response
// alone (status, response_contains) are counted as not applicable, never as passed.
//
// Overrides (a go-ftw overrides YAML: test_overrides with rule_id, test_ids, reason, and output
// or expect_failure) are applied and reported with their reasons.

#include <string>
#include <string_view>
#include <vector>

#include "keikai/core/status.h"
#include "keikai/rules/engine.h"

namespace keikai::crstest {

struct FtwOptions {
  std::vector<std::string> rule_files;  // crs-setup and rules, in order
  std::string prelude;                  // SecLang before the rule files (engine config + test setup)
  std::string tests_dir;                // searched recursively for *.yaml
  std::string overrides_file;           // optional
  std::string only;                     // run only files whose name contains this
  std::string cache_dir;                // compiled prefilter databases ("" = none)
};

// Why one test failed (the first failing stage).
struct FtwFailure {
  std::string file;                 // the YAML file's name
  std::string test;                 // "942100-3"
  std::vector<int> missing;         // expected ids not logged
  std::vector<int> unexpected;      // logged ids the test said must not be
  std::vector<std::string> missing_patterns, unexpected_patterns;  // log regexes
  std::vector<int> matched;         // every logged id of that stage
  std::string request_error;        // the stage's request could not be built
};

struct FtwSummary {
  std::vector<FtwFailure> failures;  // in file order
  std::vector<std::string> problems; // unreadable test or override files, bad log regexes:
                                     // "path: reason" (reason in the user's language where it is
                                     // keikai's; a YAML parser's own message as it is)
  int passed = 0;
  int failed = 0;
  int overridden = 0;      // tests whose expectations an override changed (counted in passed/failed)
  int ignored = 0;         // tests an override told to skip
  int not_applicable = 0;  // tests with only response expectations
  int files = 0;
  int load_errors = 0;     // YAML files that could not be read
};

// The CRS test setup (the README's rule 900005): detection only, paranoia 4, test limits.
std::string CrsTestSetup();

// Runs the tests of one go-ftw YAML document (its text; file names it in failures and
// problems) through ev. A document that is not YAML, or YAML of another shape, counts as a load
// error with its reason in sum.problems. RunFtw calls this for each file; so does the fuzz
// target.
void RunFtwDocument(std::string_view yaml, const std::string& file, rules::Evaluator& ev, FtwSummary& sum);

// Runs every test file. The caller prints the failures and the "N passed, N failed" line
// (keikai crs-test does, in the user's language).
Result<FtwSummary> RunFtw(const FtwOptions& options);

}  // namespace keikai::crstest
