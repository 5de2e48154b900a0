#pragma once
// The mail kind's event classes (event/event.h): their storage ids, from 32 up. Append only.

#include <cstdint>

namespace keikai::mail {

constexpr uint8_t kClassAuthFailure = 32;     // "mail-auth-failure": a failed SMTP/IMAP/POP3 login
constexpr uint8_t kClassLostConnection = 33;  // "mail-lost-connection": dropped before finishing

}  // namespace keikai::mail
