// The output format registry and the NDJSON line of a detected request.
#include <iterator>

#include <nlohmann/json.hpp>

#include "keikai/core/registry.h"
#include "keikai/core/time.h"
#include "keikai/core/utf8.h"
#include "keikai/detect/behavior.h"
#include "keikai/event/event.h"
#include "keikai/report/render.h"

namespace keikai::report {
namespace {

std::string Text(const Report& r, const RenderOptions& o) {
  return TerminalSafe(RenderText(r, o.color), o.color);
}
std::string Json(const Report& r, const RenderOptions&) { return RenderJson(r); }
std::string Html(const Report& r, const RenderOptions&) { return RenderHtml(r); }

constexpr Renderer kRenderers[] = {
    {"text", Text, nullptr},
    {"json", Json, nullptr},
    {"ndjson", nullptr, RenderNdjsonLine},
    {"html", Html, nullptr},
};

}  // namespace

std::span<const Renderer> Renderers() { return kRenderers; }

const Renderer* FindRenderer(std::string_view name) {
  return FindByName(std::span<const Renderer>(kRenderers), name);
}

namespace {

// An event of another kind than web: from its finding (the program in "target", the log
// message as evidence).
std::string FindingLine(const pipeline::DetectionEvent& ev) {
  const store::Finding& f = *ev.finding;
  nlohmann::ordered_json j;
  j["file"] = *ev.file;
  j["line"] = ev.line;
  j["time"] = TimeZone::Utc().FormatTime(f.time);
  j["site"] = std::string(ev.site);
  j["kind"] = std::string(event::KindName(static_cast<event::Kind>(f.kind)));
  j["ip"] = f.ip;
  j["country"] = std::string(ev.country);
  j["program"] = f.target;
  nlohmann::ordered_json classes = nlohmann::ordered_json::array();
  std::string_view rest = f.classes;
  while (!rest.empty()) {
    const std::size_t comma = rest.find(',');
    classes.push_back(std::string(rest.substr(0, comma)));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
  }
  j["classes"] = classes;
  j["detectors"] = nlohmann::ordered_json::array({f.detectors});
  j["evidence"] = nlohmann::ordered_json::parse(f.evidence, nullptr, false);
  return EscapeBidiInJson(j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace)) + "\n";
}

}  // namespace

std::string RenderNdjsonLine(const pipeline::DetectionEvent& ev) {
  if (ev.req == nullptr) return FindingLine(ev);
  nlohmann::ordered_json j;
  j["file"] = *ev.file;
  j["line"] = ev.line;
  j["time"] = TimeZone::Utc().FormatTime(ev.req->time);
  j["site"] = std::string(ev.site);
  j["ip"] = std::string(ev.req->client_ip);
  j["country"] = std::string(ev.country);
  j["method"] = std::string(ev.req->method);
  j["target"] = std::string(ev.req->target);
  j["status"] = ev.req->status;
  j["user_agent"] = std::string(ev.req->user_agent);
  nlohmann::ordered_json classes = nlohmann::ordered_json::array();
  for (int c = 0; c < detect::kClassCount; ++c) {
    if ((ev.detection->class_mask & (1u << c)) != 0) {
      classes.push_back(std::string(detect::ClassName(static_cast<detect::AttackClass>(c))));
    }
  }
  j["classes"] = classes;
  nlohmann::ordered_json ids = nlohmann::ordered_json::array(), evidence = ids;
  nlohmann::ordered_json crs = nlohmann::ordered_json::array();
  pipeline::ForEachEvidence(ev, [&](std::string_view id, std::string_view e, const rules::RuleMatch* m) {
    ids.push_back(std::string(id));
    evidence.push_back(std::string(e));
    if (m == nullptr) return;
    nlohmann::ordered_json r;
    r["id"] = m->id;
    r["msg"] = m->msg;
    r["severity"] = m->severity;
    r["variable"] = m->matched_var_name;
    r["value"] = m->matched_var;
    crs.push_back(std::move(r));
  });
  j["detectors"] = ids;
  j["evidence"] = evidence;
  if (!crs.empty()) j["crs"] = crs;
  return EscapeBidiInJson(j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace)) + "\n";
}

}  // namespace keikai::report
