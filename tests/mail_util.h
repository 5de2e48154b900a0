#pragma once
// Messages for the mail gate's tests, written as a mail client writes them.
#include <cstdlib>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "cli_util.h"
#include "keikai/core/base64.h"
#include "test_util.h"

namespace keikai::testing {

struct Attachment {
  std::string name, data;
};

// Base64 in lines of 76 (RFC 2045), as SMTP carries it.
inline std::string Base64Lines(const std::string& data) {
  const std::string b = Base64(data);
  std::string out;
  for (std::size_t i = 0; i < b.size(); i += 76) out += b.substr(i, 76) + "\r\n";
  return out;
}

// A MIME message as a mail client writes one: a UTF-8 text body and base64 attachments.
inline std::string Mime(const std::string& from, const std::string& to, const std::string& subject, const std::string& body,
                 const std::vector<Attachment>& files = {}) {
  std::string m = "From: " + from + "\r\nTo: " + to + "\r\nSubject: =?UTF-8?B?" + Base64(subject) +
                  "?=\r\nMessage-ID: <" + std::to_string(std::hash<std::string>{}(subject + body)) +
                  "@example.co.jp>\r\nMIME-Version: 1.0\r\n";
  const std::string text = "Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n" + Base64Lines(body);
  if (files.empty()) return m + text;
  m += "Content-Type: multipart/mixed; boundary=\"b0\"\r\n\r\n--b0\r\n" + text;
  for (const Attachment& f : files) {
    m += "--b0\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"" + f.name +
         "\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" + Base64Lines(f.data);
  }
  return m + "--b0--\r\n";
}

// A password ZIP made by Info-ZIP's zip (ZipCrypto), as a user's archiver makes one.
inline std::string PasswordZip(const TempDir& d, const std::string& password) {
  WriteFile(d / "見積書.txt", "見積金額 120,000 円\n");
  EXPECT_EQ(std::system(("cd " + Q(d.str()) + " && zip -q -P " + password + " enc.zip 見積書.txt").c_str()), 0);
  return ReadFile(d / "enc.zip");
}

}  // namespace keikai::testing
