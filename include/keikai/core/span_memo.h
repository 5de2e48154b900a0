#pragma once
// SpanMemo<T>: a bounded memo from a text to a short list of trivially copyable values (the
// detector hits of a target or a user agent), for lookups on every log line.
//
// Why not std::unordered_map<std::string, std::vector<T>>: a lookup there walks a bucket, a
// node and the key's heap copy (three cache misses on a table of tens of thousands of texts),
// and each entry costs three allocations. Here an entry is a 24-byte slot in one array (open
// addressing, linear probing) whose key and values sit back to back in two arenas: a lookup
// reads one slot and compares the key once, and nothing is allocated per entry.
//
// Bounds: at most `per_generation` entries and `max_key_bytes` of key text in each of two
// generations. When the current generation is full it becomes the old one (the older is
// dropped) and a hit in the old generation is copied into the current one, so texts in use
// survive a turnover (an LRU's behaviour at the cost of two tables). Probing stops after
// kMaxProbe slots: texts crafted to share hash bits cannot make a lookup slow; such a text
// is simply not remembered (found again next time).
//
// Not thread-safe: one per thread. A returned span stays valid until the next Put or Find
// (a Find may promote, which may move the arenas).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "keikai/core/hash.h"

namespace keikai {

template <class T>
class SpanMemo {
  static_assert(std::is_trivially_copyable_v<T>);

 public:
  SpanMemo(std::size_t per_generation, std::size_t max_key_bytes)
      : cap_(std::max<std::size_t>(per_generation, 1)), max_key_bytes_(max_key_bytes) {
    std::size_t slots = 16;
    while (slots < 2 * cap_) slots *= 2;
    for (Generation& g : gen_) g.slots.assign(slots, Slot{});
  }

  // The values kept for key, or false.
  bool Find(const HashedView& key, std::span<const T>& out) {
    // Log lines come in runs of one source with the same user agent: the last text found is
    // compared first (its key and values stay where they are until the next Put).
    if (last_ != nullptr && last_->hash == Stored(key.hash) && Is(cur(), *last_, key.text)) {
      out = Values(cur(), *last_);
      return true;
    }
    if (const Slot* s = cur().Find(key); s != nullptr) {
      last_ = s;
      out = Values(cur(), *s);
      return true;
    }
    const Slot* o = old().Find(key);
    if (o == nullptr) return false;
    // Copied out first: a turnover in Put drops the old generation.
    const std::span<const T> vals = Values(old(), *o);
    promote_.assign(vals.begin(), vals.end());
    out = Put(key, promote_);
    return true;
  }

  // Keeps values for key (a text not kept yet); returns the kept copy (or values itself when
  // the text is not kept: too long, or its probe sequence is full).
  std::span<const T> Put(const HashedView& key, std::span<const T> values) {
    last_ = nullptr;
    if (key.text.size() > max_key_bytes_) return values;
    if (cur().count >= cap_ || cur().keys.size() + key.text.size() > max_key_bytes_) Turn();
    const Slot* s = cur().Put(key, values);
    if (s == nullptr) return values;
    last_ = s;
    return Values(cur(), *s);
  }

  // Asks the CPU to bring key's slots in both generations into its cache: a caller that
  // knows its next texts early (the next log line's) hides most of a lookup's memory latency.
  void Prefetch(uint64_t hash) const {
    const uint64_t h = Stored(hash);
    for (const Generation& g : gen_) __builtin_prefetch(&g.slots[h & (g.slots.size() - 1)]);
  }

  // The second step, a little later (once the slots have arrived): where key's home slot in a
  // generation holds its hash, asks for the kept text and values too.
  void PrefetchKept(uint64_t hash) const {
    const uint64_t h = Stored(hash);
    for (const Generation& g : gen_) {
      const Slot& s = g.slots[h & (g.slots.size() - 1)];
      if (s.hash != h) continue;
      __builtin_prefetch(g.keys.data() + s.key_off);
      if (s.val_len != 0) __builtin_prefetch(g.values.data() + s.val_off);
    }
  }

  std::size_t size() const { return gen_[0].count + gen_[1].count; }

 private:
  static constexpr std::size_t kMaxProbe = 32;
  struct Slot {
    uint64_t hash = 0;  // 0: empty; a text whose hash is 0 is stored as 1
    uint32_t key_off = 0;
    uint32_t key_len = 0;
    uint32_t val_off = 0;
    uint32_t val_len = 0;
  };
  static uint64_t Stored(uint64_t h) { return h == 0 ? 1 : h; }

  struct Generation {
    std::vector<Slot> slots;
    std::string keys;
    std::vector<T> values;
    std::size_t count = 0;

    const Slot* Find(const HashedView& key) const {
      const std::size_t mask = slots.size() - 1;
      const uint64_t h = Stored(key.hash);
      for (std::size_t i = 0, at = h & mask; i < kMaxProbe; ++i, at = (at + 1) & mask) {
        const Slot& s = slots[at];
        if (s.hash == 0) return nullptr;
        if (s.hash == h && Is(*this, s, key.text)) return &s;
      }
      return nullptr;
    }

    const Slot* Put(const HashedView& key, std::span<const T> vals) {
      const std::size_t mask = slots.size() - 1;
      const uint64_t h = Stored(key.hash);
      for (std::size_t i = 0, at = h & mask; i < kMaxProbe; ++i, at = (at + 1) & mask) {
        Slot& s = slots[at];
        if (s.hash != 0) continue;
        s.hash = h;
        s.key_off = static_cast<uint32_t>(keys.size());
        s.key_len = static_cast<uint32_t>(key.text.size());
        s.val_off = static_cast<uint32_t>(values.size());
        s.val_len = static_cast<uint32_t>(vals.size());
        keys.append(key.text);
        values.insert(values.end(), vals.begin(), vals.end());
        ++count;
        return &s;
      }
      return nullptr;
    }

    void Clear() {
      std::fill(slots.begin(), slots.end(), Slot{});
      keys.clear();
      values.clear();
      count = 0;
    }
  };

  static bool Is(const Generation& g, const Slot& s, std::string_view text) {
    return s.key_len == text.size() &&
           (text.empty() || std::memcmp(g.keys.data() + s.key_off, text.data(), text.size()) == 0);
  }
  static std::span<const T> Values(const Generation& g, const Slot& s) {
    return std::span<const T>(g.values.data() + s.val_off, s.val_len);
  }
  Generation& cur() { return gen_[cur_]; }
  Generation& old() { return gen_[cur_ ^ 1]; }
  void Turn() {
    cur_ ^= 1;
    cur().Clear();
    last_ = nullptr;
  }

  std::size_t cap_;
  std::size_t max_key_bytes_;
  Generation gen_[2];
  std::size_t cur_ = 0;
  const Slot* last_ = nullptr;  // in cur()
  std::vector<T> promote_;
};

}  // namespace keikai
