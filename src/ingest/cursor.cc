#include "keikai/ingest/cursor.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <random>

#include "keikai/core/hash.h"

namespace keikai::ingest {
namespace {

// Leading directive lines beyond this many are not part of the key (a header of thousands of
// '#' lines is not an IIS log; the key then stays the hash of what was seen).
constexpr std::size_t kMaxHeadLines = 4096;
// Lines held while covered before a checkpoint decides: checkpoints are at most
// kCheckpointEvery lines apart by construction; a stream with wider gaps (a damaged record) is
// not trusted beyond this.
constexpr std::size_t kMaxPending = 4 * kCheckpointEvery;

// Little-endian loads regardless of the host, so stored hashes mean the same everywhere.
uint64_t Load64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  if constexpr (std::endian::native == std::endian::big) v = __builtin_bswap64(v);
  return v;
}
uint64_t LoadTail(const char* p, std::size_t n) {  // n < 8 bytes, zero-extended
  uint64_t v = 0;
  std::memcpy(&v, p, n);
  if constexpr (std::endian::native == std::endian::big) v = __builtin_bswap64(v) >> (64 - 8 * n);
  return v;
}

// A line's fingerprint: the low 16 bits of the chain after it, two bytes little-endian.
void AppendFp(std::string& fps, uint64_t chain) {
  fps.push_back(static_cast<char>(chain & 0xff));
  fps.push_back(static_cast<char>((chain >> 8) & 0xff));
}
uint16_t FpAt(const std::string& fps, std::size_t i) {
  return static_cast<uint16_t>(static_cast<uint8_t>(fps[2 * i]) |
                               static_cast<uint8_t>(fps[2 * i + 1]) << 8);
}

}  // namespace

uint64_t ChainLine(uint64_t h, std::string_view line) {
  uint64_t x = 0x9E3779B97F4A7C15ULL ^ line.size();
  std::size_t i = 0;
  for (; i + 8 <= line.size(); i += 8) {
    x = (x ^ Load64(line.data() + i)) * 0xff51afd7ed558ccdULL;
    x ^= x >> 29;
  }
  const uint64_t tail = i < line.size() ? LoadTail(line.data() + i, line.size() - i) : 0;
  return Mix64((h + 0x632BE59BD9B4E019ULL) ^ Mix64(x ^ tail));
}

bool KeyBuilder::Add(std::string_view line) {
  if (done_) return true;
  h_ = Fnv1a64(line, h_);
  h_ = Fnv1a64("\n", h_);
  len_ += line.size() + 1;
  if (line.empty() || line[0] != '#') done_ = true;
  return done_;
}

std::string KeyBuilder::key() const {
  if (!done_) return {};
  return HashKey(h_, len_);
}

void ApplyUpdate(StreamRecord& r, const StreamUpdate& u) {
  r.id = u.id;
  r.key = u.key;
  r.path = u.path;
  r.site = u.site;
  for (const std::string& x : u.sites) {  // the union (the store also bounds it)
    if (std::find(r.sites.begin(), r.sites.end(), x) == r.sites.end()) r.sites.push_back(x);
  }
  for (const Checkpoint& c : u.checkpoints) {
    auto it = std::find_if(r.checkpoints.begin(), r.checkpoints.end(),
                           [&](const Checkpoint& x) { return x.lines == c.lines; });
    if (it == r.checkpoints.end()) {
      r.checkpoints.push_back(c);
    } else {
      *it = c;  // as the store's INSERT OR REPLACE
    }
  }
  std::sort(r.checkpoints.begin(), r.checkpoints.end(),
            [](const Checkpoint& a, const Checkpoint& b) { return a.lines < b.lines; });
}

uint64_t NewStreamId() {
  std::random_device rd;
  uint64_t id = 0;
  while (id == 0) {
    id = (static_cast<uint64_t>(rd()) << 32 | rd()) & 0x7fffffffffffffffULL;
  }
  return id;
}

ResumeReader::ResumeReader(std::unique_ptr<LineSource> src, Options opt, LoadStreams load)
    : src_(std::move(src)), opt_(opt), load_(std::move(load)) {}

ResumeReader::~ResumeReader() = default;

const Status& ResumeReader::status() const { return status_.ok() ? src_->status() : status_; }

