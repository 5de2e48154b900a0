#pragma once
// The mail section (model.h MailSection) as JSON and terminal text, shared by `keikai report`
// and `keikai mail logs`; the HTML is in render.h (RenderHtml, RenderMailHtml). JSON times are
// UTC ("2026-12-01T15:05:00Z"); text times are in the section's zone (MailSection::tz), stated with each time.
#include <array>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "keikai/core/time.h"
#include "keikai/report/model.h"

namespace keikai::report {

// A mail phase, a delay's kind and a probe failure ("timeout@connect" -> "timed out (connect)",
// or a kind alone) in the current language; an id the catalogue lacks as it is.
std::string PhaseText(const std::string& phase);
std::string KindText(const std::string& kind);
std::string FailureText(const std::string& kind_at_phase);
// Milliseconds as people read them: "0.25", "12.3", "3000".
std::string MsText(double ms);
// The mail-log incidents (mail/incidents.h) as documented in docs/mail.md.
nlohmann::ordered_json LogIncidentsJson(const std::vector<mail::Incident>& incidents);
nlohmann::ordered_json MailJson(const MailSection& m);
// The symptoms that showed ("rate limit 84, process limit 3"), translated; "-" when none.
std::string SymptomsText(const std::array<uint64_t, mail::kSymptomCount>& symptoms);
// Probe latency per service and phase, and the delay incidents with their causes.
std::string MailText(const MailSection& m);

}  // namespace keikai::report
