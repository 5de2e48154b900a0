#pragma once
// Transformations (SecLang t:name): the functions rules apply to a value before an operator
// sees it. One registry, Transformations(), lists them all with their names as CRS writes them.
// Each is a pure function of its input (never throws, output bounded by a small multiple of the
// input), written for keikai after the ModSecurity reference manual's descriptions.
// Status: implemented and unit-tested; not yet compared with libmodsecurity's output (the
// differential test of issue 3 will do that).

#include <span>
#include <string>
#include <string_view>

namespace keikai::rules {

using TransformFn = void (*)(std::string_view in, std::string& out);

struct TransformInfo {
  std::string_view name;  // as in CRS: "urlDecodeUni", "lowercase", ...
  TransformFn fn;
};

std::span<const TransformInfo> Transformations();
// Case-insensitive lookup (CRS writes t:lowercase and t:urlDecodeUni); nullptr if unknown.
const TransformInfo* FindTransformation(std::string_view name);

}  // namespace keikai::rules
