#pragma once
// The user's YARA rules (libyara), compiled once from a directory and run on every object the
// mail gate extracts: the attachments, archive entries, embedded files, VBA source. A rule's score
// is its meta "score" (0-100), else 70 (a rule the user wrote to catch something is a verdict).
//
// Thread-safety: Compile on one thread; Scan from up to 32 threads at once (libyara's limit).
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace keikai::inspect {

struct YaraMatch {
  std::string rule;   // "namespace:rule" (the namespace is the file's name)
  int score = 70;
};

class YaraRules {
 public:
  // Every *.yar and *.yara file under dir (not following links below 4 levels); null with the
  // errors ("file:line: message"; also unreadable files and a directory with no rule).
  static std::unique_ptr<YaraRules> Compile(const std::string& dir, std::vector<std::string>& errors);
  ~YaraRules();
  YaraRules(const YaraRules&) = delete;
  YaraRules& operator=(const YaraRules&) = delete;
  // The matching rules (at most 50), with a timeout of 10 s per scan. A scan that did not finish
  // (timeout, too many matches of a string, an error) is a match whose rule starts with "!" (the
  // caller makes it a finding: a rule may have been defeated).
  std::vector<YaraMatch> Scan(std::string_view data) const;
  std::size_t rules() const { return count_; }

 private:
  YaraRules() = default;
  void* rules_ = nullptr;  // YR_RULES*
  std::size_t count_ = 0;
};

}  // namespace keikai::inspect
