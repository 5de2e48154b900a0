// The kinds and classes registries (event/event.h).
#include <array>
#include <bit>

#include "keikai/detect/detector.h"
#include "keikai/event/event.h"
#include "keikai/mail/classes.h"

namespace keikai::event {
namespace {

constexpr const char* kKindNames[] = {"web", "mail"};

// Web classes come from detect (their names are detect::ClassName's); every other kind's are
// rows here.
struct Extra {
  uint8_t id;
  Kind kind;
  const char* name;
};
constexpr Extra kExtra[] = {
    {mail::kClassAuthFailure, Kind::kMail, "mail-auth-failure"},
    {mail::kClassLostConnection, Kind::kMail, "mail-lost-connection"},
    {mail::kClassMalicious, Kind::kMail, "mail-malicious"},
    {mail::kClassSuspicious, Kind::kMail, "mail-suspicious"},
    {mail::kClassPpap, Kind::kMail, "mail-ppap"},
};

struct Table {
  std::array<ClassInfo, detect::kClassCount + std::size(kExtra)> rows{};
  std::array<const char*, 256> names{};
  Table() {
    std::size_t n = 0;
    for (int c = 0; c < detect::kClassCount; ++c) {
      // detect's names are string literals (NUL-terminated views).
      const char* name = detect::ClassName(static_cast<detect::AttackClass>(c)).data();
      rows[n++] = {static_cast<uint8_t>(c), Kind::kWeb, name};
    }
    for (const Extra& e : kExtra) rows[n++] = {e.id, e.kind, e.name};
    for (const ClassInfo& r : rows) names[r.id] = r.name;
  }
};
const Table& Get() {
  static const Table t;
  return t;
}

}  // namespace

std::string_view KindName(Kind k) {
  const auto i = static_cast<std::size_t>(k);
  return i < std::size(kKindNames) ? kKindNames[i] : "unknown";
}

std::span<const ClassInfo> Classes() { return Get().rows; }

std::string_view ClassName(uint8_t id) {
  if (id == 255) return "*";
  const char* n = Get().names[id];
  return n != nullptr ? n : "unknown";
}

bool ParseClass(std::string_view name, uint8_t& id) {
  for (const ClassInfo& r : Get().rows) {
    if (name == r.name) {
      id = r.id;
      return true;
    }
  }
  return false;
}

std::string ClassList(ClassMask m) {
  std::string s;
  while (m != 0) {
    const int c = std::countr_zero(m);
    m &= m - 1;
    if (!s.empty()) s += ',';
    s += ClassName(static_cast<uint8_t>(c));
  }
  return s;
}

}  // namespace keikai::event
