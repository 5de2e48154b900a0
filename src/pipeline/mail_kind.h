#pragma once
// The mail kind: Postfix and Dovecot log lines (mail/log.h) -> events per client: every line
// that names a client is an event of its site; authentication failures and connections lost or
// given up before authenticating are attack events of the mail classes (mail/classes.h), with a
// finding each. A small reader that proves the event pipeline; the mail monitor extends it.

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "keikai/mail/log.h"
#include "pipeline/context.h"

namespace keikai::pipeline {

class MailKind {
 public:
  static constexpr event::Kind kKind = event::Kind::kMail;
  explicit MailKind(Context& ctx) : ctx_(ctx) {}
  Status Start() { return Status::Ok(); }
  // 2: a --log-format that names a mail format (over the web kind's 1 for any format).
  static int Claims(std::string_view format) { return mail::FindFormat(format) != nullptr ? 2 : 0; }
  static Result<std::string> Detect(std::span<const std::string_view> head, const Context& ctx);
  Status BeginFile(const std::string& format, bool given, FileRow& row);
  ingest::LineKind Parse(std::string_view line, ingest::ParseError& err) {
    return parser_->Parse(line, rec_, err);
  }
  int64_t time() const { return rec_.time; }
  void Accept(uint64_t line_no);
  void Commit(store::Batch&, bool) {}
  bool NeedsFinalCommit() const { return false; }

 private:
  Context& ctx_;
  std::optional<mail::LogParser> parser_;
  mail::Record rec_;
  std::string site_buf_, last_ip_text_, ip_text_;
  http::IpAddr last_ip_;
  bool last_ip_ok_ = false;
};

}  // namespace keikai::pipeline
