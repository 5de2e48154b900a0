// The rule engine's prefilter: for each transformation chain, the @rx patterns of every rule
// link that uses that chain, compiled together with HS_FLAG_PREFILTER. Vectorscan's prefilter
// mode accepts constructs it cannot match exactly (back-references, lookarounds) by widening
// them, so a database match is a superset of the regex's matches: when a value's scan leaves a
// rule's bit unset, PCRE2 cannot match either and is not run. Patterns Vectorscan refuses even
// in prefilter mode stay unfiltered (PCRE2 always runs for them).
#include <algorithm>

#include "core/hs_cache.h"
#include "engine_internal.h"
#include "keikai/core/files.h"
#include "keikai/core/hash.h"

namespace keikai::rules::internal {
namespace {

constexpr unsigned kFlags = HS_FLAG_PREFILTER | HS_FLAG_SINGLEMATCH | HS_FLAG_DOTALL |
                            HS_FLAG_MULTILINE | HS_FLAG_ALLOWEMPTY;

bool Eligible(const Rule& r) {
  return r.op_name == "rx" && !r.op_negated && !r.multi_match &&
         !HasMacro(r.op_arg) && !r.op_arg.empty();
}

// Compiles patterns, dropping the ones Vectorscan refuses; `kept` gets the indices compiled.
hs_database_t* CompileDropping(const std::vector<std::string>& pats, std::vector<int>& kept) {
  kept.clear();
  for (int i = 0; i < static_cast<int>(pats.size()); ++i) kept.push_back(i);
  while (!kept.empty()) {
    std::vector<const char*> exprs;
    std::vector<unsigned> flags(kept.size(), kFlags), ids;
    for (std::size_t k = 0; k < kept.size(); ++k) {
      exprs.push_back(pats[static_cast<std::size_t>(kept[k])].c_str());
      ids.push_back(static_cast<unsigned>(k));
    }
    hs_database_t* db = nullptr;
    hs_compile_error_t* err = nullptr;
    if (hs_compile_multi(exprs.data(), flags.data(), ids.data(), static_cast<unsigned>(exprs.size()),
                         HS_MODE_BLOCK, nullptr, &db, &err) == HS_SUCCESS) {
      return db;
    }
    const int bad = err != nullptr ? err->expression : -1;
    hs_free_compile_error(err);
    if (bad < 0 || bad >= static_cast<int>(kept.size())) {
      kept.clear();  // a failure not tied to one pattern: no prefilter for this chain
      return nullptr;
    }
    kept.erase(kept.begin() + bad);
  }
  return nullptr;
}

}  // namespace

Status BuildPrefilters(RuleSet::Impl& set, const std::string& cache_dir) {
  // Rule links by transformation chain.
  std::vector<std::vector<Rule*>> groups(static_cast<std::size_t>(set.transform_chains) + 1);
  auto visit = [&](Rule& r) {
    if (!Eligible(r)) return;
    groups[static_cast<std::size_t>(r.transform_chain)].push_back(&r);
  };
  for (Rule& r : set.rules) {
    if (r.removed) continue;
    visit(r);
    for (Rule& link : r.chain) visit(link);
  }
  set.prefilters.clear();
  set.prefilters.resize(groups.size());
  for (std::size_t g = 0; g < groups.size(); ++g) {
    std::vector<Rule*>& rules = groups[g];
    if (rules.empty()) continue;
    std::vector<std::string> pats;
    std::string all = std::string(hs_version()) + " flags " + std::to_string(kFlags);
    for (const Rule* r : rules) {
      pats.push_back(r->op_arg);
      all += '\0';
      all += r->op_arg;
    }
    const std::string path = CachedDatabasePath(cache_dir, "rules-prefilter-", Fnv1a64(all));
    std::vector<int> kept;
    hs_database_t* db = nullptr;
    if (!path.empty()) {
      // The indices compiled are kept beside the database: a cached database is only used
      // together with the list that says which rules it covers.
      std::string ids;
      // Trusted only if it is exactly what CompileDropping writes: strictly increasing
      // indices of this group's patterns, one per line (a duplicate would give a rule another
      // pattern's bit, and PCRE2 would be skipped where it must run).
      if (ReadFile(path + ".ids", ids)) {
        bool ok = true;
        int64_t prev = -1;
        for (std::size_t pos = 0; ok && pos < ids.size();) {
          std::size_t nl = ids.find('\n', pos);
          if (nl == std::string::npos) nl = ids.size();
          int64_t i = 0;
          ok = ParseDecimal(std::string_view(ids).substr(pos, nl - pos), i) && i > prev &&
               i < static_cast<int64_t>(pats.size());
          kept.push_back(static_cast<int>(i));
          prev = i;
          pos = nl + 1;
        }
        if (ok && !kept.empty()) db = LoadCachedDatabase(path);
        if (db != nullptr) TouchIfStale(path + ".ids");  // used with the database (age pruning)
      }
    }
    if (db == nullptr) {
      db = CompileDropping(pats, kept);
      if (db != nullptr && !path.empty()) {
        std::string ids;
        for (int i : kept) ids += std::to_string(i) + "\n";
        if (WriteFileAtomic(path + ".ids", ids)) {
          StoreCachedDatabase(cache_dir, path, db);
        }
      }
    }
    if (db == nullptr) continue;
    auto pf = std::make_unique<Prefilter>();
    pf->db.reset(db);
    pf->count = static_cast<int>(kept.size());
    for (std::size_t k = 0; k < kept.size(); ++k) {
      rules[static_cast<std::size_t>(kept[k])]->pf_bit = static_cast<int>(k);
      ++set.prefiltered_rules;
    }
    set.prefilters[g] = std::move(pf);
  }
  return Status::Ok();
}

}  // namespace keikai::rules::internal
