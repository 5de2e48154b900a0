#pragma once
// The processor: the pipeline as a long-lived object. Start() restores what an interrupted run
// left; Feed(input) reads what is new in one input (the resume cursor skips every line an
// earlier feed or run ingested, whatever the input is now called) and commits it with the
// input's mark; Flush() commits what is pending with the kinds' state; Finish() ends the run with
// the last behaviour verdicts and returns what every feed read. `keikai scan` is a processor over
// finite inputs (pipeline::Scan); the daemon feeds followed inputs to one processor for weeks.
//
// Memory stays bounded however long it runs: sites by max_sites, behaviour by max_sources, the
// CRS memo by its cap, findings per batch, and the table of sources is dropped after a batch once
// it holds more than kMaxSourcesKept (the store merges first and last seen; only the country
// lookup is repeated).
//
// Files and the clock come from ScanOptions::env (ingest/env.h): tests drive a processor over
// files in memory that grow and rotate.
//
// Thread-safety: one thread per processor, one processor per store.

#include <memory>
#include <string>

#include "keikai/core/status.h"
#include "keikai/pipeline/scan.h"

namespace keikai::pipeline {

class Processor {
 public:
  static constexpr std::size_t kMaxSourcesKept = 262'144;

  Processor(const ScanOptions& opt, store::Store& store, const detect::DetectorSet& detectors,
            const geo::GeoDb* geo);
  ~Processor();
  Processor(const Processor&) = delete;
  Processor& operator=(const Processor&) = delete;

  Status Start();
  // Reads the new lines of one input; row says what was read (lines, bad lines, format, site).
  // A failed input is an error of its own (its row says why); when fatal() the store failed and
  // nothing more may be fed.
  // `in` replaces the options' site, format, proxies or log zone for this input only.
  Status Feed(const std::string& input, FileRow& row, const InputOptions& in = {});
  bool fatal() const;
  Status Flush();
  // The result of every feed so far (files, counts, samples, sites, notes). Call once. With
  // ScanOptions::follow the per-file rows are not kept (each Feed returned its own).
  Result<ScanResult> Finish();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace keikai::pipeline
