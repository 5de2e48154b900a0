#pragma once
// Behaviour per source: what a client does over time, not what one request looks like.
// Scanners rarely say who they are, so each source (an IP, or a /24 / /64 prefix) is followed
// through leaky buckets -- one per scenario in Scenarios(), the one table of them -- and ends up
// classified as scanner, bad-bot, crawler, human or unknown, with the evidence.
//
// Memory is bounded: at most BehaviorOptions::max_sources sources are tracked, in fixed-size
// states (reserved, untouched, at construction) reached through an index that grows with the
// sources up to a fixed bound; memory_bytes() says how much at most. When it is full, the least
// recently seen of a small random sample is evicted and its verdict is handed out by Drain().
// Not thread-safe; one tracker per scan.

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "keikai/detect/detector.h"
#include "keikai/http/ip.h"
#include "keikai/http/request.h"

namespace keikai::detect {

// kShared: one address carrying many people (mobile-carrier CGNAT, an office proxy): many
// browsers with human-looking traffic. Volume behaviour (many paths, fast pages, many user
// agents, many sites) says nothing about such an address; only requests that are suspicious in
// themselves count as attacks.
enum class SourceClass : uint8_t { kUnknown = 0, kHuman, kCrawler, kBadBot, kScanner, kShared };
std::string_view SourceClassName(SourceClass c);  // "unknown", "human", "crawler", ...
bool ParseSourceClass(std::string_view s, SourceClass& out);

enum class Scenario : uint8_t {
  kProbe404 = 0,   // 4xx answers on many distinct paths in a short time
  kSensitiveFiles, // requests for sensitive files and directories
  kAdminProbe,     // requests for admin interfaces the site does not have
  kBackdoor,       // requests for web-shell / backdoor names
  kCvePath,        // known-CVE probe paths
  kFastCrawl,      // pages (not assets) fetched fast, without the assets a browser loads
  kPathEnum,       // many distinct paths in a short time, whatever the answer
  kUaSwitch,       // many different user agents from one source
  kScriptedUa,     // empty or scripted user agents, repeatedly
  kHeadOptions,    // bursts of HEAD / OPTIONS
  kManySites,      // one source hitting many sites
  kCount
};
constexpr int kScenarioCount = static_cast<int>(Scenario::kCount);

struct ScenarioSpec {
  Scenario id;
  std::string_view name;      // stable id, e.g. "probe-404"
  double capacity;            // the bucket overflows (the scenario triggers) above this level
  double leak_per_second;     // how fast the bucket drains
  SourceClass implies;        // what triggering says about the source
  // Attack classes (bits of AttackClass) the source's requests get once this scenario has
  // triggered; 0 for scenarios fed by signatures, whose requests are classified already, and
  // for weak signals (many user agents alone).
  uint32_t request_classes;
  // A volume scenario: what many people behind one shared address also do together. It gives
  // no classes and implies nothing for a source that looks shared (SourceClass::kShared).
  bool volume;
  std::string_view help_en;
  std::string_view help_ja;
};
// The table of scenarios with their parameters (docs/behavior.md prints it).
std::span<const ScenarioSpec> Scenarios();
// How findings, ndjson and reports name a behaviour scenario: "behavior:probe-404", and the
// evidence line "behavior:probe-404: <what it means>" (s: one of Scenarios(); built once).
const std::string& ScenarioDetectorId(const ScenarioSpec& s);
const std::string& ScenarioEvidence(const ScenarioSpec& s);
// What a scenario means, in the current language (for reports); "" for an unknown id.
std::string_view ScenarioHelp(std::string_view id);

struct BehaviorOptions {
  // Bound on tracked sources. Memory: max_sources states (~200 bytes) plus an index of at most
  // the power of two >= max_sources * 4/3 four-byte slots, 205-210 bytes per source: 262,144
  // sources = ~55 MB at most (address space reserved at construction, touched as used).
  std::size_t max_sources = 262'144;
  int prefix_v4 = 32;                 // 24: track /24 prefixes instead of addresses
  int prefix_v6 = 128;                // 64: track /64 prefixes
  bool verify_crawlers = false;       // reverse-then-forward DNS for claimed search crawlers
};

struct SourceVerdict {
  std::string key;                  // the address or prefix ("203.0.113.0/24")
  SourceClass cls = SourceClass::kUnknown;
  uint32_t triggered = 0;           // bit per Scenario
  std::array<uint16_t, kScenarioCount> triggers{};  // times each scenario overflowed
  uint64_t requests = 0, client_errors = 0, pages = 0, assets = 0;
  uint32_t signature_classes = 0;   // bit per AttackClass seen from this source
  int64_t first_seen = 0, last_seen = 0;
  std::string claimed_crawler;      // "googlebot", "bingbot", ... when the user agent claims one
  bool crawler_verified = false;    // only with verify_crawlers and a matching DNS round trip
  std::vector<std::string> evidence;  // one line per reason, English (ids are stable)
  std::vector<std::string> scenario_ids() const;
};

class BehaviorTracker {
 public:
  BehaviorTracker(const BehaviorOptions& opt, const DetectorSet& detectors);
  ~BehaviorTracker();
  BehaviorTracker(const BehaviorTracker&) = delete;
  BehaviorTracker& operator=(const BehaviorTracker&) = delete;

  // One request (time order per source is assumed but not required: time going backwards
  // simply does not drain the buckets). Returns the attack-class bits (AttackClass) that the
  // source's triggered behaviour scenarios give this request: 0 while it behaves.
  // *scenarios (optional) receives the behaviour scenarios (bit per Scenario, those with
  // request_classes) that gave this request its classes, for the evidence.
  uint32_t Observe(const http::Request& req, const http::IpAddr& ip, std::string_view site,
                   const Detection& detection, uint32_t* scenarios = nullptr);
  // The same, with the request's hashed texts already computed by the caller.
  uint32_t Observe(const http::Request& req, const http::RequestKeys& keys,
                   const http::IpAddr& ip, std::string_view site, const Detection& detection,
                   uint32_t* scenarios = nullptr);
  // Hands out verdicts of sources evicted since the last call; with final, of all sources (and
  // empties the table). Only sources that did something notable (a scenario, a signature, a
  // crawler claim, or a human-looking session) are returned.
  void Drain(std::vector<SourceVerdict>& out, bool final);

  // Checkpoints, so that a scan interrupted after a commit continues with exactly the state
  // that commit saw (and gives the verdicts one uninterrupted scan gives). TakeCheckpoint hands
  // out what changed since the last call: the meta record (always), the states written and the
  // state ids freed. Call it right after Drain, when no verdict is pending.
  struct CheckpointDelta {
    std::string meta;
    std::vector<std::pair<uint32_t, std::string>> states;
    std::vector<uint32_t> freed;
  };
  void TakeCheckpoint(CheckpointDelta& out);
  // Restores a whole checkpoint (meta and every state) into a new tracker built with the same
  // options; false, leaving the tracker empty, if it does not fit (other options, another
  // build's layout, damage).
  bool Restore(const std::string& meta, const std::vector<std::pair<uint32_t, std::string>>& states);
  // The options a checkpoint was taken with, if its meta record is readable.
  static bool CheckpointOptions(const std::string& meta, BehaviorOptions& out);

  std::size_t size() const;
  std::size_t capacity() const;      // max_sources
  std::size_t memory_bytes() const;  // the table's bound
  uint64_t evictions() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace keikai::detect
