// Evaluator: runs a compiled RuleSet over one request at a time. See engine.h for what is
// evaluated; the comments here say why things are done the way they are.
#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <unordered_map>

#include "engine_internal.h"
#include "keikai/core/ascii.h"
#include "keikai/core/hash.h"
#include "keikai/http/body.h"
#include "keikai/http/decode.h"
#include "xml_text.h"

namespace keikai::rules {

using namespace internal;

namespace {

struct Entry {
  std::string key;
  std::string value;
  std::string lkey;  // key lower-cased once, for the case-insensitive selector comparisons
  // Answers of the rule set's regex selectors (by Target::key_rx_slot) on this key: bit k of
  // rx_known says slot k was asked, bit k of rx_match its answer. Reset whenever the key is
  // set; TX entries keep theirs from request to request (see TakeTxEntry).
  uint64_t rx_known = 0, rx_match = 0;
};

struct Candidate {
  Var var;
  int index;                 // entry index, -1 for a count
  std::string_view key;
  std::string_view value;
  int owned = -1;  // index of its (key, value) copy in State::owned, for writable variables and counts
};

// A small open-addressing map from 64-bit keys to indices, cleared in O(1) by a generation
// stamp: the per-request caches are filled and dropped for every request, and node-based maps
// spent more in malloc/free than the lookups saved.
class FlatIndex {
 public:
  static constexpr std::size_t kNone = static_cast<std::size_t>(-1);
  std::size_t Find(uint64_t key) const {
    if (slots_.empty()) return kNone;
    for (std::size_t i = Hash(key) & mask_;; i = (i + 1) & mask_) {
      const Slot& sl = slots_[i];
      if (sl.gen != gen_) return kNone;
      if (sl.key == key) return sl.value;
    }
  }
  void Insert(uint64_t key, std::size_t value) {
    if ((used_ + 1) * 2 > slots_.size()) Grow();
    for (std::size_t i = Hash(key) & mask_;; i = (i + 1) & mask_) {
      Slot& sl = slots_[i];
      if (sl.gen != gen_) {
        sl = Slot{key, value, gen_};
        ++used_;
        return;
      }
      if (sl.key == key) {
        sl.value = value;
        return;
      }
    }
  }
  void Clear() {
    if (++gen_ == 0) {  // wrapped: stale stamps could read as current
      for (Slot& sl : slots_) sl.gen = 0;
      gen_ = 1;
    }
    used_ = 0;
  }

