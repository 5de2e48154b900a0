// Per-line costs of the hot path (Google Benchmark): parsing a combined line, detection on a
// benign and an attack request, and both together. No peer here; the peer comparison is
// ingest_vs_goaccess.sh.
#include <benchmark/benchmark.h>

#include "keikai/detect/detector.h"
#include "keikai/ingest/format.h"

namespace {

constexpr const char* kBenign =
    R"x(203.0.113.9 - - [16/Feb/2022:10:11:12 +0900] "GET /products/12?color=red HTTP/1.1" 200 5123 "https://shop.example.jp/" "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/98.0.4758.102 Safari/537.36")x";
constexpr const char* kAttack =
    R"x(198.51.100.7 - - [16/Feb/2022:10:11:12 +0900] "GET /index.php?page=%2e%2e%2f%2e%2e%2fetc%2fpasswd HTTP/1.1" 404 196 "-" "sqlmap/1.6.2#stable (https://sqlmap.org)")x";

void BM_ParseCombined(benchmark::State& st) {
  auto p = keikai::ingest::FindFormat("combined")->factory();
  keikai::http::Request r;
  keikai::ingest::ParseError e;
  for (auto _ : st) benchmark::DoNotOptimize(p->Parse(kBenign, r, e));
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK(BM_ParseCombined);

void BM_ParseAndDetect(benchmark::State& st, const char* line) {
  auto p = keikai::ingest::FindFormat("combined")->factory();
  auto set = std::move(keikai::detect::DetectorSet::Build(keikai::detect::Builtins())).value();
  auto scratch = set.NewScratch();
  keikai::http::Request r;
  keikai::ingest::ParseError e;
  keikai::detect::Detection d;
  for (auto _ : st) {
    p->Parse(line, r, e);
    set.Detect(r, *scratch, d);
    benchmark::DoNotOptimize(d.class_mask);
  }
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK_CAPTURE(BM_ParseAndDetect, benign, kBenign);
BENCHMARK_CAPTURE(BM_ParseAndDetect, attack, kAttack);

}  // namespace

BENCHMARK_MAIN();
