#pragma once
// `keikai mail scan`: messages (.eml files, mbox files, Maildir folders) parsed with GMime, their
// parts and attachments inspected (inspect_object), passwords from the bodies tried on encrypted
// archives (also those of a later mail in the same mailbox: the "password follows in a separate
// mail" habit), reply-chain hijack signs in the headers, and a verdict per message.
//
// Thread-safety: a MailScanner is used by one thread; GMime is initialised once per process.
#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "keikai/inspect/archive.h"
#include "keikai/inspect/object.h"
#include "keikai/inspect/yara.h"

namespace keikai::inspect {

struct ScanOptions {
  ArchiveLimits limits;
  int max_depth = 8;                         // archives in archives in messages
  std::vector<std::string> extra_passwords;  // --password: tried on every encrypted archive
  const YaraRules* yara = nullptr;           // --yara: run on every object
  // When set, objects met after it are not inspected (finding scan_timeout): the milter's limit.
  std::chrono::steady_clock::time_point deadline{};
};

struct MessageVerdict {
  std::string source;        // the file, with "#N" for the Nth message of an mbox (from 1)
  std::string message_id, subject, from, date;
  Object root;               // type "message"
  int score = 0;
  std::string verdict;       // clean, suspicious, malicious
  std::vector<std::string> passwords;  // found in this message's text
  std::string error;         // the message could not be parsed (verdict then "error")
};

// What one message may cost, over all its attachments and what they contain: bytes expanded from
// archives and objects inspected (42.zip's 16^4 archives of 512 MiB stop here, as a finding).
struct Budget {
  uint64_t bytes = 2ull << 30;
  uint64_t objects = 20'000;
};

// Inspects one object's bytes (an attachment, an archive entry) and what it contains; budget null
// = a budget of its own.
Object InspectObject(const std::string& name, std::string_view data, const std::vector<std::string>& passwords,
                     const ScanOptions& o, int depth = 0, Budget* budget = nullptr);

// The messages of a path: a file of one message, an mbox (detected by its "From " line), or a
// Maildir (cur/ and new/) or any directory of message files. `each` gets every verdict in order.
// Returns false with why when the path cannot be read at all.
bool ScanPath(const std::string& path, const ScanOptions& o, const std::function<void(MessageVerdict&&)>& each,
              std::string& error);

// The messages of bytes (one message, or an mbox when they start with "From "), named source.
void ScanBytes(std::string_view data, const std::string& source, const ScanOptions& o,
               const std::function<void(MessageVerdict&&)>& each);

// Whether an object tree has an encrypted archive that did not open (no password found, or
// names hidden): such a message may be judged again when a password comes later.
bool Unopened(const Object& o);

// The SHA-256 of bytes, in hex.
std::string Sha256Hex(std::string_view data);

}  // namespace keikai::inspect
