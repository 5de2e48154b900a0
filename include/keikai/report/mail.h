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

// "2026-12-01T15:05:00Z"
std::string UtcIso(int64_t t);
// The mail-log incidents (mail/incidents.h) as documented in docs/mail.md.
nlohmann::ordered_json LogIncidentsJson(const std::vector<mail::Incident>& incidents);
nlohmann::ordered_json MailJson(const MailSection& m);
// The symptoms that showed ("rate limit 84, process limit 3"), translated; "-" when none.
std::string SymptomsText(const std::array<uint64_t, mail::kSymptomCount>& symptoms);
// Probe latency per service and phase, and the delay incidents with their causes.
std::string MailText(const MailSection& m);

}  // namespace keikai::report
