#include "keikai/gate/gate.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>

#include <nlohmann/json.hpp>

#include "keikai/core/files.h"
#include "keikai/core/i18n.h"
#include "keikai/core/ascii.h"
#include "keikai/core/time.h"
#include "keikai/core/utf8.h"

namespace keikai::gate {
namespace {

constexpr std::pair<Action, std::string_view> kActions[] = {
    {Action::kAccept, "accept"}, {Action::kTag, "tag"},       {Action::kHold, "hold"},
    {Action::kQuarantine, "quarantine"}, {Action::kTempfail, "tempfail"}, {Action::kReject, "reject"},
};

std::string Bare(std::string_view a) {
  // "<User@Example.JP>" -> "user@example.jp": envelope addresses compared without case.
  if (a.size() >= 2 && a.front() == '<' && a.back() == '>') a = a.substr(1, a.size() - 2);
  return Lower(a);
}

bool HasCode(const inspect::Object& o, std::initializer_list<std::string_view> codes) {
  for (const inspect::Finding& f : o.findings) {
    if (std::find(codes.begin(), codes.end(), f.code) != codes.end()) return true;
  }
  return std::any_of(o.children.begin(), o.children.end(), [&](const inspect::Object& c) { return HasCode(c, codes); });
}

// Header values stay ASCII: codes and numbers, cut at a whole item before 900 characters.
std::string ReasonsHeader(const Decision& d) {
  std::string out;
  for (const auto& [code, score] : d.reasons) {
    std::string item = code + "=" + std::to_string(score);
    if (out.size() + item.size() + 2 > 900) break;
    if (!out.empty()) out += ", ";
    out += item;
  }
  return out;
}

std::string FindingText(const std::string& code, Lang lang) {
  const std::string key = "inspect.finding." + code;
  return HasMsg(key) ? Tr(key, lang) : code;
}

// The reply's text in one language: the lead for the decision, then up to three reasons.
std::string ReplyText(const Decision& d, bool policy, const std::string& lead_key, Lang lang, TemplateArgs args) {
  std::string t = FillTemplate(Tr(lead_key, lang), args);
  if (!policy && !d.reasons.empty()) {
    std::string rs;
    for (std::size_t i = 0; i < d.reasons.size() && i < 3; ++i) {
      if (!rs.empty()) rs += lang == Lang::kJa ? "、" : "; ";
      rs += FindingText(d.reasons[i].first, lang);
    }
    t += FillTemplate(Tr("gate.reply.reasons", lang), {{"{reasons}", rs}});
  }
  return t;
}

}  // namespace

std::string_view ActionName(Action a) {
  for (const auto& [x, name] : kActions) {
    if (x == a) return name;
  }
  return "accept";
}

bool ParseAction(std::string_view s, Action& out) {
  for (const auto& [x, name] : kActions) {
    if (name == s) {
      out = x;
      return true;
    }
  }
  return false;
}

bool Gate::Outbound(const Envelope& env) const {
  if (!env.auth_user.empty()) return true;
  http::IpAddr a;
  if (env.client.empty() || !http::IpAddr::Parse(env.client, a)) return false;
  return std::any_of(o_.own_networks.begin(), o_.own_networks.end(), [&](const http::IpPrefix& p) { return p.Contains(a); });
}

bool Gate::Exempt(std::string_view rcpt) const {
  const std::size_t at = rcpt.rfind('@');
  if (at == std::string_view::npos) return false;
  const std::string_view domain = rcpt.substr(at + 1);
  for (const std::string& a : o_.ppap.allow_domains) {
    if (domain == a) return true;
    if (domain.size() > a.size() && domain.ends_with(a) && domain[domain.size() - a.size() - 1] == '.') return true;
  }
  return false;
}

std::size_t Gate::remembered() const {
  std::lock_guard<std::mutex> lock(mu_);
  return sent_.size();
}

void Gate::Ppap(const Envelope& env, const inspect::MessageVerdict& v, Decision& d, int64_t now) {
  const std::string self = Bare(env.sender);
  std::vector<uint64_t> rcpts;
  for (const std::string& r : env.recipients) {
    const std::string b = Bare(r);
    // The sender's own copy (a self Cc) links nothing; exempt domains are left out.
    if (b == self || Exempt(b)) continue;
    const uint64_t h = std::hash<std::string>{}(b);
    if (std::find(rcpts.begin(), rcpts.end(), h) == rcpts.end() && rcpts.size() < 100) rcpts.push_back(h);
  }
  if (rcpts.empty()) return;  // every recipient is exempt
  // Who sent it: the login; without one (an own network), the client and the envelope sender.
  const std::string who = !env.auth_user.empty() ? "auth:" + Lower(env.auth_user) : "from:" + env.client + ":" + self;
  const bool archive = HasCode(v.root, {"encrypted_archive_opened", "encrypted_archive_no_password", "encrypted_archive_hidden_names"});
  std::lock_guard<std::mutex> lock(mu_);
  if (archive) {
    d.ppap = "archive";
    if (sent_.size() >= o_.ppap.max_senders && !sent_.contains(who)) {
      // Full: senders whose archives are all past the window go; if that frees nothing, the
      // oldest tenth (by their latest archive), so that the next ones do not pay this again.
      std::erase_if(sent_, [&](const auto& kv) { return kv.second.empty() || now - kv.second.back().time > o_.ppap.window; });
      if (sent_.size() >= o_.ppap.max_senders) {
        std::vector<std::pair<int64_t, std::string>> by_age;
        by_age.reserve(sent_.size());
        for (const auto& [k, q] : sent_) by_age.emplace_back(q.back().time, k);
        const std::size_t drop = std::max<std::size_t>(1, by_age.size() / 10);
        std::nth_element(by_age.begin(), by_age.begin() + static_cast<std::ptrdiff_t>(drop - 1), by_age.end());
        for (std::size_t i = 0; i < drop; ++i) sent_.erase(by_age[i].second);
      }
    }
    std::deque<Sent>& q = sent_[who];
    q.push_back({now, std::move(rcpts), env.queue_id});
    while (q.size() > 32) q.pop_front();
    return;
  }
  if (v.passwords.empty()) return;
  const auto it = sent_.find(who);
  if (it == sent_.end()) return;
  std::deque<Sent>& q = it->second;
  while (!q.empty() && now - q.front().time > o_.ppap.window) q.pop_front();
  // The latest archive mail that went to one of these recipients.
  for (auto s = q.rbegin(); s != q.rend(); ++s) {
    const bool shared = std::any_of(rcpts.begin(), rcpts.end(), [&](uint64_t r) {
      return std::find(s->recipients.begin(), s->recipients.end(), r) != s->recipients.end();
    });
    if (!shared) continue;
    d.ppap = "password";
    d.ppap_of = s->queue_id;
    d.ppap_after = std::max<int64_t>(0, now - s->time);
    break;
  }
  if (q.empty()) sent_.erase(it);
}

void Gate::Remember(const Envelope& env, std::string_view message, int64_t now) {
  if (message.size() > kHeldMessageBytes) return;
  Held h{now, Bare(env.sender), {}, env.queue_id, std::make_shared<const std::string>(message)};
  for (const std::string& r : env.recipients) {
    if (h.recipients.size() < 100) h.recipients.push_back(std::hash<std::string>{}(Bare(r)));
  }
  std::lock_guard<std::mutex> lock(held_mu_);
  held_bytes_ += h.message->size();
  held_.push_back(std::move(h));
  while (!held_.empty() && (held_bytes_ > kHeldBytes || held_.size() > kHeldCount || now - held_.front().time > o_.ppap.window)) {
    held_bytes_ -= held_.front().message->size();
    held_.pop_front();
  }
}

void Gate::Reopen(const Envelope& env, const inspect::MessageVerdict& v, const inspect::ScanOptions& so, Decision& d, int64_t now) {
  const std::string sender = Bare(env.sender);
  std::vector<uint64_t> rcpts;
  for (const std::string& r : env.recipients) rcpts.push_back(std::hash<std::string>{}(Bare(r)));
  // The latest three earlier messages from this sender to one of these recipients (their bytes
  // shared, not copied): they are judged again without the lock.
  std::vector<Held> candidates;
  {
    std::lock_guard<std::mutex> lock(held_mu_);
    for (auto it = held_.rbegin(); it != held_.rend() && candidates.size() < 3; ++it) {
      if (now - it->time > o_.ppap.window || it->sender != sender) continue;
      const bool shared = std::any_of(rcpts.begin(), rcpts.end(), [&](uint64_t r) {
        return std::find(it->recipients.begin(), it->recipients.end(), r) != it->recipients.end();
      });
      if (shared) candidates.push_back(*it);
    }
  }
  for (const Held& h : candidates) {
    inspect::ScanOptions again = so;
    for (const std::string& p : v.passwords) again.extra_passwords.push_back(p);
    // A time of its own: this message's scan may have used most of its deadline.
    if (o_.scan_timeout_ms > 0) again.deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(o_.scan_timeout_ms);
    inspect::MessageVerdict earlier;
    bool got = false;
    inspect::ScanBytes(*h.message, h.queue_id, again, [&](inspect::MessageVerdict&& x) {
      if (!got) earlier = std::move(x);
      got = true;
    });
    // Opened only when the archive did open: a scan that failed or ran out of time proves
    // nothing, and the message stays held for a later password.
    if (!got || earlier.verdict == "error" || HasCode(earlier.root, {"scan_timeout"}) || inspect::Unopened(earlier.root)) {
      continue;
    }
    d.opens = h.queue_id;
    d.opened_verdict = earlier.verdict;
    {
      std::lock_guard<std::mutex> lock(held_mu_);  // opened: nothing more to wait for
      for (auto it = held_.begin(); it != held_.end(); ++it) {
        if (it->queue_id == h.queue_id && it->time == h.time) {
          held_bytes_ -= it->message->size();
          held_.erase(it);
          break;
        }
      }
    }
    if (earlier.verdict == "malicious") {
      // The password is the key to malware already delivered: this message is as dangerous (the
      // recipient is one step from opening it), and the earlier one's queue id is in the log.
      d.reasons.insert(d.reasons.begin(), {"password_opens_malicious_archive", 90});
      d.objects.insert(d.objects.begin(), h.queue_id.empty() ? std::string("(earlier message)") : h.queue_id);
      d.score = std::max(d.score, std::max(90, earlier.score));
      d.verdict = "malicious";
    }
    return;
  }
}

void Gate::Finish(Decision& d, bool policy) const {
  if (d.action == Action::kQuarantine && o_.quarantine_dir.empty()) d.action = o_.on_error;
  if (d.action == Action::kAccept) return;
  if (d.action == Action::kReject || d.action == Action::kTempfail) {
    const bool temp = d.action == Action::kTempfail;
    d.reply_code = temp ? "451" : "550";
    d.reply_xcode = temp ? "4.7.1" : "5.7.1";
    std::string key = policy ? "gate.reply.ppap_" + d.ppap : "gate.reply." + d.verdict;
    if (temp && !policy) key = d.verdict == "unscanned" ? "gate.reply.unscanned" : "gate.reply.tempfail";
    const std::string minutes = std::to_string(std::max<int64_t>(1, (d.ppap_after + 59) / 60));  // "1" for seconds
    d.reply_lines = {ReplyText(d, policy, key, Lang::kEn, {{"{minutes}", minutes}}),
                     ReplyText(d, policy, key, Lang::kJa, {{"{minutes}", minutes}})};
    return;
  }
  std::string verdict = d.verdict + "; score=" + std::to_string(d.score);
  d.headers.emplace_back("X-Keikai-Verdict", verdict);
  if (!d.reasons.empty()) d.headers.emplace_back("X-Keikai-Reasons", ReasonsHeader(d));
  if (!d.error.empty()) {
    std::string e;  // printable ASCII only: the reason may quote what the message contained
    for (char ch : d.error.substr(0, 200)) e += ch >= 0x20 && ch < 0x7f ? ch : '?';
    d.headers.emplace_back("X-Keikai-Error", e);
  }
  if (d.ppap == "archive") d.headers.emplace_back("X-Keikai-PPAP", "encrypted-archive");
  if (d.ppap == "password") {
    d.headers.emplace_back("X-Keikai-PPAP", "password-for=" + (d.ppap_of.empty() ? std::string("?") : d.ppap_of) +
                                                 "; after=" + std::to_string(d.ppap_after) + "s");
  }
}

Decision Gate::Judge(const Envelope& env, std::string_view message, int64_t now) {
  if (message.size() > o_.max_size) return Oversize(env, message.size());
  Decision d;
  d.outbound = Outbound(env);
  inspect::ScanOptions so = o_.scan;
  if (o_.scan_timeout_ms > 0) so.deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(o_.scan_timeout_ms);
  inspect::MessageVerdict verdict;
  bool got = false;
  inspect::ScanBytes(message, env.queue_id.empty() ? "(message)" : env.queue_id, so, [&](inspect::MessageVerdict&& v) {
    if (!got) verdict = std::move(v);  // one message: bytes starting "From " would be an mbox
    got = true;
  });
  if (!got) return Failed(env, "no message in the data");
  d.subject = verdict.subject;
  d.message_id = verdict.message_id;
  if (verdict.verdict == "error") return Failed(env, verdict.error);
  d.verdict = verdict.verdict;
  d.score = verdict.score;
  for (const inspect::LocatedFinding& r : inspect::FindingsByScore(verdict.root)) {
    if (r.finding->score == 0) continue;
    d.reasons.emplace_back(r.finding->code, r.finding->score);
    d.objects.push_back(r.path);
  }
  if (HasCode(verdict.root, {"scan_timeout"})) {
    d.error = "scan timeout";
    d.verdict = "error";
    d.action = o_.on_error;
    Finish(d, false);
    return d;
  }
  if (inspect::Unopened(verdict.root)) {
    Remember(env, message, now);
  } else if (!verdict.passwords.empty()) {
    Reopen(env, verdict, so, d, now);
  }
  d.action = d.verdict == "malicious" ? o_.on_malicious : d.verdict == "suspicious" ? o_.on_suspicious : o_.on_clean;
  bool policy = false;  // whether the PPAP policy, not the verdict, decided the action
  if (d.outbound && o_.ppap.enabled) {
    Ppap(env, verdict, d, now);
    // The stronger of the two (the enum's order), except that malware keeps its own action.
    const Action p = d.ppap == "archive" ? o_.ppap.archive_action : o_.ppap.password_action;
    if (!d.ppap.empty() && d.verdict != "malicious" && static_cast<int>(p) > static_cast<int>(d.action)) {
      d.action = p;
      policy = true;
    }
  }
  Finish(d, policy);
  return d;
}

Decision Gate::Oversize(const Envelope& env, uint64_t size) {
  Decision d;
  d.outbound = Outbound(env);
  d.verdict = "unscanned";
  d.error = "larger than " + std::to_string(o_.max_size) + " bytes (" + std::to_string(size) + ")";
  d.action = o_.on_oversize;
  Finish(d, false);
  return d;
}

Decision Gate::Failed(const Envelope& env, std::string why) {
  Decision d;
  d.outbound = Outbound(env);
  d.verdict = "error";
  d.error = std::move(why);
  d.action = o_.on_error;
  Finish(d, false);
  return d;
}

std::string LogLine(const Envelope& env, const Decision& d, int64_t now, uint64_t size, double ms) {
  using nlohmann::ordered_json;
  ordered_json reasons = ordered_json::array();
  for (std::size_t i = 0; i < d.reasons.size() && i < 20; ++i) {
    reasons.push_back({{"code", d.reasons[i].first}, {"score", d.reasons[i].second}, {"object", d.objects[i]}});
  }
  ordered_json j = {{"time", FormatIsoUtc(now)},
                    {"program", "keikai-milter"},
                    {"queue_id", env.queue_id},
                    {"client", env.client},
                    {"helo", env.helo},
                    {"sender", env.sender},
                    {"recipients", env.recipients},
                    {"auth", !env.auth_user.empty()},
                    {"direction", d.outbound ? "outbound" : "inbound"},
                    {"verdict", d.verdict},
                    {"score", d.score},
                    {"action", ActionName(d.action)},
                    {"reasons", reasons}};
  if (!d.ppap.empty()) {
    j["ppap"] = d.ppap;
    if (d.ppap == "password") {
      j["ppap_of"] = d.ppap_of;
      j["ppap_after_s"] = d.ppap_after;
    }
  }
  if (!d.opens.empty()) {
    j["opens_archive_of"] = d.opens;
    j["opened_verdict"] = d.opened_verdict;
  }
  if (!d.error.empty()) j["error"] = d.error;
  j["subject"] = d.subject;
  j["message_id"] = d.message_id;
  j["size"] = size;
  j["ms"] = static_cast<double>(static_cast<int64_t>(ms * 10)) / 10;
  return EscapeBidiInJson(j.dump(-1, ' ', false, ordered_json::error_handler_t::replace));
}

Result<std::string> Quarantine(const std::string& dir, const Envelope& env, std::string_view message, int64_t now) {
  if (!MakePrivateDirs(dir)) return Status::Error("quarantine", "cannot create " + dir + ": " + ErrnoText(errno));
  std::string id;
  for (char c : env.queue_id) {
    if ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')) id += c;
  }
  if (id.size() > 32) id.resize(32);
  thread_local std::mt19937_64 rng{std::random_device{}()};
  char name[128];
  std::snprintf(name, sizeof name, "%lld-%s-%016llx.eml", static_cast<long long>(now), id.empty() ? "noid" : id.c_str(),
                static_cast<unsigned long long>(rng()));
  const std::string path = (std::filesystem::path(dir) / name).string();
  if (!WriteFileAtomic(path, message, 0600)) return Status::Error("quarantine", "cannot write " + path + ": " + ErrnoText(errno));
  return path;
}

}  // namespace keikai::gate
