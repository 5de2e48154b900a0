#pragma once
// The lookup every registry (a plain table of rows with a `name`) shares.

#include <span>
#include <string_view>

namespace keikai {

template <class Row>
const Row* FindByName(std::span<const Row> rows, std::string_view name) {
  for (const Row& r : rows) {
    if (name == r.name) return &r;
  }
  return nullptr;
}

}  // namespace keikai
