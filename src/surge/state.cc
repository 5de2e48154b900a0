#include "keikai/surge/state.h"

#include <cmath>
#include <tuple>

#include <nlohmann/json.hpp>

namespace keikai::surge {
namespace {

constexpr int kVersion = 1;
constexpr std::size_t kMaxSeries = 1 << 20;

bool Int(const nlohmann::json& j, const char* k, int64_t& out) {
  const auto it = j.find(k);
  if (it == j.end() || !it->is_number_integer()) return false;
  out = it->get<int64_t>();
  return true;
}
bool Real(const nlohmann::json& j, double& out) {
  if (!j.is_number()) return false;
  out = j.get<double>();
  return std::isfinite(out);
}

}  // namespace

std::string EncodeState(const DetectorState& st) {
  nlohmann::json j;
  j["v"] = kVersion;
  j["first_hour"] = st.first_hour;
  j["through"] = st.through;
  j["check_from"] = st.check_from;
  j["fingerprint"] = st.fingerprint;
  nlohmann::json series = nlohmann::json::array();
  for (const SeriesMemo& m : st.series) {
    nlohmann::json alarms = nlohmann::json::array();
    for (const AlarmMark& a : m.alarms) alarms.push_back({a.hour, a.p, a.cusum_zero_hour});
    series.push_back({{"site", m.site}, {"cls", m.cls}, {"cusum", m.cusum},
                      {"cusum_zero_hour", m.cusum_zero_hour}, {"inv_size", m.inv_size},
                      {"phi_day", m.phi_day}, {"alarms", std::move(alarms)}});
  }
  j["series"] = std::move(series);
  return j.dump();
}

std::optional<DetectorState> DecodeState(std::string_view text) {
  const auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  int64_t v = 0;
  if (!Int(j, "v", v) || v != kVersion) return std::nullopt;
  DetectorState st;
  if (!Int(j, "first_hour", st.first_hour) || !Int(j, "through", st.through) ||
      !Int(j, "check_from", st.check_from)) {
    return std::nullopt;
  }
  const auto fp = j.find("fingerprint");
  if (fp == j.end() || !fp->is_number_unsigned()) return std::nullopt;
  st.fingerprint = fp->get<uint64_t>();
  const auto series = j.find("series");
  if (series == j.end() || !series->is_array() || series->size() > kMaxSeries) return std::nullopt;
  for (const auto& s : *series) {
    if (!s.is_object()) return std::nullopt;
    SeriesMemo m;
    const auto site = s.find("site"), cls = s.find("cls"), alarms = s.find("alarms");
    const auto cusum = s.find("cusum"), inv = s.find("inv_size");
    if (site == s.end() || !site->is_string() || cls == s.end() || !cls->is_string() ||
        cusum == s.end() || !Real(*cusum, m.cusum) || inv == s.end() || !Real(*inv, m.inv_size) ||
        !Int(s, "cusum_zero_hour", m.cusum_zero_hour) || !Int(s, "phi_day", m.phi_day) ||
        alarms == s.end() || !alarms->is_array()) {
      return std::nullopt;
    }
    m.site = site->get<std::string>();
    m.cls = cls->get<std::string>();
    for (const auto& a : *alarms) {
      AlarmMark x;
      if (!a.is_array() || a.size() != 3 || !a[0].is_number_integer() || !Real(a[1], x.p) ||
          !a[2].is_number_integer()) {
        return std::nullopt;
      }
      x.hour = a[0].get<int64_t>();
      x.cusum_zero_hour = a[2].get<int64_t>();
      if (!m.alarms.empty() && x.hour <= m.alarms.back().hour) return std::nullopt;  // in order
      m.alarms.push_back(x);
    }
    if (!st.series.empty() && std::tie(st.series.back().site, st.series.back().cls) >= std::tie(m.site, m.cls)) {
      return std::nullopt;  // sorted by key, each once
    }
    st.series.push_back(std::move(m));
  }
  return st;
}

}  // namespace keikai::surge
