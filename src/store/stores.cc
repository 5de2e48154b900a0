// The store registry (store.h: StoreKinds, Open).
#include <iterator>

#include "keikai/store/store.h"

namespace keikai::store {
namespace {

Result<std::unique_ptr<Store>> Sqlite(const std::string& location, const OpenOptions& opt) {
  return OpenSqlite(location, opt);
}

constexpr StoreKind kKinds[] = {
    {"sqlite", Sqlite},
};

}  // namespace

std::span<const StoreKind> StoreKinds() { return kKinds; }

Result<std::unique_ptr<Store>> Open(const std::string& location, const OpenOptions& opt) {
  for (const StoreKind& k : kKinds) {
    const std::string prefix = std::string(k.scheme) + ":";
    if (location.size() > prefix.size() && location.compare(0, prefix.size(), prefix) == 0) {
      return k.open(location.substr(prefix.size()), opt);
    }
  }
  return OpenSqlite(location, opt);
}

}  // namespace keikai::store
