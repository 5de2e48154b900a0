#include "keikai/http/body.h"

#include <nlohmann/json.hpp>

#include <cctype>

#include "keikai/core/ascii.h"
#include "keikai/http/decode.h"

namespace keikai::http {
namespace {

void Add(ParsedBody& b, const BodyLimits& lim, std::string name, std::string value) {
  if (b.args.size() >= lim.max_args) {
    b.args_truncated = true;
    return;
  }
  b.args.push_back({std::move(name), std::move(value)});
}

// A JSON SAX handler that names leaves by their path and bounds the depth.
class JsonArgs : public nlohmann::json_sax<nlohmann::json> {
 public:
  JsonArgs(ParsedBody& b, const BodyLimits& lim) : b_(b), lim_(lim), name_("json") {
    path_.push_back({name_.size(), false, 0});
  }

  bool null() override { return Leaf(""); }
  bool boolean(bool v) override { return Leaf(v ? "true" : "false"); }
  bool number_integer(number_integer_t v) override { return Leaf(std::to_string(v)); }
  bool number_unsigned(number_unsigned_t v) override { return Leaf(std::to_string(v)); }
  bool number_float(number_float_t, const string_t& s) override { return Leaf(s); }
  bool string(string_t& v) override { return Leaf(std::move(v)); }
  bool binary(binary_t&) override { return Leaf(""); }
  bool start_object(std::size_t) override { return Push(false); }
  bool key(string_t& k) override {
    key_ = k;
    return true;
  }
  bool end_object() override { return Pop(); }
  bool start_array(std::size_t) override { return Push(true); }
  bool end_array() override { return Pop(); }
  bool parse_error(std::size_t pos, const std::string&, const nlohmann::detail::exception& e) override {
    b_.error = true;
    b_.error_message = "JSON parse error at byte " + std::to_string(pos) + ": " + e.what();
    return false;
  }

 private:
  // The names of all open levels are prefixes of one string (name_), so a deep or long-keyed
  // document costs its own size, not its size per level.
  struct Level {
    std::size_t len;  // of this level's name in name_
    bool array;
    std::size_t index;
  };

  // Sets name_ to the name of the next child of the innermost level.
  void ChildName() {
    Level& top = path_.back();
    name_.resize(top.len);
    name_ += '.';
    if (top.array) {
      name_ += std::to_string(top.index++);
    } else {
      name_ += key_;
    }
  }
  bool Leaf(std::string v) {
    if (b_.args.size() >= lim_.max_args) {  // no name is built for what is not kept
      b_.args_truncated = true;
      return true;
    }
    // A bare scalar at the top level is an argument named "json".
    if (path_.size() == 1 && !in_container_) {
      Add(b_, lim_, "json", std::move(v));
    } else {
      ChildName();
      Add(b_, lim_, name_, std::move(v));
    }
    return true;
  }
  bool Push(bool array) {
    if (path_.size() > lim_.max_json_depth) {
      b_.error = true;
      b_.error_message = "JSON nesting deeper than " + std::to_string(lim_.max_json_depth);
      return false;
    }
    if (in_container_) {
      ChildName();
    } else {
      name_ = "json";
    }
    in_container_ = true;
    path_.push_back({name_.size(), array, 0});
    return true;
  }
  bool Pop() {
    if (path_.size() > 1) path_.pop_back();
    return true;
  }

