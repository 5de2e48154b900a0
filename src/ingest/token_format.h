#pragma once
// Internal to src/ingest/: the compiled form shared by nginx log_format and Apache LogFormat
// strings -- a sequence of literals and variables, matched left to right in one pass.

#include <memory>
#include <string>
#include <vector>

#include "keikai/ingest/format.h"

namespace keikai::ingest {

enum class Var : uint8_t {
  kIgnore,
  kRemoteAddr,
  kPeerAddr,
  kRemoteUser,
  kTimeLocal,   // 10/Oct/2000:13:55:36 -0700
  kTimeIso,     // 2000-10-10T13:55:36-07:00
  kTimeEpoch,   // 971211336.123
  kTimeEpochMs, // Apache %{msec}t
  kTimeStrf,    // Apache %{<strftime>}t
  kRequest,     // "GET /x HTTP/1.1"
  kMethod,
  kUri,         // path only ($uri, %U)
  kRequestUri,  // path and query ($request_uri)
  kArgs,        // query ($args); Apache %q includes the leading '?'
  kProtocol,
  kStatus,
  kBytes,
  kReferer,
  kUserAgent,
  kHost,
  kVhost,
  kXff,
};

struct Token {
  bool literal = false;
  std::string text;    // literal text, or the variable's name for messages
  Var var = Var::kIgnore;
  std::string strf;    // for kTimeStrf
};

std::unique_ptr<LineParser> MakeTokenParser(std::string name, std::vector<Token> tokens);

// Undoes nginx's and Apache's log escaping of a text field into out; false (out untouched) when
// v has no backslash, so nothing is copied on the common path.
bool UnescapeLogField(std::string_view v, std::string& out);

}  // namespace keikai::ingest
