// The ingest cursor (ingest/cursor.h) over arbitrary input, against an in-memory store of
// streams: the input is split at the first NUL into two inputs A and B, read in the order A, B,
// A, B with commits every few lines. Invariants: line numbers count up; a second read of the
// same input returns nothing new; and (every line counting, as on stdin) the lines returned by
// the first reads of A and B are the distinct lines of the trie the two inputs form: never more
// (no line counted twice) and at most one fewer per read (a 16-bit fingerprint collision, 1 in
// 65,536, can move a fork by a line). Inputs without a record line (only '#' directives) have
// no identity and are read whole every time: they are left out of the counts.
// The same again as the daemon reads followed files (ResumeReader::Options::reopen, which checks
// only the last block of what was ingested): line numbers count up, and a second read of the
// same input returns nothing new (the counts are not checked: an input whose earlier lines
// differ behind an equal last block is taken as grown, by design).
#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "keikai/ingest/cursor.h"
#include "keikai/ingest/source.h"

namespace {

using namespace keikai::ingest;

struct Store {
  std::map<uint64_t, StreamRecord> streams;
  void Apply(const StreamUpdate& u) { ApplyUpdate(streams[u.id], u); }
};

// The lines of data as the reader sees them.
std::vector<std::string> SplitLines(const std::string& data) {
  auto src = LineSource::FromString(data, 256);
  std::vector<std::string> out;
  std::string_view line;
  bool too_long = false;
  while (src->Next(line, too_long)) out.emplace_back(line);
  return out;
}

std::string Key(const std::vector<std::string>& lines) {
  KeyBuilder kb;
  for (const std::string& l : lines) {
    if (kb.Add(l)) break;
  }
  return kb.key();
}

bool HasRecord(const std::vector<std::string>& lines) {
  for (const std::string& l : lines) {
    if (l.empty() || l[0] != '#') return true;
  }
  return false;
}

// Returns the new lines; *keyed says whether the input had an identity (a record line).
uint64_t ReadAll(Store& st, const std::string& data, bool hold_back, bool* keyed = nullptr,
                 bool follow = false) {
  ResumeReader::Options o{hold_back, 8, {}, {}};
  if (follow) {
    o.reopen = [&data]() -> keikai::Result<std::unique_ptr<LineSource>> {
      return LineSource::FromString(data, 256);
    };
    o.load_ends = [&st](const std::string& key) -> keikai::Result<std::vector<StreamRecord>> {
      std::vector<StreamRecord> out;
      for (const auto& [id, rec] : st.streams) {
        if (rec.key != key) continue;
        out.push_back(rec);
        auto& cps = out.back().checkpoints;
        if (cps.size() > 2) cps.erase(cps.begin(), cps.end() - 2);
      }
      return out;
    };
  }
  ResumeReader r(LineSource::FromString(data, 256), o,
                 [&st](const std::string& key) -> keikai::Result<std::vector<StreamRecord>> {
                   std::vector<StreamRecord> out;
                   for (const auto& [id, rec] : st.streams) {
                     if (rec.key == key) out.push_back(rec);
                   }
                   return out;
                 });
  if (!r.Start().ok()) return 0;
  if (keyed != nullptr) *keyed = !r.key().empty();
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
  const std::vector<std::string> la = SplitLines(a), lb = SplitLines(b);
  const bool ra = HasRecord(la), rb = HasRecord(lb);
  for (bool hold_back : {true, false}) {
    Store st;
    const uint64_t na = ReadAll(st, a, hold_back);
    const uint64_t nb = ReadAll(st, b, hold_back);
    // Read again, both are fully known: nothing is new.
    bool keyed = false;
    if (ReadAll(st, a, hold_back, &keyed) != 0 && keyed) __builtin_trap();
    if (ReadAll(st, b, hold_back, &keyed) != 0 && keyed) __builtin_trap();
    if (hold_back || !ra || !rb) continue;
    // Inputs of different keys (leading '#' directives and first record) are different streams,
    // whatever lines they share.
    std::size_t expected = la.size() + lb.size();
    if (Key(la) == Key(lb)) {
      std::map<std::pair<std::size_t, std::string>, std::size_t> trie;  // (parent, line) -> node
      for (const auto* lines : {&la, &lb}) {
        std::size_t node = 0;
        for (const std::string& l : *lines) node = trie.try_emplace({node, l}, trie.size() + 1).first->second;
      }
      expected = trie.size();
    }
    if (na + nb > expected || na + nb + 2 < expected) __builtin_trap();
  }
  Store st;
  for (const std::string* x : {&a, &b, &a, &b}) {
    ReadAll(st, *x, true, nullptr, true);
    bool keyed = false;
    if (ReadAll(st, *x, true, &keyed, true) != 0 && keyed) __builtin_trap();
  }
  return 0;
}