 private:
  struct Slot {
    uint64_t key = 0;
    std::size_t value = 0;
    uint32_t gen = 0;
  };
  static std::size_t Hash(uint64_t k) {
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    return static_cast<std::size_t>(k);
  }
  void Grow() {
    std::vector<Slot> old;
    old.swap(slots_);
    slots_.assign(old.empty() ? 1024 : old.size() * 2, Slot{});
    mask_ = slots_.size() - 1;
    const uint32_t g = gen_;
    gen_ = 1;
    used_ = 0;
    for (const Slot& sl : old) {
      if (sl.gen == g) Insert(sl.key, sl.value);
    }
  }
  std::vector<Slot> slots_;
  std::size_t mask_ = 0;
  std::size_t used_ = 0;
  uint32_t gen_ = 1;
};

constexpr std::size_t kMatchedDataMax = 200;

}  // namespace

struct Evaluator::State {
  std::unique_ptr<OperatorScratch, void (*)(OperatorScratch*)> scratch{NewOperatorScratch()};
  // The per-request time budget (EngineOptions::request_budget_us): the deadline, whether it has
  // passed, and a call counter that spaces out the clock reads for short values.
  int64_t deadline_ns = 0;
  bool budget_on = false, budget_out = false;
  int64_t (*clock_ns)() = nullptr;  // EngineOptions::monotonic_ns
  uint32_t budget_calls = 0;
  std::vector<Entry> vars[kVarCount];
  std::vector<Entry> spare;  // entries of earlier requests, reused by NewEntry
  // The previous request's TX entries, in the order they were made, and how many of them this
  // request has taken back: CRS makes the same TX variables in the same order every request.
  std::vector<Entry> tx_prev;
  std::size_t tx_reuse = 0;
  EngineMode mode = EngineMode::kOn;
  bool body_access = false;
  bool force_body_variable = false;
  std::vector<IdRange> removed_ids;
  std::vector<std::string> removed_tags;
  struct TargetExclusion {
    bool by_tag = false;
    std::vector<IdRange> ids;
    std::string tag;
    Target target;
  };
  std::vector<TargetExclusion> target_exclusions;
  std::vector<const Target*> exclusions;  // Resolve's scratch list
  // Transformed values of this request by (chain, variable, entry): an index into tpool, whose
  // strings are reused from request to request (assign keeps their capacity).
  FlatIndex tcache;
  FlatIndex key_rx_cache;  // regex selector answers per (selector, variable, entry)
  // Regex selector answers on writable variables, by (selector, key text); kept across
  // requests, bounded (see KeyRegexMatches).
  struct KeyRxAnswer {
    const CompiledOperator* rx;
    std::string key;
    bool matched;
  };
  std::unordered_map<uint64_t, KeyRxAnswer> key_rx_text_cache;
  std::vector<std::string> tpool;
  std::size_t tpool_used = 0;
  std::string t1, t2;  // transformation buffers
  std::vector<Candidate> cands;
  // Candidate lists shared by rules with the same targets (Rule::target_sig), valid while
  // sig_gen[sig] == cand_gen; cand_gen moves whenever the request's variables change shape.
  std::vector<std::vector<Candidate>> sig_lists;
  std::vector<uint32_t> sig_gen;
  uint32_t cand_gen = 1;
  // The last match's variable, from which MATCHED_VAR_NAME is built on first read.
  bool name_pending = false;
  Var pn_var = Var::kArgs;
  bool pn_count = false, pn_coll = false;
  std::string pn_key;
  // TX by lower-cased name, rebuilt when entries are added or removed (CRS reads TX:name in
  // hundreds of rules per request: a scan of ~70 entries each time was the engine's top cost).
  FlatIndex tx_index;  // FastHash64(lower-cased name) -> entry; collisions fall back to a scan
  std::string macro_key;   // Expand's scratch for TX names
  std::string macro_coll;  // and for collection names
  bool tx_dirty = true;
  std::vector<std::pair<std::string, std::string>> owned;
  std::size_t owned_used = 0;
  const Rule* current = nullptr;  // the chain starter being evaluated (for %{rule.*})
  Verdict* verdict = nullptr;
  uint64_t counter = 0;
  int highest_severity = 255;
  bool allow = false;
  MacroExpander expander;
  // The prefilter: one Vectorscan scratch for all chains' databases, and per request the bits
  // each (value, chain) scan set, in one pool (offset by key) so no request allocates per scan.
  const RuleSet::Impl* set = nullptr;
  hs_scratch_t* hs = nullptr;
  FlatIndex pf_offset;
  std::vector<uint64_t> pf_pool;
  // The set of bytes of each cacheable transformed value (by CacheKey), for ByteFilter.
  FlatIndex bytes_index;
  std::vector<std::array<uint64_t, 4>> bytes_pool;
  ~State() {
    if (hs != nullptr) hs_free_scratch(hs);
  }
};

namespace {

std::vector<Entry>& V(Evaluator::State& s, Var v) { return s.vars[static_cast<std::size_t>(v)]; }

// Entries of the previous requests are recycled (see Evaluator::State::spare): assigning into
// one keeps its strings' capacity, so a request's variables cost no allocation once the
// evaluator has seen requests of that size.
// The entry comes back empty (its strings keep their capacity).
Entry& NewEntry(Evaluator::State& s, std::vector<Entry>& vec) {
  if (s.spare.empty()) return vec.emplace_back();
  vec.push_back(std::move(s.spare.back()));
  s.spare.pop_back();
  Entry& e = vec.back();
  e.key.clear();
  e.value.clear();
  e.lkey.clear();
  e.rx_known = e.rx_match = 0;
  return e;
}

// Bounded: at most kMaxSpare entries are kept, none holding a string larger than
// kMaxSpareBytes (a large body is not kept alive for the evaluator's lifetime).
constexpr std::size_t kMaxSpare = 4096, kMaxSpareBytes = 16384;

void Recycle(Evaluator::State& s, std::vector<Entry>& vec) {
  for (Entry& e : vec) {
    if (s.spare.size() >= kMaxSpare) break;
    if (e.key.capacity() > kMaxSpareBytes || e.value.capacity() > kMaxSpareBytes ||
        e.lkey.capacity() > kMaxSpareBytes) {
      continue;
    }
    s.spare.push_back(std::move(e));
  }
  vec.clear();
}

void SetScalar(Evaluator::State& s, Var v, std::string_view value) {
  auto& vec = V(s, v);
  if (vec.size() != 1) {
    Recycle(s, vec);
    NewEntry(s, vec);
  }
  Entry& e = vec.front();
  e.key.clear();
  e.lkey.clear();
  e.rx_known = e.rx_match = 0;
  e.value.assign(value);
}

void Add(Evaluator::State& s, Var v, std::string_view key, std::string_view value) {
  Entry& e = NewEntry(s, V(s, v));
  e.key.assign(key);
  e.value.assign(value);
  AssignLower(e.lkey, key);
}

std::string FullName(Var v, std::string_view key, bool collection) {
  std::string n(VarName(v));
  if (collection) {
    n += ':';
    n.append(key);
  }
  return n;
}

// Looked up for every target of every rule: a table, not a search by name.
bool IsCollection(Var v) {
  static const auto table = [] {
    std::array<bool, kVarCount> t{};
    for (std::size_t i = 0; i < kVarCount; ++i) {
      const VarInfo* info = FindVar(VarName(static_cast<Var>(i)));
      t[i] = info != nullptr && info->collection;
    }
    return t;
  }();
  return table[static_cast<std::size_t>(v)];
}

// ---- TX and the other writable collections ------------------------------------------------

Entry* FindEntry(std::vector<Entry>& c, std::string_view key) {
  for (Entry& e : c) {
    if (e.lkey.size() == key.size() && IEquals(e.lkey, key)) return &e;
  }
  return nullptr;
}


}  // namespace

namespace {

// The TX entry named lkey (lower case, FastHash64 h), through the index; nullptr if there is none.
Entry* TxFind(Evaluator::State& s, std::string_view lkey, uint64_t h) {
  auto& tx = V(s, Var::kTx);
  if (s.tx_dirty) {
    s.tx_index.Clear();
    for (std::size_t i = 0; i < tx.size(); ++i) s.tx_index.Insert(FastHash64(tx[i].lkey), i);
    s.tx_dirty = false;
  }
  const std::size_t at = s.tx_index.Find(h);
  if (at != FlatIndex::kNone && at < tx.size() && tx[at].lkey == lkey) return &tx[at];
  if (at == FlatIndex::kNone) return nullptr;
  for (Entry& e : tx) {  // a hash collision (or a stale slot): the exact answer by scanning
    if (e.lkey == lkey) return &e;
  }
  return nullptr;
}

// A new entry named lname (lower case) at the end of coll.
Entry& NewNamedEntry(Evaluator::State& s, std::vector<Entry>& coll, std::string_view lname) {
  Entry& e = NewEntry(s, coll);
  e.key.assign(lname);
  e.lkey.assign(lname);
  return e;
}

Entry* TxFind(Evaluator::State& s, std::string_view lkey) { return TxFind(s, lkey, FastHash64(lkey)); }

// A new TX entry named lname (lower case): the previous request's entry of that name when it
// comes next in the previous request's order (or a few entries later), so its key, lower-cased
// key and selector answers are kept; else a fresh one.
Entry& TakeTxEntry(Evaluator::State& s, std::string_view lname) {
  constexpr std::size_t kLookAhead = 8;
  auto& tx = V(s, Var::kTx);
  const std::size_t end = std::min(s.tx_prev.size(), s.tx_reuse + kLookAhead);
  for (std::size_t j = s.tx_reuse; j < end; ++j) {
    if (s.tx_prev[j].lkey != lname) continue;
    tx.push_back(std::move(s.tx_prev[j]));
    s.tx_reuse = j + 1;  // the ones skipped are recycled at the next request
    Entry& e = tx.back();
    if (e.value.capacity() > kMaxSpareBytes) {
      std::string().swap(e.value);  // as Recycle: no large string stays alive
    } else {
      e.value.clear();
    }
    return e;
  }
  return NewNamedEntry(s, tx, lname);
}

// The TX entry named lname (lower case, FastHash64 h), created empty if there is none, the index
// kept.
Entry& TxUpsert(Evaluator::State& s, std::string_view lname, uint64_t h) {
  if (Entry* e = TxFind(s, lname, h)) return *e;
  auto& tx = V(s, Var::kTx);
  // TxFind left the index current. A colliding name keeps the first entry's slot; TxFind then
  // scans for the second.
  if (s.tx_index.Find(h) == FlatIndex::kNone) s.tx_index.Insert(h, tx.size());
  return TakeTxEntry(s, lname);
}
Entry& TxUpsert(Evaluator::State& s, std::string_view lname) {
  return TxUpsert(s, lname, FastHash64(lname));
}

// Builds MATCHED_VAR_NAME from the last match, if it has not been built yet.
void MaterializeMatchedName(Evaluator::State& s) {
  if (!s.name_pending) return;
  s.name_pending = false;
  std::string name = s.pn_count ? "&" + FullName(s.pn_var, s.pn_key, !s.pn_key.empty())
                                : FullName(s.pn_var, s.pn_key, s.pn_coll);
  auto& e = V(s, Var::kMatchedVarName);
  if (e.empty()) NewEntry(s, e);
  e.resize(1);
  e.front().value = std::move(name);
}

std::string Expand(Evaluator::State& s, std::string_view text) {
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t start = text.find("%{", i);
    if (start == std::string_view::npos) {
      out.append(text.substr(i));
      break;
    }
    out.append(text.substr(i, start - i));
    const std::size_t end = text.find('}', start + 2);
    if (end == std::string_view::npos) {
      out.append(text.substr(start));
      break;
    }
    const std::string_view inner = text.substr(start + 2, end - start - 2);
    i = end + 1;
    const std::size_t dot = inner.find('.');
    const std::string_view key = dot == std::string_view::npos ? std::string_view() : inner.substr(dot + 1);
    if (dot == 2 && IEquals(inner.substr(0, 2), "tx")) {  // the common case, through the index
      std::string& lkey = s.macro_key;  // reused: no allocation per macro
      AssignLower(lkey, key);
      if (const Entry* e = TxFind(s, lkey)) out += e->value;
      continue;
    }
    // The collection name upper-cased in a reused buffer (no allocation per macro).
    std::string& coll = s.macro_coll;
    coll.assign(inner.substr(0, dot));
    for (char& c : coll) c = FoldUpper(c);
    if (coll == "RULE") {
      const Rule* r = s.current;
      if (r == nullptr) continue;
      const std::string k = Lower(key);
      if (k == "id") out += std::to_string(r->id);
      else if (k == "msg") out += Expand(s, r->msg);
      else if (k == "severity") out += r->severity_num >= 0 ? std::to_string(r->severity_num) : "";
      else if (k == "logdata") out += Expand(s, r->logdata);
      continue;
    }
    const VarInfo* info = FindVar(coll);
    if (info == nullptr) continue;
    if (info->var == Var::kMatchedVarName) MaterializeMatchedName(s);
    const auto& entries = V(s, info->var);
    if (!info->collection || key.empty()) {
      if (!entries.empty()) out += entries.front().value;
      continue;
    }
    for (const Entry& e : entries) {
      if (IEquals(e.key, key)) {
        out += e.value;
        break;
      }
    }
  }
  return out;
}

void DoSetVar(Evaluator::State& s, const SetVar& sv) {
  const Var v = sv.collection;
  if (v == Var::kCount) return;
  std::string expanded;
  if (sv.name_has_macro) {
    expanded = Expand(s, sv.name);
    for (char& c : expanded) c = FoldLower(c);
  }
  const std::string& name = expanded.empty() ? sv.name : expanded;  // sv.name is lower-cased
  auto& coll = V(s, v);
  if (sv.unset) {
    if (v == Var::kTx) s.tx_dirty = true;
    coll.erase(std::remove_if(coll.begin(), coll.end(), [&](const Entry& e) { return e.lkey == name; }),
               coll.end());
    return;
  }
  // The value: literal, exactly one TX macro (CRS's "+%{tx.critical_anomaly_score}"), or
  // anything else through Expand. The first two need no string built.
  std::string expanded_value;
  std::string_view value = sv.value;
  if (!sv.value_tx_ref.empty()) {
    const Entry* ref = TxFind(s, sv.value_tx_ref, sv.value_tx_ref_hash);
    value = ref == nullptr ? std::string_view() : std::string_view(ref->value);
    if (sv.op == '=' && ref != nullptr) {  // copied: the entry below may be the same vector
      expanded_value = ref->value;
      value = expanded_value;
    }
  } else if (sv.value_has_macro) {
    expanded_value = Expand(s, sv.value);
    value = expanded_value;
  }
  const int64_t delta = sv.op == '=' ? 0 : LeadingInt(value);  // read before the vector may grow
  Entry* e = v != Var::kTx         ? FindEntry(coll, name)
             : sv.name_has_macro ? &TxUpsert(s, name)
                                 : &TxUpsert(s, name, sv.name_hash);
  if (e == nullptr) e = &NewNamedEntry(s, coll, name);
  if (!sv.has_value) {
    e->value = "1";  // setvar:tx.flag with no value sets it, as ModSecurity does
  } else if (sv.op == '+' || sv.op == '-') {
    char num[24];
    const auto r = std::to_chars(num, num + sizeof num, LeadingInt(e->value) + (sv.op == '+' ? delta : -delta));
    e->value.assign(num, static_cast<std::size_t>(r.ptr - num));
  } else {
    e->value.assign(value);
  }
}

bool RuleRemovedAtRuntime(const Evaluator::State& s, const Rule& r) {
  if (InRanges(s.removed_ids, r.id)) return true;
  for (const std::string& t : s.removed_tags) {
    if (std::find(r.tags.begin(), r.tags.end(), t) != r.tags.end()) return true;
  }
  return false;
}

constexpr std::size_t kKeyRxTextCacheMax = 4096, kKeyRxTextMaxKey = 256;

// A selector's answer on a key, kept by (selector, key text) across requests: TX keys are the
// same names request after request (TX:/^header_name_920450_/ meets every TX variable of every
// request), as are header and cookie names.
template <class Match>
bool KeyRegexByText(Evaluator::State& s, const Target& t, std::string_view key, Match&& match) {
  if (key.size() > kKeyRxTextMaxKey) return match();
  const uint64_t h = Mix64(reinterpret_cast<uintptr_t>(t.key_rx.get()) ^ FastHash64(key));
  auto it = s.key_rx_text_cache.find(h);
  if (it != s.key_rx_text_cache.end() && it->second.rx == t.key_rx.get() && it->second.key == key) {
    return it->second.matched;
  }
  const bool m = match();
  if (it == s.key_rx_text_cache.end()) {  // (a colliding entry is left alone)
    if (s.key_rx_text_cache.size() >= kKeyRxTextCacheMax) s.key_rx_text_cache.clear();
    s.key_rx_text_cache.emplace(h, Evaluator::State::KeyRxAnswer{t.key_rx.get(), std::string(key), m});
  }
  return m;
}

// Whether a regex selector (ARGS:/^id/, !REQUEST_COOKIES:/__utm/, TX:/^header_name_/) matches
// entry `index` (key `key`) of `var`. The same selector meets the same cookie, header or TX
// variable in rule after rule and request after request: answers are kept per request by entry
// and across requests by key text.
bool KeyRegexMatches(Evaluator::State& s, const Target& t, Var var, std::size_t index,
                     std::string_view key) {
  static const MacroExpander kNone;
  const auto ptr = reinterpret_cast<uintptr_t>(t.key_rx.get());
  auto match = [&] { return t.key_rx->Match(key, kNone, *s.scratch, false).matched; };
  if (var == Var::kTx && t.key_rx_slot >= 0) {
    // TX entries remember the answer (their keys never change; see Entry::rx_known).
    Entry& e = V(s, Var::kTx)[index];
    const uint64_t bit = uint64_t{1} << t.key_rx_slot;
    if ((e.rx_known & bit) == 0) {
      e.rx_known |= bit;
      if (KeyRegexByText(s, t, key, match)) e.rx_match |= bit;
    }
    return (e.rx_match & bit) != 0;
  }
  // By entry index within the request for request variables (their entries never change);
  // writable ones (TX) change their entries, and go by key text only.
  if (!WrittenByRules(var) && index < 512 && ptr < (uintptr_t{1} << 47)) {
    const uint64_t ck = (static_cast<uint64_t>(ptr)) | (static_cast<uint64_t>(var) << 47) |
                        (static_cast<uint64_t>(index) << 55);
    const std::size_t hit = s.key_rx_cache.Find(ck);
    if (hit != FlatIndex::kNone) return hit != 0;
    const bool m = match();
    s.key_rx_cache.Insert(ck, m ? 1 : 0);
    return m;
  }
  return KeyRegexByText(s, t, key, match);
}

bool TargetCovers(Evaluator::State& s, const Target& ex, Var var, std::size_t index,
                  std::string_view key, std::string_view lkey) {
  if (ex.var != var) return false;
  if (ex.key_rx) return KeyRegexMatches(s, ex, var, index, key);
  if (ex.key.empty()) return true;
  return ex.key == lkey;
}

void ExecuteCtl(Evaluator::State& s, const Ctl& c) {
  switch (c.kind) {
    case Ctl::kRuleRemoveById:
      s.removed_ids.insert(s.removed_ids.end(), c.ids.begin(), c.ids.end());
      break;
    case Ctl::kRuleRemoveByTag:
      s.removed_tags.push_back(c.value);
      break;
    case Ctl::kRuleRemoveTargetById:
    case Ctl::kRuleRemoveTargetByTag:
      for (const Target& t : c.targets) {
        Evaluator::State::TargetExclusion x;
        x.by_tag = c.kind == Ctl::kRuleRemoveTargetByTag;
        if (x.by_tag) x.tag = c.value;
        else x.ids = c.ids;
        x.target = t;
        s.target_exclusions.push_back(std::move(x));
      }
      break;
    case Ctl::kRuleEngine:
      if (c.value == "on") s.mode = EngineMode::kOn;
      else if (c.value == "off") s.mode = EngineMode::kOff;
      else if (c.value == "detectiononly") s.mode = EngineMode::kDetectionOnly;
      break;
    case Ctl::kRequestBodyProcessor:
      SetScalar(s, Var::kReqbodyProcessor, c.value);
      break;
    case Ctl::kForceRequestBodyVariable:
      s.force_body_variable = c.value == "on";
      break;
    case Ctl::kRequestBodyAccess:
      s.body_access = c.value == "on";
      break;
    case Ctl::kIgnored:
      break;
  }
}

// ---- targets --------------------------------------------------------------------------------

// Copies (key, value) into the state's pool of owned strings (reused between rules, so their
// capacity stays); returns its index.
int Own(Evaluator::State& s, std::string_view key, std::string_view value) {
  if (s.owned_used == s.owned.size()) s.owned.emplace_back();
  auto& o = s.owned[s.owned_used];
  o.first.assign(key);
  o.second.assign(value);
  return static_cast<int>(s.owned_used++);
}

// Whether a ctl:ruleRemoveTargetById/ByTag of this request names the rule (chain starter).
bool ExclusionApplies(const Evaluator::State::TargetExclusion& x, const Rule& starter) {
  if (x.by_tag) return std::find(starter.tags.begin(), starter.tags.end(), x.tag) != starter.tags.end();
  return InRanges(x.ids, starter.id);
}

void ResolveInto(Evaluator::State& s, const Rule& r, const Rule& starter) {
  if (s.name_pending) {
    for (const Target& t : r.targets) {
      if (t.var == Var::kMatchedVarName) MaterializeMatchedName(s);
    }
  }
  s.cands.clear();
  s.owned_used = 0;
  // The exclusions that apply to this rule (its own !targets and the ctl:ruleRemoveTarget*
  // that name it), found once per rule rather than per entry.
  auto& ex = s.exclusions;
  ex.clear();
  for (const Target& t : r.targets) {
    if (t.exclude) ex.push_back(&t);
  }
  for (const auto& x : s.target_exclusions) {
    if (ExclusionApplies(x, starter)) ex.push_back(&x.target);
  }
  auto excluded = [&](Var var, std::size_t index, std::string_view key, std::string_view lkey) {
    for (const Target* t : ex) {
      if (TargetCovers(s, *t, var, index, key, lkey)) return true;
    }
    return false;
  };
  const bool has_exclusions = !ex.empty();
  for (const Target& t : r.targets) {
    if (t.exclude) continue;
    const auto& entries = V(s, t.var);
    const bool coll = t.collection;
    std::size_t begin = 0, end = entries.size();
    if (t.var == Var::kTx && !t.key.empty() && !t.key_rx) {
      const Entry* hit = TxFind(s, t.key, t.key_hash);
      begin = hit == nullptr ? 0 : static_cast<std::size_t>(hit - entries.data());
      end = hit == nullptr ? 0 : begin + 1;
    }
    // Values of writable variables are copied only when this link can write while its
    // candidates are in use (setvar, or capture into TX.0-9).
    const bool mut = WrittenByRules(t.var) && (!r.setvars.empty() || r.capture);
    std::size_t count = 0;
    for (std::size_t i = begin; i < end; ++i) {
      const Entry& e = entries[i];
      if (coll) {
        if (t.key_rx) {
          if (!KeyRegexMatches(s, t, t.var, i, e.key)) continue;
        } else if (!t.key.empty() && t.key != e.lkey) {
          continue;
        }
      }
      if (has_exclusions && excluded(t.var, i, e.key, e.lkey)) continue;
      ++count;
      if (t.count) continue;
      Candidate c{t.var, static_cast<int>(i), e.key, e.value, -1};
      if (mut) c.owned = Own(s, e.key, e.value);
      s.cands.push_back(c);
    }
    if (t.count) {
      char num[24];
      const auto conv = std::to_chars(num, num + sizeof num, count);
      Candidate c{t.var, -1, {}, {}, Own(s, t.key, std::string_view(num, static_cast<std::size_t>(conv.ptr - num)))};
      s.cands.push_back(c);
    }
  }
  // Views into owned strings are taken after the pool stops growing.
  for (Candidate& c : s.cands) {
    if (c.owned >= 0) {
      const auto& o = s.owned[static_cast<std::size_t>(c.owned)];
      c.key = o.first;
      c.value = o.second;
    }
  }
}

// The candidates of r. Rules with the same targets (CRS repeats the same target list in rule
// after rule) share one list per request, as long as no ctl:ruleRemoveTarget* names them and the
// request's variables have not changed since (the body processor and the response add to them).
const std::vector<Candidate>& Resolve(Evaluator::State& s, const Rule& r, const Rule& starter) {
  if (r.target_sig <= 0) {
    ResolveInto(s, r, starter);
    return s.cands;
  }
  for (const auto& x : s.target_exclusions) {
    if (ExclusionApplies(x, starter)) {
      ResolveInto(s, r, starter);
      return s.cands;
    }
  }
  const auto sig = static_cast<std::size_t>(r.target_sig);
  if (s.sig_lists.size() <= sig) {
    s.sig_lists.resize(sig + 1);
    s.sig_gen.resize(sig + 1, 0);
  }
  if (s.sig_gen[sig] != s.cand_gen) {
    ResolveInto(s, r, starter);
    s.sig_lists[sig].assign(s.cands.begin(), s.cands.end());
    s.sig_gen[sig] = s.cand_gen;
  }
  return s.sig_lists[sig];
}

uint64_t CacheKey(const Rule& r, const Candidate& c) {
  return (static_cast<uint64_t>(r.transform_chain) << 32) | (static_cast<uint64_t>(c.var) << 24) |
         static_cast<uint64_t>(c.index);
}

bool Cacheable(const Candidate& c) { return c.index >= 0 && !WrittenByRules(c.var) && c.index < (1 << 24); }

// True when the prefilter proves r's regex cannot match the transformed value tv.
bool PrefilterRejects(Evaluator::State& s, const Rule& r, const Candidate& c, std::string_view tv) {
  if (r.pf_bit < 0 || s.hs == nullptr || !Cacheable(c)) return false;
  const Prefilter* pf = s.set->prefilters[static_cast<std::size_t>(r.transform_chain)].get();
  if (pf == nullptr) return false;
  const uint64_t key = CacheKey(r, c);
  std::size_t off = s.pf_offset.Find(key);
  if (off == FlatIndex::kNone) {
    off = s.pf_pool.size();
    s.pf_pool.resize(off + static_cast<std::size_t>((pf->count + 63) / 64), 0);
    struct Ctx {
      uint64_t* bits;
    } ctx{s.pf_pool.data() + off};
    auto on_match = [](unsigned id, unsigned long long, unsigned long long, unsigned, void* p) -> int {
      static_cast<Ctx*>(p)->bits[id / 64] |= uint64_t{1} << (id % 64);
      return 0;
    };
    if (hs_scan(pf->db.get(), tv.data(), static_cast<unsigned>(tv.size()), 0, s.hs, on_match, &ctx) != HS_SUCCESS) {
      // A scan error proves nothing: mark everything as a candidate.
      for (int w = 0; w < (pf->count + 63) / 64; ++w) s.pf_pool[off + static_cast<std::size_t>(w)] = ~uint64_t{0};
    }
    s.pf_offset.Insert(key, off);
  }
  const uint64_t word = s.pf_pool[off + static_cast<std::size_t>(r.pf_bit / 64)];
  return (word & (uint64_t{1} << (r.pf_bit % 64))) == 0;
}

// True when the operator's ByteFilter proves it cannot match tv (no need to call it).
bool ByteFilterRejects(Evaluator::State& s, const ByteFilter& f, const Rule& r, const Candidate& c,
                       std::string_view tv) {
  if (tv.size() < f.min_length) return true;
  if (!f.has_first && !f.has_required) return false;
  if (!Cacheable(c)) return f.Rejects(tv);
  const uint64_t key = CacheKey(r, c);
  std::size_t at = s.bytes_index.Find(key);
  if (at == FlatIndex::kNone) {
    at = s.bytes_pool.size();
    s.bytes_pool.push_back(ByteFilter::BytesOf(tv));
    s.bytes_index.Insert(key, at);
  }
  return f.Rejects(tv.size(), s.bytes_pool[at]);
}

// Applies the rule's transformations to value; returns a view valid until the next call.
std::string_view Transform(Evaluator::State& s, const Rule& r, const Candidate& c) {
  if (r.transforms.empty()) return c.value;
  if (!Cacheable(c)) {
    std::string_view in = c.value;
    std::string* out = &s.t1;
    for (TransformFn fn : r.transforms) {
      fn(in, *out);
      in = *out;
      out = out == &s.t1 ? &s.t2 : &s.t1;
    }
    return in;
  }
  // The longest prefix of the chain already computed for this value, then the rest, caching
  // every step (chains of different rules share their first steps).
  const uint64_t base = (static_cast<uint64_t>(c.var) << 24) | static_cast<uint64_t>(c.index);
  const std::size_t n = r.transforms.size();
  std::size_t done = 0;
  std::size_t at = FlatIndex::kNone;
  for (std::size_t k = n; k > 0; --k) {
    at = s.tcache.Find((static_cast<uint64_t>(r.transform_prefixes[k - 1]) << 32) | base);
    if (at != FlatIndex::kNone) {
      done = k;
      break;
    }
  }
  if (done == n) return s.tpool[at];
  for (std::size_t k = done; k < n; ++k) {
    if (s.tpool_used == s.tpool.size()) s.tpool.emplace_back();
    const std::size_t slot = s.tpool_used++;
    // The input is the previous step's slot (or the value); the pool may grow, so the input is
    // read through its index after the emplace above.
    const std::string_view in = k == 0 ? c.value : std::string_view(s.tpool[at]);
    r.transforms[k](in, s.tpool[slot]);  // distinct slots: in never aliases the output
    s.tcache.Insert((static_cast<uint64_t>(r.transform_prefixes[k]) << 32) | base, slot);
    at = slot;
  }
  return s.tpool[at];
}

void RecordMatch(Evaluator::State& s, const Rule& r, const Candidate& c, std::string_view value,
                 const MatchResult& m) {
  // MATCHED_VAR is rewritten in place; MATCHED_VAR_NAME is built only when something reads it
  // (most matches are CRS's own bookkeeping rules, whose names nobody reads).
  auto& mv = V(s, Var::kMatchedVar);
  if (mv.empty()) NewEntry(s, mv);
  mv.resize(1);
  mv.front().value.assign(value);
  s.pn_var = c.var;
  s.pn_count = c.index < 0;
  s.pn_coll = c.index >= 0 && IsCollection(c.var);
  s.pn_key.assign(c.key);
  s.name_pending = true;
  if (s.current != nullptr && s.current->needs_matched_vars) {
    MaterializeMatchedName(s);
    // (Add writes other collections: the name stays where it is.)
    const std::string& name = V(s, Var::kMatchedVarName).front().value;
    Add(s, Var::kMatchedVars, name, value);
    Add(s, Var::kMatchedVarsNames, name, name);
  }
  if (r.capture) {
    static constexpr std::string_view kDigits = "0123456789";
    for (std::size_t i = 0; i < m.captures.size() && i < 10; ++i) {
      TxUpsert(s, kDigits.substr(i, 1)).value = m.captures[i];
    }
  }
}

int64_t MonotonicNs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

// Whether the request's time budget is spent: then no further operator runs (their rules do not
// match) and the verdict says so. Regexes on long values can be quadratic in the value (a query
// of "${" repeated costs seconds in CRS 4's REQUEST-932, and minutes in libmodsecurity), so the
// clock is read before every operator on a value of 256 bytes or more, and every 64th otherwise.
bool OverBudget(Evaluator::State& s, std::size_t value_size) {
  if (s.budget_out) return true;
  if (value_size < 256 && (++s.budget_calls & 63) != 0) return false;
  if ((s.clock_ns != nullptr ? s.clock_ns() : MonotonicNs()) < s.deadline_ns) return false;
  s.budget_out = true;
  s.verdict->budget_exceeded = true;
  return true;
}

bool EvalLink(Evaluator::State& s, const Rule& r, const Rule& starter, bool single) {
  if (r.is_action) {
    if (single) {
      for (const SetVar& sv : r.setvars) DoSetVar(s, sv);
    }
    return true;
  }
  const std::vector<Candidate>& cands = Resolve(s, r, starter);
  bool any = false;
  // Candidates of mutable variables (TX, ...) own their strings, so per-target setvars cannot
  // invalidate them; the others point into request data, which no action changes. The list is
  // not touched again before the next Resolve, so it is used in place (keeping its capacity).
  for (const Candidate& c : cands) {
    auto run = [&](std::string_view value) {
      if (s.budget_on && OverBudget(s, value.size())) return false;
      MatchResult m = r.op->Match(value, s.expander, *s.scratch, r.capture);
      if (m.limit_hit) {
        s.verdict->limit_hit = true;
        SetScalar(s, Var::kMscPcreLimitsExceeded, "1");
      }
      const bool hit = r.op_negated ? !m.matched && !m.limit_hit : m.matched;
      if (hit) RecordMatch(s, r, c, value, m);
      return hit;
    };
    // Every link executes its setvars for every match, before the next link is evaluated, as
    // ModSecurity does: CRS counts each matching argument, and a chained link may read what
    // its starter just set (931130's TX:/rfi_parameter_.*/).
    auto matched = [&] {
      any = true;
      for (const SetVar& sv : r.setvars) DoSetVar(s, sv);
    };
    if (r.multi_match && !r.transforms.empty()) {
      // multiMatch: the value is tested before the transformations and after each one that
      // changes it; each stage that matches is a match of its own (and counts as one).
      std::string cur(c.value);
      if (run(cur)) matched();
      for (TransformFn fn : r.transforms) {
        std::string next;
        fn(cur, next);
        if (next != cur) {
          cur = std::move(next);
          if (run(cur)) matched();
        }
      }
    } else {
      const std::string_view tv = Transform(s, r, c);
      if (r.byte_filter != nullptr && ByteFilterRejects(s, *r.byte_filter, r, c, tv)) {
        continue;
      }
      if (!PrefilterRejects(s, r, c, tv) && run(tv)) matched();
    }
  }
  return any;
}

}  // namespace

