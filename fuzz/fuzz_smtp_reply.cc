// What an SMTP server says to the alert mailer (notify/smtp.h), as outside input: the input's
// lines go through ParseReplyLine as a reply would, and the whole input is searched for
// extensions as an EHLO reply. Invariants: a parsed code is 000-999 and the line starts with it;
// Offers finds an extension whose line is there in any case of letters.
#include <cstdint>
#include <string>
#include <string_view>

#include "notify/smtp.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  std::size_t pos = 0;
  while (pos <= in.size()) {
    std::size_t end = in.find('\n', pos);
    if (end == std::string_view::npos) end = in.size();
    std::string_view line = in.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    int code = -1;
    bool last = false;
    if (keikai::notify::ParseReplyLine(line, code, last)) {
      if (code < 0 || code > 999 || line.substr(0, 3) != std::to_string(1000 + code).substr(1)) __builtin_trap();
    }
    pos = end + 1;
  }
  std::string args;
  for (const char* ext : {"STARTTLS", "AUTH", "SIZE", "8BITMIME"}) {
    const bool found = keikai::notify::Offers(in, ext, &args);
    if (found && args.size() > in.size()) __builtin_trap();
  }
  const std::string known = std::string(in) + "\n250-starttls\n";
  if (!keikai::notify::Offers(known, "STARTTLS")) __builtin_trap();
  return 0;
}
