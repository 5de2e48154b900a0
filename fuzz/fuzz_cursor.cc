// The ingest cursor (ingest/cursor.h) over arbitrary input, against an in-memory store of
// streams: the input is split at the first NUL into two inputs A and B, read in the order A, B,
// A, B with commits every few lines. Invariants: every line is returned at most once per stream
// position, a second read of the same input returns nothing new, and line numbers count up.
#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "keikai/ingest/cursor.h"
#include "keikai/ingest/source.h"

namespace {

using namespace keikai::ingest;

struct Store {
  std::map<uint64_t, StreamRecord> streams;
  void Apply(const StreamUpdate& u) {
    StreamRecord& r = streams[u.id];
    r.id = u.id;
    r.key = u.key;
    for (const Checkpoint& c : u.checkpoints) {
      auto it = std::find_if(r.checkpoints.begin(), r.checkpoints.end(),
                             [&](const Checkpoint& x) { return x.lines == c.lines; });
      if (it == r.checkpoints.end()) {
        r.checkpoints.push_back(c);
      } else {
        *it = c;  // as the store's INSERT OR REPLACE
      }
    }
    std::sort(r.checkpoints.begin(), r.checkpoints.end(),
              [](const Checkpoint& a, const Checkpoint& b) { return a.lines < b.lines; });
  }
};

uint64_t ReadAll(Store& st, const std::string& data, bool hold_back) {
  ResumeReader r(LineSource::FromString(data, 256), ResumeReader::Options{hold_back, 8},
                 [&st](const std::string& key) -> keikai::Result<std::vector<StreamRecord>> {
                   std::vector<StreamRecord> out;
                   for (const auto& [id, rec] : st.streams) {
                     if (rec.key == key) out.push_back(rec);
                   }
                   return out;
                 });
  if (!r.Start().ok()) return 0;
  std::string_view line;
  bool too_long = false;
  uint64_t n = 0, last_no = 0;
  while (r.Next(line, too_long)) {
    if (r.line_number() <= last_no) __builtin_trap();  // line numbers only go up
    last_no = r.line_number();
    if (++n % 7 == 0 && r.has_update()) st.Apply(r.TakeUpdate("f", "s", {"s"}));
  }
  if (r.has_update()) st.Apply(r.TakeUpdate("f", "s", {"s"}));
  return n;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string in(reinterpret_cast<const char*>(data), size);
  const std::size_t nul = in.find('\0');
  const std::string a = in.substr(0, nul), b = nul == std::string::npos ? std::string() : in.substr(nul + 1);
  for (bool hold_back : {true, false}) {
    Store st;
    ReadAll(st, a, hold_back);
    ReadAll(st, b, hold_back);
    // Read again, both are fully known: nothing is new.
    if (ReadAll(st, a, hold_back) != 0) __builtin_trap();
    if (ReadAll(st, b, hold_back) != 0) __builtin_trap();
  }
  return 0;
}