  ParsedBody& b_;
  const BodyLimits& lim_;
  std::string name_;
  std::vector<Level> path_;
  std::string key_;
  bool in_container_ = false;
};

// The value of a parameter in a header like: form-data; name="a"; filename="b.txt", given the
// header and its lower-cased copy (made once by the caller for all its parameters).
// Returns false (and sets invalid) on broken quoting.
bool Param(std::string_view header, std::string_view lower, std::string_view param,
           std::string& out, bool& invalid) {
  std::size_t pos = 0;
  while ((pos = lower.find(param, pos)) != std::string::npos) {
    const bool start_ok = pos == 0 || lower[pos - 1] == ';' || lower[pos - 1] == ' ' || lower[pos - 1] == '\t';
    std::size_t eq = pos + param.size();
    while (eq < lower.size() && lower[eq] == ' ') ++eq;
    if (!start_ok || eq >= lower.size() || lower[eq] != '=') {
      pos += param.size();
      continue;
    }
    std::size_t v = eq + 1;
    while (v < header.size() && header[v] == ' ') ++v;
    if (v < header.size() && header[v] == '"') {
      std::string val;
      std::size_t k = v + 1;
      for (; k < header.size() && header[k] != '"'; ++k) {
        // A backslash escapes only a quote or another backslash: Windows paths such as
        // filename="..\1.7z" keep theirs (CRS 930110 looks for them).
        if (header[k] == '\\' && k + 1 < header.size() && (header[k + 1] == '"' || header[k + 1] == '\\')) ++k;
        val += header[k];
      }
      if (k >= header.size()) invalid = true;
      out = std::move(val);
      return true;
    }
    std::size_t e = header.find(';', v);
    if (e == std::string_view::npos) e = header.size();
    out = std::string(header.substr(v, e - v));
    while (!out.empty() && std::isspace(static_cast<unsigned char>(out.back()))) out.pop_back();
    if (out.find('"') != std::string::npos || out.find('\'') != std::string::npos) invalid = true;
    return true;
  }
  return false;
}

}  // namespace

ParsedBody ParseUrlencoded(std::string_view body, const BodyLimits& limits) {
  ParsedBody b;
  bool truncated = false;
  b.args = DecodeQuery(body, limits.max_args, &truncated);
  b.args_truncated = truncated;
  return b;
}

ParsedBody ParseJson(std::string_view body, const BodyLimits& limits) {
  ParsedBody b;
  JsonArgs sax(b, limits);
  nlohmann::json::sax_parse(body.begin(), body.end(), &sax, nlohmann::json::input_format_t::json,
                            /*strict=*/true);
  return b;
}

ParsedBody ParseMultipart(std::string_view body, std::string_view content_type,
                          const BodyLimits& limits) {
  ParsedBody b;
  MultipartFlags& f = b.multipart;
  std::string boundary;
  bool invalid = false;
  const std::string lower = Lower(content_type);
  if (!Param(content_type, lower, "boundary", boundary, invalid) || boundary.empty()) {
    b.error = true;
    b.error_message = "multipart: no boundary in Content-Type";
    return b;
  }
  {
    const std::size_t p = lower.find("boundary");
    std::size_t v = lower.find('=', p);
    if (v != std::string::npos && v + 1 < lower.size() && lower[v + 1] == '"') f.boundary_quoted = true;
    if (v != std::string::npos && v + 1 < lower.size() && lower[v + 1] == ' ') f.boundary_whitespace = true;
    if (std::isspace(static_cast<unsigned char>(boundary.back())) ||
        std::isspace(static_cast<unsigned char>(boundary.front()))) {
      f.boundary_whitespace = true;
    }
  }
  f.invalid_quoting = invalid;
  const std::string delim = "--" + boundary;
  const std::string boundary_head = boundary.substr(0, 8);  // for boundary-like content lines
  bool crlf = false, lf = false;

  enum class State { kPreamble, kHeaders, kContent, kDone } st = State::kPreamble;
  std::string name, filename, ctype, value;  // value: of a non-file part (a file's is only sized)
  std::size_t file_size = 0;
  bool is_file = false, have_disposition = false;
  std::size_t parts = 0;
  // Part headers are kept up to max_parts * 8 in all; lines beyond that are not even stored.
  const std::size_t max_part_headers = limits.max_parts * 8;
  std::vector<std::string> part_header_lines;
  auto finish_part = [&] {
    for (std::string& h : part_header_lines) {
      if (b.part_headers.size() < max_part_headers) b.part_headers.emplace_back(name, std::move(h));
    }
    part_header_lines.clear();
    if (!have_disposition || name.empty()) {
      f.invalid_part = true;
    } else if (is_file) {
      if (b.files.size() >= limits.max_parts) {
        f.file_limit_exceeded = true;
      } else {
        b.files.push_back({name, filename, ctype, file_size});
      }
    } else {
      Add(b, limits, name, value);
    }
    name.clear();
    filename.clear();
    ctype.clear();
    value.clear();
    file_size = 0;
    is_file = have_disposition = false;
  };
  bool first_content_line = true;
  char prev_end = 'c';
  // Line by line, noting each line's ending: 'c' CRLF, 'l' bare LF, 'e' end of body. Only
  // boundary and part-header lines count for MULTIPART_LF_LINE / CRLF_LF_LINES: file content may
  // hold bare LFs (a PDF, a text file) without anything being wrong.
  for (std::size_t pos = 0; pos < body.size();) {
    std::size_t nl = body.find('\n', pos);
    const bool last = nl == std::string_view::npos;
    if (last) nl = body.size();
    std::string_view line = body.substr(pos, nl - pos);
    pos = nl + 1;
    char end = 'e';
    if (!last) {
      if (!line.empty() && line.back() == '\r') {
        line.remove_suffix(1);
        end = 'c';
      } else {
        end = 'l';
      }
    }
    const char content_sep = prev_end;
    prev_end = end;
    auto note_end = [&] {
      if (end == 'c') crlf = true;
      if (end == 'l') lf = true;
    };
    if (st == State::kDone) {
      if (!line.empty()) f.data_after = true;
      continue;
    }
    const bool is_delim = line.rfind(delim, 0) == 0;
    if (is_delim || st == State::kHeaders) note_end();
    if (is_delim) {
      std::string_view rest = line.substr(delim.size());
      const bool closing = rest.rfind("--", 0) == 0;
      if (closing) rest.remove_prefix(2);
      if (!rest.empty() && rest.find_first_not_of(" \t") != std::string_view::npos) {
        f.unmatched_boundary = true;  // boundary followed by junk
      }
      if (st == State::kContent || st == State::kHeaders) finish_part();
      if (closing) {
        st = State::kDone;
      } else {
        if (++parts > limits.max_parts) {
          f.file_limit_exceeded = true;
          st = State::kDone;
          continue;
        }
        st = State::kHeaders;
      }
      continue;
    }
    if (st == State::kPreamble) {
      if (!line.empty()) f.data_before = true;
      if (line.rfind("--", 0) == 0) f.unmatched_boundary = true;
      continue;
    }
    if (st == State::kHeaders) {
      if (line.empty()) {
        st = State::kContent;
        first_content_line = true;
        continue;
      }
      if (line.front() == ' ' || line.front() == '\t') {
        f.header_folding = true;
        continue;
      }
      if (b.part_headers.size() + part_header_lines.size() < max_part_headers) {
        part_header_lines.emplace_back(line);
      }
      const std::size_t colon = line.find(':');
      if (colon == std::string_view::npos) {
        f.invalid_part = true;
        continue;
      }
      const std::string_view hname = line.substr(0, colon);
      std::string_view hval = line.substr(colon + 1);
      while (!hval.empty() && hval.front() == ' ') hval.remove_prefix(1);
      if (IEquals(hname, "content-disposition")) {
        have_disposition = true;
        bool bad = false;
        const std::string lval = Lower(hval);  // once, for the checks and both parameters
        if (lval.rfind("form-data", 0) != 0) f.invalid_part = true;
        const std::size_t semi = hval.find(';');
        if (semi == std::string_view::npos && hval.find('=') != std::string_view::npos) {
          f.missing_semicolon = true;
        }
        Param(hval, lval, "name", name, bad);
        if (Param(hval, lval, "filename", filename, bad)) is_file = true;
        f.invalid_quoting = f.invalid_quoting || bad;
      } else if (IEquals(hname, "content-type")) {
        ctype = std::string(hval);
      }
      continue;
    }
    // Content: lines joined back with the line ending (CRLF; the last one belongs to the
    // boundary that follows).
    const std::string_view sep = first_content_line ? "" : content_sep == 'l' ? "\n" : "\r\n";
    if (is_file) {
      file_size += sep.size() + line.size();
    } else {
      value.append(sep);
      value.append(line);
    }
    first_content_line = false;
    if (line.rfind("--", 0) == 0 && line.size() > 2 &&  // (delimiter lines went on above)
        line.find(boundary_head) != std::string_view::npos) {
      f.unmatched_boundary = true;
    }
  }
  f.lf_line = lf;
  f.crlf_lf_lines = crlf && lf;
  if (st != State::kDone) {
    // The closing boundary never came.
    if (st == State::kContent || st == State::kHeaders) finish_part();
    f.unmatched_boundary = true;
    b.error = true;
    b.error_message = "multipart: the final boundary is missing";
  }
  return b;
}

}  // namespace keikai::http