bool ResumeReader::ReadRaw(std::string_view& line, bool& too_long, bool& terminated) {
  if (head_pos_ < head_lines_.size()) {
    const Line& l = head_lines_[head_pos_++];
    line = l.text;
    too_long = l.too_long;
    terminated = l.terminated;
    raw_offset_ = l.offset;
  } else {
    if (!src_->Next(line, too_long)) return false;
    terminated = src_->last_line_terminated();
    raw_offset_ = src_->offset();
  }
  if (!terminated && opt_.hold_back_unterminated &&
      src_->compression() == Compression::kNone) {
    held_back_ = 1;  // it is the last line: nothing follows an unterminated line
    return false;
  }
  return true;
}

void ResumeReader::Account(std::string_view line) {
  ++pos_.lines;
  pos_.hash = ChainLine(pos_.hash, line);
  pos_.offset = raw_offset_;
}

Status ResumeReader::Start() {
  started_ = true;
  std::string_view line;
  bool too_long = false;
  KeyBuilder kb;
  bool keyed = false;
  while (head_lines_.size() < kMaxHeadLines && (head_lines_.size() < opt_.head_lines || !keyed)) {
    if (!src_->Next(line, too_long)) break;
    Line l{std::string(line), too_long, src_->last_line_terminated(), src_->offset()};
    const bool held = !l.terminated && opt_.hold_back_unterminated &&
                      src_->compression() == Compression::kNone;
    if (!held && !keyed) keyed = kb.Add(l.text);
    head_lines_.push_back(std::move(l));
    if (held) break;
  }
  if (!src_->status().ok()) return src_->status();
  for (const Line& l : head_lines_) head_.push_back(l.text);
  key_ = kb.key();
  if (key_.empty()) return Status::Ok();  // no record: nothing to resume or to track

  const bool follow = opt_.reopen && src_->compression() == Compression::kNone;
  for (int pass = follow && opt_.load_ends ? 0 : 1; pass < 2; ++pass) {
    const auto& load = pass == 0 ? opt_.load_ends : load_;
    cands_.clear();
    if (load) {
      auto c = load(key_);
      if (!c.ok()) return c.status();
      cands_ = std::move(c).value();
    }
    // Streams without checkpoints cannot be compared: ignore them.
    std::erase_if(cands_, [](const StreamRecord& r) { return r.checkpoints.empty(); });
    next_cp_.assign(cands_.size(), 0);
    alive_.assign(cands_.size(), 1);
    pending_alive_ = alive_;
    verified_pos_ = Pos{};
    if (cands_.empty()) continue;
    covered_ = true;
    // (The full streams end where their ends did: after pass 0, the check would only repeat.)
    if (follow && (pass == 0 || !opt_.load_ends) && FastForward()) return Status::Ok();
    if (pass == 1) return Status::Ok();
  }
  if (!cands_.empty()) return Status::Ok();
  stream_id_ = NewStreamId();
  return Status::Ok();
}

bool ResumeReader::FastForward() {
  // The longest stream first: a log and a copy that forked from it share lines up to the fork.
  std::vector<std::size_t> order(cands_.size());
  for (std::size_t c = 0; c < order.size(); ++c) order[c] = c;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return cands_[a].lines() > cands_[b].lines();
  });
  for (const std::size_t c : order) {
    const auto& cps = cands_[c].checkpoints;
    const Checkpoint& end = cps.back();
    // Past the head (whose lines were read already), inside the file as it was opened.
    if (end.lines < head_lines_.size() || end.offset == 0 || end.offset > src_->raw_size()) continue;
    const Checkpoint before = cps.size() >= 2 ? cps[cps.size() - 2] : Checkpoint{};
    const bool fps = end.line_fps.size() == 2 * (end.lines - before.lines);
    auto r = opt_.reopen();
    if (!r.ok()) return false;
    std::unique_ptr<LineSource> s = std::move(r).value();
    if (s->compression() != Compression::kNone || !s->SkipTo(before.offset, before.lines)) continue;
    uint64_t n = before.lines, h = before.hash;
    std::string_view line;
    bool too_long = false, agrees = true;
    while (n < end.lines && s->Next(line, too_long)) {
      if (!s->last_line_terminated()) break;
      h = ChainLine(h, line);
      if (fps && FpAt(end.line_fps, n - before.lines) != (h & 0xffff)) {
        agrees = false;
        break;
      }
      ++n;
    }
    if (!agrees || n != end.lines || h != end.hash || s->offset() != end.offset) continue;
    // The input holds the stream through its end: read on after it, extending it.
    src_ = std::move(s);
    head_pos_ = head_lines_.size();
    pos_ = Pos{end.lines, end.offset, end.hash};
    last_ = verified_pos_ = pos_;
    verified_lines_ = end.lines;
    verified_by_ = c;
    covered_ = false;
    stream_id_ = cands_[c].id;
    committed_lines_ = end.lines;
    already_ = end.lines;
    matched_ = {cands_[c]};
    pending_.clear();
    new_cps_.clear();
    block_fps_.clear();
    return true;
  }
  return false;
}

