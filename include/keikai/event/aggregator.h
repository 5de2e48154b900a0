#pragma once
// The aggregates of a stream of events, for any kind: per site x UTC hour x kind the events, per
// site x UTC hour x class x source the attacks, the attacking sources (with their country, looked
// up once), the findings (bounded), and the zone offsets the lines carried. TakeBatch hands what
// accumulated since the last batch to the store (store::Batch); sources keep their ids for the
// whole batch (the table is dropped after a batch once it holds more than max_sources_kept).
//
// Sites are bounded: once max_sites distinct sites are known (those in the store count), further
// names are counted together as "(other)" (FoldedRequests/FoldedSites say how many).
//
// Thread-safety: one Aggregator per scan, used by one thread.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "keikai/core/hash.h"
#include "keikai/event/event.h"
#include "keikai/geo/geo.h"
#include "keikai/http/ip.h"
#include "keikai/store/store.h"

namespace keikai::event {

inline constexpr const char* kOtherSite = "(other)";

class Aggregator {
 public:
  Aggregator(const geo::GeoDb* geo, std::size_t max_sites, uint64_t max_findings,
             std::size_t max_sources_kept = 262'144)
      : geo_(geo), max_sites_(max_sites), max_findings_(max_findings), max_sources_kept_(max_sources_kept) {}

  // Sites already in the store (they count toward max_sites).
  void KnowSites(const std::vector<std::string>& sites) { known_sites_.insert(sites.begin(), sites.end()); }
  // The site a record names, bounded by max_sites: the name itself, or "(other)".
  std::string_view Bounded(std::string_view name);
  // A site's id (ids are never reused within a run).
  uint32_t Site(std::string_view name) {
    if (name == last_site_name_ && last_site_id_ != UINT32_MAX) return last_site_id_;
    return NewSite(name);
  }
  const std::vector<std::string>& sites() const { return sites_; }

  // One event of a kind at a site (time in Unix seconds), with the zone its line carried.
  void Count(uint32_t site, int64_t time, Kind kind, int32_t offset) {
    if (last_offset_count_ == nullptr || offset != last_offset_ || last_offset_site_ != site ||
        last_site_offset_count_ == nullptr) {
      last_offset_ = offset;
      last_offset_site_ = site;
      last_offset_count_ = &offsets_[offset];
      last_site_offset_count_ = &site_offsets_[site][offset];
    }
    ++*last_offset_count_;
    ++*last_site_offset_count_;
    const uint64_t key = uint64_t{site} << 32 | uint64_t{static_cast<uint8_t>(kind)} << 24 | (Hour(time) & 0xffffffu);
    if (key != last_rkey_ || last_rcount_ == nullptr) {
      last_rcount_ = &requests_[key];
      last_rkey_ = key;
    }
    ++*last_rcount_;
  }

  // A source by its normalised address text (ip parsed, or null when the text is no address):
  // its id, its first and last seen widened to time.
  uint32_t Source(const std::string& text, const http::IpAddr* ip, int64_t time);
  const store::SourceInfo& source(uint32_t id) const { return sources_[id]; }

  // An attack event: one count per class of the mask, and one for "any class".
  void Attack(uint32_t site, int64_t time, uint32_t source, ClassMask classes);

  // Whether one more finding may be kept (max_findings per run); counts the dropped ones.
  bool ReserveFinding() {
    if (findings_kept_ >= max_findings_) {
      ++findings_dropped_;
      return false;
    }
    ++findings_kept_;
    return true;
  }
  void AddFinding(store::Finding&& f) { findings_.push_back(std::move(f)); }
  std::size_t pending_findings() const { return findings_.size(); }
  uint64_t findings_kept() const { return findings_kept_; }
  void set_findings_kept(uint64_t n) { findings_kept_ = n; }
  uint64_t findings_dropped() const { return findings_dropped_; }
  uint64_t folded_requests() const { return folded_requests_; }
  std::size_t folded_sites() const { return folded_sites_.size(); }

  // The zone offset most events carried over the run; false if none was counted.
  bool DominantOffset(int32_t& offset) const;

  // What accumulated since the last batch: counts, attacks, touched sources, findings and each
  // site's dominant zone offset.
  store::Batch TakeBatch();
  // Gives the findings buffer back after a commit (regrowing it each batch moved every finding
  // several times into freshly faulted memory).
  void ReturnFindings(std::vector<store::Finding>&& buf) {
    buf.clear();
    if (findings_.empty()) findings_.swap(buf);
  }

  // (Lines dated after now + 2 days are bad lines, so an hour fits 24 bits for the next 1,800 years.)
  static uint32_t Hour(int64_t time) { return static_cast<uint32_t>(time >= 0 ? time / 3600 : 0); }

 private:
  struct AttackKey {
    uint32_t site, hour, ip;
    uint8_t cls;
    bool operator==(const AttackKey&) const = default;
  };
  struct AttackKeyHash {
    std::size_t operator()(const AttackKey& k) const {
      uint64_t h = (uint64_t{k.site} << 40) ^ (uint64_t{k.hour} << 8) ^ k.cls;
      h ^= uint64_t{k.ip} * 0x9E3779B97F4A7C15ULL;
      return static_cast<std::size_t>(h ^ (h >> 29));
    }
  };
  uint32_t NewSite(std::string_view name);
  void Touch(uint32_t source_id) {
    if (is_touched_.size() <= source_id) is_touched_.resize(source_id + 1, 0);
    if (is_touched_[source_id] != 0) return;
    is_touched_[source_id] = 1;
    touched_.push_back(source_id);
  }

  const geo::GeoDb* geo_;
  std::size_t max_sites_;
  uint64_t max_findings_;
  std::size_t max_sources_kept_;
  std::unordered_map<std::string, uint32_t, StringViewHash, StringViewEqual> site_ids_;
  std::vector<std::string> sites_;
  std::string last_site_name_;
  uint32_t last_site_id_ = UINT32_MAX;
  // Looked up with a view per line: no string is built to ask.
  std::unordered_set<std::string, StringViewHash, StringViewEqual> known_sites_;  // in the store and seen
  std::unordered_set<std::string> folded_sites_;  // counted as "(other)" (bounded)
  uint64_t folded_requests_ = 0;
  std::string site_buf_;
  std::unordered_map<std::string, uint32_t> ip_ids_;
  std::vector<store::SourceInfo> sources_;  // by id, for the whole run
  std::vector<uint32_t> touched_;           // ids of sources seen since the last batch
  std::vector<uint8_t> is_touched_;         // by id
  std::unordered_map<uint64_t, uint64_t> requests_;  // site << 32 | kind << 24 | hour
  std::unordered_map<AttackKey, uint64_t, AttackKeyHash> attacks_;
  std::vector<store::Finding> findings_;
  uint64_t findings_kept_ = 0, findings_dropped_ = 0;
  std::map<int32_t, uint64_t> offsets_;
  std::map<uint32_t, std::map<int32_t, uint64_t>> site_offsets_;  // since the last batch
  uint64_t* last_site_offset_count_ = nullptr;
  uint32_t last_offset_site_ = UINT32_MAX;
  int32_t last_offset_ = 0;
  uint64_t* last_offset_count_ = nullptr;
  uint64_t last_rkey_ = 0;
  uint64_t* last_rcount_ = nullptr;  // into requests_; reset when it is taken
};

}  // namespace keikai::event
