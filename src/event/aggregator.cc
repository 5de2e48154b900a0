#include "keikai/event/aggregator.h"

#include <algorithm>
#include <bit>

namespace keikai::event {

uint32_t Aggregator::NewSite(std::string_view name) {
  auto it = site_ids_.find(name);
  uint32_t id;
  if (it != site_ids_.end()) {
    id = it->second;
  } else {
    id = static_cast<uint32_t>(sites_.size());
    sites_.emplace_back(name);
    site_ids_.emplace(std::string(name), id);
  }
  last_site_name_.assign(name);
  last_site_id_ = id;
  return id;
}

std::string_view Aggregator::Bounded(std::string_view name) {
  if (known_sites_.find(name) != known_sites_.end()) return name;
  if (known_sites_.size() < max_sites_) {
    known_sites_.emplace(name);
    return name;
  }
  ++folded_requests_;
  if (folded_sites_.size() < 100000) folded_sites_.emplace(name);
  return kOtherSite;
}

uint32_t Aggregator::Source(const std::string& text, const http::IpAddr* ip, int64_t time) {
  auto it = ip_ids_.find(text);
  uint32_t id;
  if (it == ip_ids_.end()) {
    id = static_cast<uint32_t>(sources_.size());
    store::SourceInfo si;
    si.ip = text;
    if (geo_ != nullptr && ip != nullptr) si.country = geo_->Lookup(*ip);
    si.first_seen = si.last_seen = time;
    sources_.push_back(std::move(si));
    ip_ids_.emplace(text, id);
  } else {
    id = it->second;
    store::SourceInfo& si = sources_[id];
    si.first_seen = std::min(si.first_seen, time);
    si.last_seen = std::max(si.last_seen, time);
  }
  Touch(id);
  return id;
}

void Aggregator::Attack(uint32_t site, int64_t time, uint32_t source, ClassMask classes) {
  const uint32_t hour = Hour(time);
  while (classes != 0) {
    const int c = std::countr_zero(classes);
    classes &= classes - 1;
    ++attacks_[{site, hour, source, static_cast<uint8_t>(c)}];
  }
  ++attacks_[{site, hour, source, store::kAllClasses}];
}

bool Aggregator::DominantOffset(int32_t& offset) const {
  uint64_t best = 0;
  for (const auto& [off, n] : offsets_) {
    if (n > best) {
      best = n;
      offset = off;
    }
  }
  return best > 0;
}

store::Batch Aggregator::TakeBatch() {
  store::Batch b;
  b.requests.reserve(requests_.size());
  for (const auto& [k, n] : requests_) {
    b.requests.push_back({sites_[k >> 32], static_cast<int64_t>(k & 0xffffffu), n,
                          static_cast<uint8_t>((k >> 24) & 0xff)});
  }
  b.attacks.reserve(attacks_.size());
  for (const auto& [k, n] : attacks_) {
    b.attacks.push_back({sites_[k.site], k.hour, k.cls, sources_[k.ip].ip, n});
  }
  // The sources seen since the last batch (first/last seen merge in the store); all of them
  // stay here for their ids.
  b.sources.reserve(touched_.size());
  for (uint32_t id : touched_) {
    b.sources.push_back(sources_[id]);
    is_touched_[id] = 0;
  }
  touched_.clear();
  // A long run meets ever new sources: past the bound the table starts again (ids are only used
  // within a batch; the store merges first and last seen).
  if (sources_.size() > max_sources_kept_) {
    sources_.clear();
    ip_ids_.clear();
    is_touched_.clear();
  }
  b.findings = std::move(findings_);
  findings_.clear();
  requests_.clear();
  attacks_.clear();
  last_rcount_ = nullptr;
  // Each site's logs carry a zone; remember it for reports of later runs.
  for (const auto& [site_id, offs] : site_offsets_) {
    int32_t best = 0;
    uint64_t n = 0;
    for (const auto& [off, k] : offs) {
      if (k > n) {
        n = k;
        best = off;
      }
    }
    if (n > 0) b.site_offsets.emplace_back(sites_[site_id], best);
  }
  site_offsets_.clear();
  last_site_offset_count_ = nullptr;
  return b;
}

}  // namespace keikai::event