void ResumeReader::PushCheckpoint(const Pos& p) {
  new_cps_.push_back({p.lines, p.offset, p.hash, std::move(block_fps_)});
  block_fps_.clear();
}

void ResumeReader::StartNew(bool has_parent, std::size_t parent, const Pos& at,
                            std::size_t replay_from) {
  covered_ = false;
  stream_id_ = NewStreamId();
  committed_lines_ = 0;
  new_cps_.clear();
  block_fps_.clear();
  last_ = Pos{};
  if (has_parent && at.lines > 0) {
    // The new stream shares the parent's lines up to the fork: its checkpoints say so, with one
    // at the fork itself when that is inside a block of the parent.
    uint64_t prev = 0;
    for (const Checkpoint& c : cands_[parent].checkpoints) {
      if (c.lines > at.lines) {
        Checkpoint s{at.lines, at.offset, at.hash, {}};
        if (c.line_fps.size() == 2 * (c.lines - prev)) {
          s.line_fps = c.line_fps.substr(0, 2 * (at.lines - prev));
        }
        new_cps_.push_back(std::move(s));
        break;
      }
      new_cps_.push_back(c);
      prev = c.lines;
      if (c.lines == at.lines) break;
    }
    if (new_cps_.empty() || new_cps_.back().lines != at.lines) {
      new_cps_.push_back({at.lines, at.offset, at.hash, {}});  // (the parent ended before: not reached)
    }
    last_ = at;
    matched_ = {cands_[parent]};
  }
  already_ = last_.lines;
  replaying_ = true;
  replay_pos_ = replay_from;
}

bool ResumeReader::Agreement(std::size_t c, uint64_t& lines) const {
  lines = 0;
  const auto& cps = cands_[c].checkpoints;
  std::size_t k = static_cast<std::size_t>(
      std::upper_bound(cps.begin(), cps.end(), verified_lines_,
                       [](uint64_t v, const Checkpoint& cp) { return v < cp.lines; }) -
      cps.begin());
  for (const Pending& p : pending_) {
    const uint64_t at = p.pos.lines;
    while (k < cps.size() && cps[k].lines < at) ++k;
    if (k == cps.size()) return true;  // the stream ends before this line
    const Checkpoint& cp = cps[k];
    if (cp.lines == at) {
      if (cp.hash != p.pos.hash) return true;
    } else {
      const uint64_t prev = k == 0 ? 0 : cps[k - 1].lines;
      if (cp.line_fps.size() != 2 * (cp.lines - prev)) return false;  // written before fingerprints
      if (FpAt(cp.line_fps, at - prev - 1) != (p.pos.hash & 0xffff)) return true;
    }
    ++lines;
  }
  return true;
}

void ResumeReader::Diverge(bool at_end) {
  // How far into pending_ each candidate alive at its start agrees. A line agrees when its
  // 16-bit fingerprint does (or the whole chain, at a checkpoint): a copy that departs is found
  // at the first differing line, except with odds of 1 in 65536 one line later.
  std::size_t best = verified_by_;
  uint64_t best_agree = 0;
  bool unknown = false;
  std::vector<uint8_t> all(cands_.size(), 0);
  for (std::size_t c = 0; c < cands_.size(); ++c) {
    if (!pending_alive_[c] || cands_[c].lines() < verified_lines_) continue;
    uint64_t a = 0;
    if (!Agreement(c, a)) {
      unknown = true;
      all[c] = 1;
      continue;
    }
    if (a == pending_.size()) all[c] = 1;
    if (a > best_agree) {
      best_agree = a;
      best = c;
    }
  }
  if (at_end && (pending_.empty() || unknown || best_agree == pending_.size())) {
    // The input ends inside what was ingested (a shorter copy), as far as the fingerprints
    // (or, for streams written before them, the last checkpoint) tell: nothing is new.
    already_ = pos_.lines;
    for (std::size_t c = 0; c < cands_.size(); ++c) {
      if (alive_[c] && (pending_.empty() || all[c])) matched_.push_back(cands_[c]);
    }
    pending_.clear();
    return;
  }
  if (best_agree == 0 && verified_lines_ > 0) {
    // A stream that ends where the input last agreed with it grows by the lines after it.
    for (std::size_t c = 0; c < cands_.size(); ++c) {
      if (pending_alive_[c] && cands_[c].lines() == verified_lines_) {
        covered_ = false;
        stream_id_ = cands_[c].id;
        committed_lines_ = verified_lines_;
        already_ = verified_lines_;
        last_ = verified_pos_;
        new_cps_.clear();
        block_fps_.clear();
        matched_ = {cands_[c]};
        replaying_ = true;
        replay_pos_ = 0;
        return;
      }
    }
  }
  const Pos at = best_agree == 0 ? verified_pos_ : pending_[best_agree - 1].pos;
  StartNew(at.lines > 0, best, at, static_cast<std::size_t>(best_agree));
}

