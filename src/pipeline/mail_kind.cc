#include "pipeline/mail_kind.h"

#include "keikai/core/i18n.h"
#include "keikai/core/utf8.h"
#include "keikai/mail/classes.h"

namespace keikai::pipeline {

Result<std::string> MailKind::Detect(std::span<const std::string_view> head, const Context& ctx) {
  std::string f = mail::DetectFormat(head, ctx.now(), ctx.log_zone);
  if (f.empty()) return Status::Error("detect", Tr("read.detect_failed"));
  return f;
}

Status MailKind::BeginFile(const std::string& format, bool, FileRow& row) {
  parser_.emplace(format, ctx_.now(), ctx_.log_zone);
  row.format = std::string(parser_->name());
  return Status::Ok();
}

void MailKind::Accept(uint64_t line_no) {
  if (rec_.client.empty()) return;  // a line about no client is no event
  std::string_view site = ctx_.opt.site;
  if (site.empty() && !rec_.host.empty()) {
    site_buf_.assign(rec_.host);
    for (char& c : site_buf_) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c | 0x20 : c);
    site = ctx_.agg.Bounded(site_buf_);
  }
  if (site.empty()) site = ctx_.file_site;
  const uint32_t site_id = ctx_.SiteId(site);
  ctx_.agg.Count(site_id, rec_.time, kKind, rec_.offset);
  event::ClassMask classes = 0;
  const char* detector = nullptr;
  const bool postfix = rec_.program.starts_with("postfix");
  switch (rec_.what) {
    case mail::What::kAuthFailed:
      classes = event::ClassMask{1} << mail::kClassAuthFailure;
      detector = postfix ? "postfix-sasl-auth-failed" : "dovecot-auth-failed";
      break;
    case mail::What::kLostConnection:
      classes = event::ClassMask{1} << mail::kClassLostConnection;
      detector = postfix ? "postfix-lost-connection" : "dovecot-no-auth";
      break;
    case mail::What::kMalicious:
      classes = event::ClassMask{1} << mail::kClassMalicious;
      detector = "keikai-milter-malicious";
      break;
    case mail::What::kSuspicious:
      classes = event::ClassMask{1} << mail::kClassSuspicious;
      detector = "keikai-milter-suspicious";
      break;
    case mail::What::kPpap:
      classes = event::ClassMask{1} << mail::kClassPpap;
      detector = "keikai-milter-ppap";
      break;
    default:
      return;
  }
  if (rec_.client != last_ip_text_) {
    last_ip_ok_ = http::IpAddr::Parse(rec_.client, last_ip_);
    last_ip_text_.assign(rec_.client);
    ip_text_ = last_ip_ok_ ? last_ip_.ToString() : Excerpt(rec_.client, 64);
  }
  const uint32_t ip_id = ctx_.agg.Source(ip_text_, last_ip_ok_ ? &last_ip_ : nullptr, rec_.time);
  ctx_.agg.Attack(site_id, rec_.time, ip_id, classes);
  store::Finding f;
  f.site = std::string(site);
  f.time = rec_.time;
  f.ip = ip_text_;
  f.classes = event::ClassList(classes);
  f.detectors = detector;
  f.evidence = "[";
  AppendJsonString(f.evidence, CleanUtf8(std::string(rec_.program) + ": " +
                                             std::string(rec_.message.substr(0, 400)),
                                         Utf8Cleaning{}));
  f.evidence += ']';
  f.target = Excerpt(rec_.program, 64);
  f.file = ctx_.file;
  f.line = line_no;
  f.target_hit = false;  // no request path: it never counts among targeted paths
  f.kind = static_cast<uint8_t>(kKind);
  if (ctx_.opt.on_detection) {
    DetectionEvent ev{&ctx_.file, line_no, nullptr, site, ctx_.agg.source(ip_id).country,
                      nullptr, nullptr, 0, nullptr, &f};
    ctx_.opt.on_detection(ev);
  }
  if (!ctx_.agg.ReserveFinding()) return;
  ctx_.agg.AddFinding(std::move(f));
}

}  // namespace keikai::pipeline
