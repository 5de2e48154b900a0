// What an SMTP server offers in its EHLO reply (mail::SmtpOffers, shared by the alert mailer
// and the probes), as outside input: the whole input is searched for extensions. Invariants:
// arguments never longer than the input; an extension whose line is there (in any case of
// letters) is found, and one that is only a prefix of a longer keyword is not. (Reply lines
// themselves: fuzz_probe_reply.)
#include <cstdint>
#include <string>
#include <string_view>

#include "keikai/mail/probe.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  std::string args;
  for (const char* ext : {"STARTTLS", "AUTH", "SIZE", "8BITMIME"}) {
    if (keikai::mail::SmtpOffers(in, ext, &args) && args.size() > in.size()) __builtin_trap();
  }
  const std::string known = std::string(in) + "\n250-starttls\n";
  if (!keikai::mail::SmtpOffers(known, "STARTTLS")) __builtin_trap();
  if (in.find("250-STARTTLS ") == std::string_view::npos && in.find("STARTTLS") == std::string_view::npos &&
      keikai::mail::SmtpOffers(std::string(in) + "\n250-STARTTLSX\n", "STARTTLS") &&
      !keikai::mail::SmtpOffers(in, "STARTTLS")) {
    __builtin_trap();  // a longer keyword is not the extension
  }
  return 0;
}