void ResumeReader::CheckCandidates() {
  const uint64_t i = pos_.lines;
  bool verified_now = false;
  for (std::size_t c = 0; c < cands_.size(); ++c) {
    if (!alive_[c]) continue;
    const auto& cps = cands_[c].checkpoints;
    std::size_t& k = next_cp_[c];
    while (k < cps.size() && cps[k].lines < i) ++k;  // (not reached: lines come one by one)
    if (k < cps.size() && cps[k].lines == i) {
      if (cps[k].hash == pos_.hash) {
        verified_now = true;
        verified_lines_ = i;
        verified_by_ = c;
        ++k;
      } else {
        alive_[c] = 0;
      }
    }
  }
  if (verified_now) {
    pending_.clear();
    verified_pos_ = pos_;
    pending_alive_ = alive_;
  }
  bool beyond = false;
  for (std::size_t c = 0; c < cands_.size(); ++c) {
    if (alive_[c] && cands_[c].lines() > i) beyond = true;
  }
  if (beyond && pending_.size() <= kMaxPending) return;
  // No agreeing stream goes further: extend the one that ends here, or fork.
  for (std::size_t c = 0; c < cands_.size(); ++c) {
    if (alive_[c] && cands_[c].lines() == i && verified_lines_ == i) {
      covered_ = false;
      stream_id_ = cands_[c].id;
      committed_lines_ = i;
      already_ = i;
      last_ = pos_;
      block_fps_.clear();
      matched_ = {cands_[c]};
      pending_.clear();
      return;
    }
  }
  Diverge(false);
}

bool ResumeReader::Next(std::string_view& line, bool& too_long) {
  if (!started_) {
    status_ = Status::Error("read", "ResumeReader::Next before Start");
    return false;
  }
  for (;;) {
    if (replaying_) {
      if (replay_pos_ < pending_.size()) {
        const Pending& p = pending_[replay_pos_++];
        line = p.line.text;
        too_long = p.line.too_long;
        last_ = p.pos;
        yielded_no_ = p.pos.lines;
        AppendFp(block_fps_, p.pos.hash);
        if (p.pos.lines % kCheckpointEvery == 0) PushCheckpoint(p.pos);
        return true;
      }
      replaying_ = false;
      pending_.clear();
      replay_pos_ = 0;
    }
    if (eof_) return false;
    bool terminated = true;
    std::string_view l;
    bool tl = false;
    if (!ReadRaw(l, tl, terminated)) {
      eof_ = true;
      if (covered_) Diverge(true);
      continue;  // the lines a fork found new are returned first
    }
    Account(l);
    if (!covered_) {
      AppendFp(block_fps_, pos_.hash);
      if (pos_.lines % kCheckpointEvery == 0) PushCheckpoint(pos_);
      last_ = pos_;
      yielded_no_ = pos_.lines;
      line = l;
      too_long = tl;
      return true;
    }
    pending_.push_back({Line{std::string(l), tl, terminated, pos_.offset}, pos_});
    CheckCandidates();
  }
}

bool ResumeReader::has_update() const {
  return stream_id_ != 0 && !key_.empty() && last_.lines > committed_lines_;
}

StreamUpdate ResumeReader::TakeUpdate(const std::string& path, const std::string& site,
                                      const std::vector<std::string>& sites) {
  StreamUpdate u;
  u.id = stream_id_;
  u.key = key_;
  u.path = path;
  u.site = site;
  u.sites = sites;
  if (last_.lines > 0 && (new_cps_.empty() || new_cps_.back().lines != last_.lines)) {
    PushCheckpoint(last_);
  }
  u.checkpoints = std::move(new_cps_);
  new_cps_.clear();
  u.lines = last_.lines;
  u.offset = last_.offset;
  committed_lines_ = last_.lines;
  return u;
}

}  // namespace keikai::ingest