Evaluator::Evaluator(std::shared_ptr<const RuleSet> rules)
    : rules_(std::move(rules)), state_(std::make_unique<State>()) {
  State* st = state_.get();
  st->expander = [st](std::string_view text) { return Expand(*st, text); };
  st->set = &rules_->impl();
  for (const auto& pf : st->set->prefilters) {
    if (pf && hs_alloc_scratch(pf->db.get(), &st->hs) != HS_SUCCESS) {
      // Without scratch the prefilter cannot run; every regex then goes to PCRE2 (correct,
      // only slower). hs_alloc_scratch fails only when memory is short.
      if (st->hs != nullptr) hs_free_scratch(st->hs);
      st->hs = nullptr;
      break;
    }
  }
}

Evaluator::~Evaluator() = default;

std::vector<int> Verdict::LoggedIds() const {
  std::vector<int> ids;
  for (const RuleMatch& m : matches) {
    if (m.logged) ids.push_back(m.id);
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

namespace {

void SetupRequest(Evaluator::State& s, const RuleSet::Impl& set, const http::FullRequest& q) {
  // TX entries are kept in order for this request to take back (TakeTxEntry); the previous
  // ones it did not take are recycled.
  Recycle(s, s.tx_prev);
  std::swap(s.tx_prev, V(s, Var::kTx));
  s.tx_reuse = 0;
  for (auto& v : s.vars) Recycle(s, v);
  s.name_pending = false;
  ++s.cand_gen;
  s.tx_dirty = true;
  s.tcache.Clear();
  s.key_rx_cache.Clear();
  s.tpool_used = 0;
  s.pf_offset.Clear();
  s.pf_pool.clear();
  s.bytes_index.Clear();
  s.bytes_pool.clear();
  s.mode = set.mode;
  s.body_access = set.body_access;
  s.force_body_variable = false;
  s.removed_ids.clear();
  s.removed_tags.clear();
  s.target_exclusions.clear();
  s.highest_severity = 255;
  s.allow = false;

  SetScalar(s, Var::kRequestMethod, q.method);
  // A request line without a version is HTTP/0.9, as servers report it.
  SetScalar(s, Var::kRequestProtocol,
            q.protocol.empty() ? std::string_view("HTTP/0.9") : std::string_view(q.protocol));
  SetScalar(s, Var::kRequestUriRaw, q.uri);
  SetScalar(s, Var::kRequestLine, q.method + " " + q.uri + (q.protocol.empty() ? "" : " " + q.protocol));
  // REQUEST_URI: the target without scheme://authority (absolute-form), not decoded.
  std::string_view uri = q.uri;
  if (const std::size_t sch = uri.find("://"); sch != std::string_view::npos &&
                                              uri.find('/') > sch && uri.find('?') > sch) {
    const std::size_t path = uri.find('/', sch + 3);
    uri = path == std::string_view::npos ? std::string_view("/") : uri.substr(path);
  }
  SetScalar(s, Var::kRequestUri, uri);
  const std::size_t qm = uri.find('?');
  const std::string_view path = uri.substr(0, qm);
  const std::string_view query = qm == std::string_view::npos ? std::string_view() : uri.substr(qm + 1);
  std::string filename;
  http::PercentDecode(path, filename, false);
  const std::size_t slash = filename.find_last_of('/');
  SetScalar(s, Var::kRequestBasename, slash == std::string::npos ? filename : filename.substr(slash + 1));
  SetScalar(s, Var::kRequestFilename, std::move(filename));
  if (qm != std::string_view::npos) SetScalar(s, Var::kQueryString, query);
  for (http::QueryArg& a : http::DecodeQuery(query, set.args_limit)) {
    Add(s, Var::kArgsGetNames, a.name, a.name);
    Add(s, Var::kArgsNames, a.name, a.name);
    Add(s, Var::kArgs, a.name, a.value);
    Add(s, Var::kArgsGet, a.name, a.value);
  }
  // The body processor Content-Type selects is visible from phase 1 (CRS 901340 reads it).
  SetScalar(s, Var::kReqbodyProcessor, "");  // always defined, empty when none applies
  if (const std::string* ct = q.Header("content-type")) {
    const std::string l = Lower(*ct);
    if (l.rfind("application/x-www-form-urlencoded", 0) == 0) SetScalar(s, Var::kReqbodyProcessor, "URLENCODED");
    else if (l.rfind("multipart/form-data", 0) == 0) SetScalar(s, Var::kReqbodyProcessor, "MULTIPART");
  }
  std::string host;
  for (const auto& [name, value] : q.headers) {
    Add(s, Var::kRequestHeaders, name, value);
    Add(s, Var::kRequestHeadersNames, name, name);
    if (IEquals(name, "host") && host.empty()) host = value;
    if (IEquals(name, "cookie")) {
      std::string_view rest = value;
      while (!rest.empty()) {
        const std::size_t semi = rest.find(';');
        std::string_view part = rest.substr(0, semi);
        rest = semi == std::string_view::npos ? std::string_view() : rest.substr(semi + 1);
        while (!part.empty() && (part.front() == ' ' || part.front() == '\t')) part.remove_prefix(1);
        if (part.empty()) continue;
        const std::size_t eq = part.find('=');
        const std::string_view cname = part.substr(0, eq);
        Add(s, Var::kRequestCookiesNames, cname, cname);
        Add(s, Var::kRequestCookies, cname,
            eq == std::string_view::npos ? std::string_view() : part.substr(eq + 1));
      }
    }
  }
  if (const std::size_t colon = host.rfind(':'); colon != std::string::npos && host.find(']') == std::string::npos) {
    host.resize(colon);
  }
  SetScalar(s, Var::kServerName, host);
  SetScalar(s, Var::kRemoteAddr, q.client_ip);
  SetScalar(s, Var::kRemotePort, std::to_string(q.client_port));
  SetScalar(s, Var::kServerAddr, q.server_ip);
  SetScalar(s, Var::kServerPort, std::to_string(q.server_port));
  SetScalar(s, Var::kUniqueId, "keikai-" + std::to_string(++s.counter));
  SetScalar(s, Var::kReqbodyError, "0");
  SetScalar(s, Var::kReqbodyProcessorError, "0");
  SetScalar(s, Var::kInboundDataError, "0");
  SetScalar(s, Var::kUrlencodedError, "0");
  SetScalar(s, Var::kDuration, "0");
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  SetScalar(s, Var::kTimeEpoch, std::to_string(std::chrono::duration_cast<std::chrono::seconds>(now).count()));
  std::size_t combined = 0;
  for (const Entry& e : V(s, Var::kArgs)) combined += e.key.size() + e.value.size();
  SetScalar(s, Var::kArgsCombinedSize, std::to_string(combined));
}

void AddArgsPost(Evaluator::State& s, std::vector<http::BodyArg>& args) {
  for (http::BodyArg& a : args) {
    Add(s, Var::kArgsPostNames, a.name, a.name);
    Add(s, Var::kArgsNames, a.name, a.name);
    Add(s, Var::kArgs, a.name, a.value);
    Add(s, Var::kArgsPost, a.name, a.value);
  }
}

void BodyError(Evaluator::State& s, const std::string& msg) {
  SetScalar(s, Var::kReqbodyError, "1");
  SetScalar(s, Var::kReqbodyErrorMsg, msg);
  SetScalar(s, Var::kReqbodyProcessorError, "1");
  SetScalar(s, Var::kReqbodyProcessorErrorMsg, msg);
  s.verdict->body_error = true;
  s.verdict->body_error_message = msg;
}

void ProcessBody(Evaluator::State& s, const RuleSet::Impl& set, const http::FullRequest& q) {
  const std::string* ct_header = q.Header("content-type");
  // REQBODY_PROCESSOR holds the processor: chosen by Content-Type in SetupRequest, or by a
  // rule's ctl:requestBodyProcessor since.
  const auto& proc = V(s, Var::kReqbodyProcessor);
  const std::string processor = proc.empty() ? std::string() : proc.front().value;
  if (!s.body_access) return;
  std::string_view body = q.body;
  const std::size_t limit = processor == "MULTIPART" ? set.body_limit
                                                     : std::min(set.body_limit, set.body_no_files_limit);
  if (body.size() > limit) {
    body = body.substr(0, limit);
    if (set.body_limit_reject) {
      BodyError(s, "Request body is larger than the configured limit (" + std::to_string(limit) + ")");
    }
  }
  SetScalar(s, Var::kRequestBodyLength, std::to_string(q.body.size()));
  SetScalar(s, Var::kFullRequestLength, std::to_string(q.body.size()));
  // REQUEST_BODY holds the raw body only for the URLENCODED processor or when a rule forces it
  // (ModSecurity's definition; CRS 901340 forces it when no processor applies).
  if (processor == "URLENCODED" || s.force_body_variable) {
    SetScalar(s, Var::kRequestBody, body);
  }
  http::BodyLimits lim;
  lim.max_args = set.args_limit;
  lim.max_json_depth = set.json_depth_limit;
  if (processor == "URLENCODED") {
    http::ParsedBody b = http::ParseUrlencoded(body, lim);
    AddArgsPost(s, b.args);
  } else if (processor == "JSON") {
    http::ParsedBody b = http::ParseJson(body, lim);
    AddArgsPost(s, b.args);
    if (b.error) BodyError(s, "JSON parsing error: " + b.error_message);
  } else if (processor == "MULTIPART") {
    http::ParsedBody b = http::ParseMultipart(body, ct_header == nullptr ? std::string_view() : *ct_header, lim);
    AddArgsPost(s, b.args);
    std::size_t combined = 0;
    for (const http::BodyFile& f : b.files) {
      Add(s, Var::kFiles, f.field, f.filename);
      Add(s, Var::kFilesNames, f.field, f.field);
      Add(s, Var::kFilesSizes, f.field, std::to_string(f.size));
      combined += f.size;
    }
    for (const auto& [name, line] : b.part_headers) Add(s, Var::kMultipartPartHeaders, name, line);
    SetScalar(s, Var::kFilesCombinedSize, std::to_string(combined));
    const http::MultipartFlags& f = b.multipart;
    auto flag = [&](Var v, bool x) { SetScalar(s, v, x ? "1" : "0"); };
    flag(Var::kMultipartStrictError, f.strict_error() || b.error);
    flag(Var::kMultipartUnmatchedBoundary, f.unmatched_boundary);
    flag(Var::kMultipartBoundaryQuoted, f.boundary_quoted);
    flag(Var::kMultipartBoundaryWhitespace, f.boundary_whitespace);
    flag(Var::kMultipartDataBefore, f.data_before);
    flag(Var::kMultipartDataAfter, f.data_after);
    flag(Var::kMultipartHeaderFolding, f.header_folding);
    flag(Var::kMultipartLfLine, f.lf_line);
    flag(Var::kMultipartCrlfLfLines, f.crlf_lf_lines);
    flag(Var::kMultipartMissingSemicolon, f.missing_semicolon);
    flag(Var::kMultipartInvalidQuoting, f.invalid_quoting);
    flag(Var::kMultipartInvalidPart, f.invalid_part);
    flag(Var::kMultipartInvalidHeaderFolding, false);
    flag(Var::kMultipartFileLimitExceeded, f.file_limit_exceeded);
    if (b.error) BodyError(s, "Multipart parsing error: " + b.error_message);
  } else if (processor == "XML") {
    XmlText x = ExtractXmlText(body);
    if (!x.ok) {
      BodyError(s, "XML parsing error: " + x.error);
    } else {
      Add(s, Var::kXml, "/*", std::move(x.text));
      for (std::string& a : x.attributes) Add(s, Var::kXml, "//@*", std::move(a));
    }
  }
  std::size_t combined = 0;
  for (const Entry& e : V(s, Var::kArgs)) combined += e.key.size() + e.value.size();
  SetScalar(s, Var::kArgsCombinedSize, std::to_string(combined));
}

enum class Flow { kNext, kStopPhase, kStopAll };

Flow RunPhase(Evaluator::State& s, const RuleSet::Impl& set, int phase) {
  const auto& steps = set.phases[phase];
  // Which variables have entries: request variables change only between phases (request setup,
  // body processing, response setup), so this holds for the whole phase (see Step::SkipWhenEmpty).
  uint64_t nonempty[2] = {0, 0};
  for (std::size_t v = 0; v < kVarCount; ++v) {
    if (!s.vars[v].empty()) nonempty[v / 64] |= uint64_t{1} << (v % 64);
  }
  std::size_t i = 0;
  while (i < steps.size()) {
    const Step& step = steps[i];
    ++i;
    if (step.rule < 0) continue;
    if (step.SkipWhenEmpty(nonempty)) {
      continue;  // no candidate can exist: the rule cannot match or act
    }
    const Rule& r = set.rules[step.rule];
    if (!s.removed_ids.empty() || !s.removed_tags.empty()) {
      if (RuleRemovedAtRuntime(s, r)) continue;
    }
    s.current = &r;
    V(s, Var::kMatchedVars).clear();
    V(s, Var::kMatchedVarsNames).clear();
    const bool single = r.chain.empty();
    if (!EvalLink(s, r, r, single)) continue;
    bool all = true;
    for (const Rule& link : r.chain) {
      if (!EvalLink(s, link, r, false)) {
        all = false;
        break;
      }
    }
    if (!all) continue;
    // The whole rule matched.
    static const bool trace = std::getenv("KEIKAI_RULES_TRACE") != nullptr;
    if (trace) {
      MaterializeMatchedName(s);
      const auto& mn = V(s, Var::kMatchedVarName);
      std::fprintf(stderr, "[rules] phase %d rule %d matched %s\n", phase, r.id,
                   mn.empty() ? "" : mn.front().value.c_str());
    }
    for (const Ctl& c : r.ctls) ExecuteCtl(s, c);
    for (const Rule& link : r.chain) {
      for (const Ctl& c : link.ctls) ExecuteCtl(s, c);
    }
    if (r.severity_num >= 0 && r.severity_num < s.highest_severity) {
      s.highest_severity = r.severity_num;
      SetScalar(s, Var::kHighestSeverity, std::to_string(r.severity_num));
    }
    if (r.log) {
      RuleMatch m;
      m.id = r.id;
      m.phase = phase;
      m.msg = Expand(s, r.msg);
      m.data = Expand(s, r.logdata);
      if (m.data.size() > 512) m.data.resize(512);
      m.severity = r.severity;
      m.tags = r.tags;
      const auto& mv = V(s, Var::kMatchedVar);
      MaterializeMatchedName(s);
      const auto& mn = V(s, Var::kMatchedVarName);
      if (!mn.empty()) m.matched_var_name = mn.front().value;
      if (!mv.empty()) m.matched_var = mv.front().value.substr(0, kMatchedDataMax);
      s.verdict->matches.push_back(std::move(m));
    }
    const Disruptive d = r.disruptive;
    if (d == Disruptive::kAllow) {
      s.allow = true;
      return Flow::kStopAll;
    }
    if ((d == Disruptive::kDeny || d == Disruptive::kDrop || d == Disruptive::kRedirect) &&
        s.mode == EngineMode::kOn) {
      s.verdict->interrupted = true;
      s.verdict->status = r.status != 0 ? r.status : 403;
      s.verdict->interrupting_rule = r.id;
      return Flow::kStopAll;
    }
    if (step.has_skip_after) {
      i = std::max(i, step.skip_to);
    } else if (r.skip > 0) {
      for (int n = 0; n < r.skip && i < steps.size(); ++i) {
        if (steps[i].rule >= 0) ++n;
      }
    }
  }
  return Flow::kNext;
}

int ScoreFromTx(Evaluator::State& s) {
  auto& tx = V(s, Var::kTx);
  for (const char* name : {"blocking_inbound_anomaly_score", "anomaly_score", "inbound_anomaly_score"}) {
    if (const Entry* e = FindEntry(tx, name)) return static_cast<int>(LeadingInt(e->value));
  }
  return 0;
}

void SetupResponse(Evaluator::State& s, const RuleSet::Impl& set, const http::FullResponse& r) {
  SetScalar(s, Var::kResponseStatus, std::to_string(r.status));
  SetScalar(s, Var::kResponseProtocol, r.protocol);
  SetScalar(s, Var::kStatusLine, r.protocol + " " + std::to_string(r.status));
  std::string ctype;
  for (const auto& [name, value] : r.headers) {
    Add(s, Var::kResponseHeaders, name, value);
    Add(s, Var::kResponseHeadersNames, name, name);
    if (IEquals(name, "content-type") && ctype.empty()) ctype = Lower(value);
    if (IEquals(name, "content-length")) SetScalar(s, Var::kResponseContentLength, value);
  }
  if (!ctype.empty()) SetScalar(s, Var::kResponseContentType, ctype);
  const std::string mime = ctype.substr(0, ctype.find(';'));
  const bool listed = std::find(set.response_mime_types.begin(), set.response_mime_types.end(), mime) !=
                      set.response_mime_types.end();
  if (set.response_body_access && listed) {
    SetScalar(s, Var::kResponseBody, std::string_view(r.body).substr(0, set.response_body_limit));
  }
}

}  // namespace

Verdict Evaluator::Evaluate(const http::FullRequest& request, const http::FullResponse* response) {
  Verdict v;
  State& s = *state_;
  const RuleSet::Impl& set = rules_->impl();
  s.verdict = &v;
  s.budget_on = set.options.request_budget_us > 0;
  s.budget_out = false;
  s.clock_ns = set.options.monotonic_ns;
  if (s.budget_on) {
    s.deadline_ns = (s.clock_ns != nullptr ? s.clock_ns() : MonotonicNs()) +
                    static_cast<int64_t>(set.options.request_budget_us) * 1000;
  }
  SetupRequest(s, set, request);
  if (s.mode == EngineMode::kOff) return v;
  Flow f = RunPhase(s, set, 1);
  if (f == Flow::kNext && s.mode != EngineMode::kOff) {
    ProcessBody(s, set, request);
    ++s.cand_gen;  // ARGS, FILES, XML, REQUEST_BODY may have grown
    f = RunPhase(s, set, 2);
  }
  if (response != nullptr && !v.interrupted) {
    SetupResponse(s, set, *response);
    ++s.cand_gen;
    if (f == Flow::kNext) f = RunPhase(s, set, 3);
    if (f == Flow::kNext) f = RunPhase(s, set, 4);
    RunPhase(s, set, 5);
  }
  v.inbound_anomaly_score = ScoreFromTx(s);
  s.verdict = nullptr;
  return v;
}

}  // namespace keikai::rules
