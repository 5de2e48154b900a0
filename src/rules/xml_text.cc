#include "xml_text.h"

#include <cctype>

#include "keikai/core/utf8.h"

namespace keikai::rules {
namespace {

constexpr std::size_t kMaxDepth = 256;
constexpr std::size_t kMaxAttributes = 10000;

bool NameChar(unsigned char c) {
  return std::isalnum(c) || c == '_' || c == '-' || c == '.' || c == ':' || c >= 0x80;
}


// Decodes the five predefined entities and character references; an unknown entity (which a
// DTD might define) is kept as written, since keikai never loads DTDs.
void Decode(std::string_view in, std::string& out) {
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '&') {
      out += in[i];
      continue;
    }
    // A reference is at most 12 bytes to its ';': look no further (a run of '&' must not make
    // each one search the rest of the text).
    const std::size_t near = in.substr(i, 13).find(';');
    const std::size_t semi = near == std::string_view::npos ? near : i + near;
    if (semi == std::string_view::npos) {
      out += '&';
      continue;
    }
    const std::string_view ent = in.substr(i + 1, semi - i - 1);
    if (ent == "lt") out += '<';
    else if (ent == "gt") out += '>';
    else if (ent == "amp") out += '&';
    else if (ent == "quot") out += '"';
    else if (ent == "apos") out += '\'';
    else if (!ent.empty() && ent[0] == '#') {
      const bool hex = ent.size() > 1 && (ent[1] == 'x' || ent[1] == 'X');
      const std::string digits(ent.substr(hex ? 2 : 1));
      char* end = nullptr;
      const unsigned long cp = std::strtoul(digits.c_str(), &end, hex ? 16 : 10);
      if (digits.empty() || end == nullptr || *end != '\0') {
        out.append(in.substr(i, semi - i + 1));
      } else {
        AppendUtf8(out, static_cast<char32_t>(cp));
      }
    } else {
      out.append(in.substr(i, semi - i + 1));
    }
    i = semi;
  }
}

}  // namespace

XmlText ExtractXmlText(std::string_view d) {
  XmlText r;
  std::vector<std::string_view> stack;
  bool root_seen = false;
  auto fail = [&](const std::string& what, std::size_t at) {
    r.ok = false;
    r.error = what + " at byte " + std::to_string(at);
    return r;
  };
  std::size_t i = 0;
  while (i < d.size()) {
    if (d[i] != '<') {
      const std::size_t lt = d.find('<', i);
      const std::string_view chunk = d.substr(i, lt == std::string_view::npos ? std::string_view::npos : lt - i);
      if (stack.empty() && chunk.find_first_not_of(" \t\r\n") != std::string_view::npos) {
        return fail("text outside the root element", i);
      }
      if (!stack.empty()) Decode(chunk, r.text);
      i = lt == std::string_view::npos ? d.size() : lt;
      continue;
    }
    // Comments, CDATA sections and processing instructions: from their opening to their close.
    struct Section {
      std::string_view open, close;
      const char* unterminated;
      bool cdata;  // its content is text of the enclosing element
    };
    static constexpr Section kSections[] = {
        {"<!--", "-->", "unterminated comment", false},
        {"<![CDATA[", "]]>", "unterminated CDATA section", true},
        {"<?", "?>", "unterminated processing instruction", false},
    };
    const Section* sec = nullptr;
    for (const Section& x : kSections) {
      if (d.compare(i, x.open.size(), x.open) == 0) {
        sec = &x;
        break;
      }
    }
    if (sec != nullptr) {
      const std::size_t body = i + sec->open.size();
      const std::size_t e = d.find(sec->close, body);
      if (e == std::string_view::npos) return fail(sec->unterminated, i);
      if (sec->cdata) {
        if (stack.empty()) return fail("CDATA outside the root element", i);
        r.text.append(d.substr(body, e - body));
      }
      i = e + sec->close.size();
      continue;
    }
    if (d.compare(i, 2, "<!") == 0) {  // DOCTYPE: skipped with its internal subset, never used
      int depth = 0;
      std::size_t k = i + 2;
      for (; k < d.size(); ++k) {
        if (d[k] == '[') ++depth;
        else if (d[k] == ']') --depth;
        else if (d[k] == '>' && depth <= 0) break;
      }
      if (k >= d.size()) return fail("unterminated declaration", i);
      i = k + 1;
      continue;
    }
    const bool closing = i + 1 < d.size() && d[i + 1] == '/';
    std::size_t k = i + (closing ? 2 : 1);
    const std::size_t name_start = k;
    while (k < d.size() && NameChar(static_cast<unsigned char>(d[k]))) ++k;
    if (k == name_start) return fail("a tag without a name", i);
    const std::string_view name = d.substr(name_start, k - name_start);
    if (closing) {
      while (k < d.size() && std::isspace(static_cast<unsigned char>(d[k]))) ++k;
      if (k >= d.size() || d[k] != '>') return fail("malformed end tag", i);
      if (stack.empty() || stack.back() != name) return fail("mismatched end tag </" + std::string(name) + ">", i);
      stack.pop_back();
      i = k + 1;
      continue;
    }
    if (stack.empty() && root_seen) return fail("a second root element", i);
    // Attributes.
    bool self_closing = false;
    for (;;) {
      while (k < d.size() && std::isspace(static_cast<unsigned char>(d[k]))) ++k;
      if (k >= d.size()) return fail("unterminated start tag", i);
      if (d[k] == '>') {
        ++k;
        break;
      }
      if (d[k] == '/' && k + 1 < d.size() && d[k + 1] == '>') {
        self_closing = true;
        k += 2;
        break;
      }
      const std::size_t an = k;
      while (k < d.size() && NameChar(static_cast<unsigned char>(d[k]))) ++k;
      if (k == an) return fail("malformed attribute", k);
      while (k < d.size() && std::isspace(static_cast<unsigned char>(d[k]))) ++k;
      if (k >= d.size() || d[k] != '=') return fail("attribute without a value", k);
      ++k;
      while (k < d.size() && std::isspace(static_cast<unsigned char>(d[k]))) ++k;
      if (k >= d.size() || (d[k] != '"' && d[k] != '\'')) return fail("unquoted attribute value", k);
      const char q = d[k];
      const std::size_t e = d.find(q, k + 1);
      if (e == std::string_view::npos) return fail("unterminated attribute value", k);
      if (r.attributes.size() < kMaxAttributes) {
        std::string v;
        Decode(d.substr(k + 1, e - k - 1), v);
        r.attributes.push_back(std::move(v));
      }
      k = e + 1;
    }
    root_seen = true;
    if (!self_closing) {
      if (stack.size() >= kMaxDepth) return fail("elements nested too deeply", i);
      stack.push_back(name);
    }
    i = k;
  }
  if (!root_seen) return fail("no root element", 0);
  if (!stack.empty()) return fail("unclosed element <" + std::string(stack.back()) + ">", d.size());
  r.ok = true;
  return r;
}

}  // namespace keikai::rules
