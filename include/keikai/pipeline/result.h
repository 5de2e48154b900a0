#pragma once
// What a scan read: counts, files, bad-line samples and notes. Plain values; the report shows
// them (report/model.h) without the pipeline knowing about reports.

#include <cstdint>
#include <string>
#include <vector>

namespace keikai::pipeline {

struct BadLineSample {
  std::string file;
  uint64_t line = 0;
  std::string code;      // machine code, e.g. "bad_time"; label via Tr("bad.<code>")
  uint64_t column = 0;   // 1-based, in bytes
  std::string excerpt;   // first 200 bytes, invalid UTF-8 replaced
};

struct ScanCounts {
  uint64_t files = 0;
  uint64_t lines = 0;          // lines read in this run
  uint64_t parsed = 0;         // lines that were records
  uint64_t skipped = 0;        // comments/directives/blank
  uint64_t bad_lines = 0;
  uint64_t already_ingested = 0;  // lines skipped because an earlier run ingested them
  double seconds = 0;          // wall time of the scan
};

struct FileRow {
  std::string path;
  std::string site;
  std::string format;
  uint64_t lines = 0, parsed = 0, bad_lines = 0, already_ingested = 0;
  uint64_t held_back = 0;  // an unterminated last line left for the next scan
  std::string error;       // non-empty when the file could not be read (in the report's language)
  std::string error_code;  // its machine code ("open", "read", "detect", ...)
  std::string detected_format;  // when most lines were bad: the format they look like, if any
};

struct ScanResult {
  ScanCounts summary;
  std::vector<FileRow> files;
  std::vector<BadLineSample> bad_line_samples;
  std::vector<std::string> sites;      // sites seen in this run, sorted
  bool all_sites = false;              // too many to name: the report covers every stored site
  uint64_t findings_dropped = 0;       // over max_findings
  uint64_t folded_requests = 0;        // requests of sites beyond max_sites, under "(other)"
  uint64_t crs_budget_exceeded = 0;    // lines whose CRS evaluation ran out of its time budget
  uint64_t crs_limit_hit = 0;          // lines on which a CRS regex hit its match limit
  std::string first_error;             // the first fatal per-file error, if any
  std::vector<std::string> notes;      // things the reader should know (subdirectories skipped)
  // The zone offset most lines carried (seconds east of UTC), for showing dates in the logs'
  // own zone when the user did not choose one; has_offset is false if no line carried one.
  int32_t dominant_offset = 0;
  bool has_offset = false;
};

}  // namespace keikai::pipeline
