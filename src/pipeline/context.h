#pragma once
// What the scanner shares with the kinds it drives (kinds.h): the options, the store, the
// aggregates, the result being built, and the file being read.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "keikai/core/status.h"
#include "keikai/event/aggregator.h"
#include "keikai/pipeline/scan.h"
#include "keikai/store/store.h"

namespace keikai::pipeline {

// Why a read line cannot be a record, or nullptr: longer than the reader's limit, or binary (a
// NUL byte; not searched when the caller knows there is none). Its code is a bad-line code
// ("bad.<code>" in the messages).
inline const char* UnreadableLine(std::string_view line, bool too_long, bool may_have_nul = true) {
  if (too_long) return "line_too_long";
  if (may_have_nul && line.find('\0') != std::string_view::npos) return "binary";
  return nullptr;
}

struct Context {
  Context(const ScanOptions& o, store::Store& s, event::Aggregator& a, ScanResult& r, int64_t max)
      : opt(o), store(s), agg(a), res(r), max_time(max) {}
  const ScanOptions& opt;
  store::Store& store;
  event::Aggregator& agg;
  ScanResult& res;
  int64_t max_time;  // now + 2 days: later lines are bad
  int32_t log_zone = 0;  // the offset of times logged without a zone (seconds east of UTC)
  int64_t now() const { return max_time - 2 * 86400; }
  bool fatal = false;  // the store failed: nothing more may be committed

  // The file being read.
  std::string file, file_site;  // its path; its site (--site, else from its name)
  std::vector<uint32_t> file_site_ids;  // the sites its lines went to (bounded)
  bool file_sites_overflow = false;      // ... and there were more

  void BeginFile(const std::string& path, const std::string& site) {
    file = path;
    file_site = site;
    file_site_ids.clear();
    file_sites_overflow = false;
    last_site_id_ = UINT32_MAX;
  }
  // The id of a site a line of this file went to.
  uint32_t SiteId(std::string_view name) {
    if (last_site_id_ != UINT32_MAX && name == last_site_name_) return last_site_id_;
    const uint32_t id = agg.Site(name);
    last_site_name_.assign(name);
    last_site_id_ = id;
    for (uint32_t x : file_site_ids) {
      if (x == id) return id;
    }
    if (file_site_ids.size() < 64) file_site_ids.push_back(id);
    else file_sites_overflow = true;
    return id;
  }
  Status Fatal(Status st) {
    fatal = true;
    return st;
  }

 private:
  std::string last_site_name_;
  uint32_t last_site_id_ = UINT32_MAX;
};

}  // namespace keikai::pipeline
