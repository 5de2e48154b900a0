#include "keikai/inspect/cfb.h"

#include <algorithm>
#include <vector>

#include "keikai/core/ascii.h"
#include "keikai/core/utf8.h"
#include "inspect/bytes.h"

namespace keikai::inspect {
namespace {

constexpr uint32_t kEnd = 0xFFFFFFFEu, kMaxRegular = 0xFFFFFFFAu;
constexpr std::size_t kMaxEntries = 100'000;

}  // namespace

bool Cfb::Looks(std::string_view d) { return d.size() >= 512 && d.substr(0, 8) == std::string_view("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8); }

bool Cfb::Chain(const std::vector<uint32_t>& table, uint32_t start, uint64_t max_steps, std::vector<uint32_t>& out) const {
  out.clear();
  for (uint32_t s = start; s != kEnd;) {
    if (s > kMaxRegular || s >= table.size() || out.size() >= max_steps) return false;
    out.push_back(s);
    s = table[s];
  }
  return true;
}

bool Cfb::Sectors(uint32_t start, uint64_t max_bytes, const char* what, std::string& out, std::string& error) const {
  std::vector<uint32_t> chain;
  if (!Chain(fat_, start, sectors_, chain)) {
    error = std::string("broken ") + what + " chain";
    return false;
  }
  for (uint32_t s : chain) {
    const std::size_t off = static_cast<std::size_t>(s + 1) * sector_;
    if (off >= d_.size()) {
      error = std::string(what) + " sector beyond the file";
      return false;
    }
    out.append(d_.substr(off, std::min<std::size_t>(sector_, d_.size() - off)));
    if (out.size() >= max_bytes) break;
  }
  return true;
}

bool Cfb::Open(std::string_view d, std::string& error, const CfbLimits& limits) {
  d_ = d;
  cut_ = false;
  limits_ = limits;
  if (!Looks(d)) {
    error = "not a compound file";
    return false;
  }
  const uint16_t shift = Le16(d, 30), mini_shift = Le16(d, 32);
  if ((shift != 9 && shift != 12) || mini_shift != 6) {
    error = "unsupported sector size";
    return false;
  }
  sector_ = 1u << shift;
  mini_ = 1u << mini_shift;
  cutoff_ = 4096;  // MS-CFB: the header's value MUST be 4096; Office does not read it otherwise
  sectors_ = d.size() <= sector_ ? 0 : (d.size() - sector_ + sector_ - 1) / sector_;
  const auto at = [&](uint32_t s) -> std::size_t { return static_cast<std::size_t>(s + 1) * sector_; };
  const auto whole = [&](uint32_t s) { return s <= kMaxRegular && at(s) + sector_ <= d.size() + (sector_ - 1) && at(s) < d.size(); };
  // The FAT's sectors: 109 in the header, then the DIFAT chain (each sector's last entry links on).
  const uint32_t fat_sectors = Le32(d, 44);
  if (fat_sectors > sectors_ + 1) {
    error = "more FAT sectors than the file has";
    return false;
  }
  std::vector<uint32_t> fat_list;
  for (uint32_t i = 0; i < 109 && fat_list.size() < fat_sectors; ++i) fat_list.push_back(Le32(d, 76 + i * 4));
  uint32_t difat = Le32(d, 68);
  for (uint64_t steps = 0; fat_list.size() < fat_sectors && difat <= kMaxRegular; ++steps) {
    if (steps > sectors_ || !whole(difat)) {
      error = "broken DIFAT chain";
      return false;
    }
    const std::size_t base = at(difat);
    const uint32_t per = sector_ / 4 - 1;
    for (uint32_t i = 0; i < per && fat_list.size() < fat_sectors; ++i) {
      if (base + i * 4 + 4 > d.size()) break;
      fat_list.push_back(Le32(d, base + i * 4));
    }
    difat = base + sector_ <= d.size() ? Le32(d, base + per * 4) : kEnd;
  }
  fat_.clear();
  for (uint32_t s : fat_list) {
    if (!whole(s)) {
      error = "FAT sector beyond the file";
      return false;
    }
    const std::size_t base = at(s);
    for (uint32_t i = 0; i < sector_ / 4 && base + i * 4 + 4 <= d.size(); ++i) fat_.push_back(Le32(d, base + i * 4));
  }
  // The directory.
  std::string dir;
  if (!Sectors(Le32(d, 48), UINT64_MAX, "directory", dir, error)) return false;
  const std::size_t n = std::min(dir.size() / 128, kMaxEntries);
  if (n == 0) {
    error = "empty directory";
    return false;
  }
  struct Raw {
    std::string name;
    int type;
    uint32_t left, right, child, start;
    uint64_t size;
  };
  std::vector<Raw> raw(n);
  for (std::size_t i = 0; i < n; ++i) {
    const std::string_view e = std::string_view(dir).substr(i * 128, 128);
    const uint16_t name_bytes = std::min<uint16_t>(Le16(e, 64), 64);
    std::string utf16(e.substr(0, name_bytes >= 2 ? name_bytes - 2 : 0));
    // Tolerant: the VBA reader looks streams up by the same decoding of their names.
    const std::string name = Utf16LeToUtf8(utf16);
    raw[i] = {name, static_cast<unsigned char>(e[66]), Le32(e, 68), Le32(e, 72), Le32(e, 76), Le32(e, 116),
              static_cast<uint64_t>(Le32(e, 120)) | (sector_ == 4096 ? static_cast<uint64_t>(Le32(e, 124)) << 32 : 0)};
  }
  if (raw[0].type != 5) {
    error = "no root entry";
    return false;
  }
  // The tree: from the root's child, each storage's children through left/right siblings.
  entries_.clear();
  std::vector<bool> seen(n, false);
  seen[0] = true;
  entries_.push_back({"", 5, raw[0].size, raw[0].start});
  // (id, parent path, depth); storages nested deeper than limits.depth or paths beyond
  // limits.path_bytes in all are not followed (cut_: the caller says so).
  struct Todo {
    uint32_t id;
    std::string parent;
    int depth;
  };
  std::vector<Todo> todo = {{raw[0].child, "", 0}};
  std::size_t path_bytes = 0;
  while (!todo.empty()) {
    Todo t = std::move(todo.back());
    todo.pop_back();
    const uint32_t id = t.id;
    const std::string& parent = t.parent;
    if (id >= n || seen[id]) continue;  // no sibling (0xFFFFFFFF), out of range, or a loop
    seen[id] = true;
    const Raw& r = raw[id];
    const std::string path = parent.empty() ? r.name : parent + "/" + r.name;
    path_bytes += path.size();
    if (path_bytes > limits.path_bytes) {
      cut_ = true;
      break;
    }
    if (r.type == 1 || r.type == 2) entries_.push_back({path, r.type, r.size, r.start});
    todo.push_back({r.left, parent, t.depth});
    todo.push_back({r.right, parent, t.depth});
    if (r.type == 1 && t.depth < limits.depth) {
      todo.push_back({r.child, path, t.depth + 1});
    } else if (r.type == 1 && r.child < n && !seen[r.child]) {
      cut_ = true;  // a storage with children not listed
    }
  }
  // The mini stream (the root's data) and the mini FAT.
  minifat_.clear();
  ministream_.clear();
  if (Le32(d, 60) <= kMaxRegular) {
    std::string bytes;
    if (!Sectors(Le32(d, 60), UINT64_MAX, "mini FAT", bytes, error)) return false;
    for (std::size_t i = 0; i + 4 <= bytes.size(); i += 4) minifat_.push_back(Le32(bytes, i));
  }
  if (raw[0].start <= kMaxRegular && raw[0].size > 0 && !Sectors(raw[0].start, UINT64_MAX, "mini stream", ministream_, error)) {
    return false;
  }
  return true;
}

const CfbEntry* Cfb::Find(std::string_view path) const {
  for (const CfbEntry& e : entries_) {
    if (IEquals(e.path, path)) return &e;
  }
  return nullptr;
}

bool Cfb::Read(const CfbEntry& e, std::string& out, std::string& error) const {
  out.clear();
  if (e.type != 2) {
    error = "not a stream";
    return false;
  }
  if (e.size > d_.size()) {
    error = "stream larger than the file";
    return false;
  }
  std::vector<uint32_t> chain;
  if (e.size < cutoff_) {  // in the mini stream
    if (!Chain(minifat_, e.start, ministream_.size() / mini_ + 1, chain)) {
      error = "broken mini chain";
      return false;
    }
    for (uint32_t s : chain) {
      const std::size_t off = static_cast<std::size_t>(s) * mini_;
      if (off >= ministream_.size()) {
        error = "mini sector beyond the mini stream";
        return false;
      }
      out.append(ministream_, off, std::min<std::size_t>(mini_, ministream_.size() - off));
      if (out.size() >= e.size) break;
    }
  } else if (!Sectors(e.start, e.size, "stream", out, error)) {
    return false;
  }
  if (out.size() < e.size) {
    error = "stream shorter than declared";
    return false;
  }
  out.resize(static_cast<std::size_t>(e.size));
  return true;
}

}  // namespace keikai::inspect
