// What a mail server says to a probe (mail/probe.h), as outside input: every line of the input
// judged as an SMTP, POP3 and IMAP reply. Invariants: SMTP "more" only for "NNN-" lines; an IMAP
// verdict other than "more" only for lines that start with the tag.
#include <cstdint>
#include <string_view>

#include "keikai/mail/probe.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using keikai::mail::Verdict;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  std::size_t pos = 0;
  while (pos <= in.size()) {
    std::size_t end = in.find('\n', pos);
    if (end == std::string_view::npos) end = in.size();
    const std::string_view line = in.substr(pos, end - pos);
    for (int want = 2; want <= 3; ++want) {
      if (keikai::mail::SmtpLine(line, want) == Verdict::kMore && (line.size() < 4 || line[3] != '-')) __builtin_trap();
    }
    (void)keikai::mail::Pop3Line(line);
    const Verdict v = keikai::mail::ImapLine(line, "k1");
    if ((v == Verdict::kOk || v == Verdict::kNo) && line.substr(0, 3) != "k1 ") __builtin_trap();
    pos = end + 1;
  }
  return 0;
}
