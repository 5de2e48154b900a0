#pragma once
// Events: what every input kind turns its records into. A web request, a mail-log line (and,
// later, a probe result or a mail verdict) is one event: a time, a site (or tenant), a source
// address, its kind, and the classes it was judged to belong to. Aggregates (event/aggregator.h),
// the store, surges, sources, countries and reports work on events and never look at a kind's
// own record.
//
// Kinds and classes are registries of plain rows (classes.cc). A class id is its storage id
// (the `cls` column of attack_hours): the web kind's are detect::AttackClass (0-31), the mail
// kind's start at 32; store::kAllClasses (255) counts an attack event of any class once.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace keikai::event {

enum class Kind : uint8_t {  // the storage id; append only
  kWeb = 0,
  kMail = 1,
};
std::string_view KindName(Kind k);  // "web", "mail"

using ClassMask = uint64_t;  // bit i = class id i (ids < 64)

struct ClassInfo {
  uint8_t id;
  Kind kind;
  const char* name;  // stable, in stored findings and JSON ("sqli", "mail-auth-failure")
};
// Every class of every kind, by id.
std::span<const ClassInfo> Classes();
// "*" for the any-class id (255), "unknown" for an id no row has.
std::string_view ClassName(uint8_t id);
bool ParseClass(std::string_view name, uint8_t& id);
// "a,b" for the classes of a mask, ascending id.
std::string ClassList(ClassMask m);

}  // namespace keikai::event
