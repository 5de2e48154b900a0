#pragma once
// The mail kind's event classes (event/event.h): their storage ids, from 32 up. Append only.

#include <cstdint>

namespace keikai::mail {

constexpr uint8_t kClassAuthFailure = 32;     // "mail-auth-failure": a failed SMTP/IMAP/POP3 login
constexpr uint8_t kClassLostConnection = 33;  // "mail-lost-connection": dropped before finishing
// keikai milter's verdicts (its log, format "keikai-milter"): the client that sent the message.
constexpr uint8_t kClassMalicious = 34;       // "mail-malicious": a message judged malicious
constexpr uint8_t kClassSuspicious = 35;      // "mail-suspicious": a message judged suspicious
constexpr uint8_t kClassPpap = 36;            // "mail-ppap": an outbound password mail after its encrypted archive

}  // namespace keikai::mail
