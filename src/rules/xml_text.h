#pragma once
// A small, bounded XML reader for the XML request-body processor: what CRS's XML:/* (the text
// of the document) and XML://@* (every attribute value) need, and whether the document is well
// formed. It does not resolve external entities (so no XXE) and keeps no tree: memory is the
// size of the text plus the element stack, which is capped.
// Thread-safe: a pure function.

#include <string>
#include <string_view>
#include <vector>

namespace keikai::rules {

struct XmlText {
  bool ok = false;
  std::string error;                    // what is wrong and at which byte, when !ok
  std::string text;                     // all character data, entities decoded, in order
  std::vector<std::string> attributes;  // every attribute value, entities decoded
};

XmlText ExtractXmlText(std::string_view doc);

}  // namespace keikai::rules
