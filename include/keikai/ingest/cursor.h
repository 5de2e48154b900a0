#pragma once
// Ingest cursor: which lines of an input are new, so that no line is ever counted twice however
// many copies of a log sit side by side, in whatever order they are read, and whether they come
// from a file, a rotated and compressed copy, or stdin.
//
// Identity is by content. What has been ingested is a set of *streams*: sequences of lines that
// start with the same key (the hash of the leading '#' directive lines and the first record) and
// carry checkpoints (line count, byte offset, chained hash of all lines so far) every
// kCheckpointEvery lines and at every commit. An input is compared with the streams of its key
// as it is read:
//   - while it agrees with a stream at every checkpoint, its lines are already ingested;
//   - when it goes past the end of the stream it agrees with, the lines that follow are new and
//     extend that stream (a log that grew, a rotated or recompressed copy of it);
//   - when it ends inside a stream (a shorter copy, e.g. access.log.bak), nothing is new;
//   - when it stops agreeing with every stream, the lines from the first one that differs are new
//     and start a new stream forked there (a different log with the same first line). Lines
//     after the last agreeing checkpoint are held in memory (at most kCheckpointEvery of them)
//     until a checkpoint or the end decides; each checkpoint keeps a 16-bit fingerprint of the
//     chain after every line of its block, so the line where a copy departs is found exactly and
//     the tail of a shorter copy is checked line by line, not assumed.
// (Marks written by keikai up to schema version 3, one per first line, are converted to streams
// by the scanner before the reader starts: pipeline/scan.cc.)
//
// Thread-safety: a ResumeReader belongs to one thread.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "keikai/core/status.h"
#include "keikai/ingest/source.h"

namespace keikai::ingest {

constexpr uint64_t kCheckpointEvery = 256;

struct Checkpoint {
  uint64_t lines = 0;   // lines of the stream up to here
  uint64_t offset = 0;  // decompressed bytes up to here (informational)
  uint64_t hash = 0;    // ChainLine over those lines
  // For each line since the previous checkpoint, the low 16 bits of the chain after it (two
  // bytes, little-endian): where a copy stops agreeing inside a block, and whether the tail of a
  // shorter copy is the same. Empty for checkpoints written before it existed.
  std::string line_fps;
  bool operator==(const Checkpoint&) const = default;
};

// The chained hash of a stream's lines: h(n) = ChainLine(h(n-1), line n), h(0) = 0. Stored in
// databases: never change it. The line is its content without the line end ('\r' stripped).
uint64_t ChainLine(uint64_t h, std::string_view line);

// The identity key of an input from its leading lines: '#' directives (IIS) and the first
// record line. "" until a record line has been seen.
class KeyBuilder {
 public:
  // Feeds one line; true once the key is complete (the first non-directive line was fed).
  bool Add(std::string_view line);
  std::string key() const;

 private:
  uint64_t h_ = 1469598103934665603ULL;
  uint64_t len_ = 0;
  bool done_ = false;
};

// A stream as the store keeps it.
struct StreamRecord {
  uint64_t id = 0;                      // nonzero, chosen at random when the stream is created
  std::string key;
  std::string path;                     // the last path it was read from (informational)
  std::string site;                     // the site its lines were counted under (file level)
  std::vector<std::string> sites;       // the sites its lines went to (vhosts), at most 64
  std::vector<Checkpoint> checkpoints;  // ascending; the last one is the stream's end
  uint64_t lines() const { return checkpoints.empty() ? 0 : checkpoints.back().lines; }
};

// What one commit adds to a stream: its row (created when new) and its new checkpoints.
struct StreamUpdate {
  uint64_t id = 0;
  std::string key, path, site;
  std::vector<std::string> sites;
  uint64_t lines = 0, offset = 0;
  std::vector<Checkpoint> checkpoints;  // to insert (checkpoints of the parent when forked)
};

// What a store keeps of a stream after committing u (the SQLite store does the same in SQL):
// the row's fields, and u's checkpoints merged in by line count (a checkpoint at the same count
// replaces the older one). For in-memory stores: tests, fuzzing.
void ApplyUpdate(StreamRecord& r, const StreamUpdate& u);

// Reads an input and returns its new lines only (see the file comment).
class ResumeReader {
 public:
  struct Options {
    // A plain file's last line without a newline may still be being written: it is neither
    // returned nor counted, and is read again by the next scan (not for stdin or compressed).
    bool hold_back_unterminated = true;
    // How many leading lines to keep for format detection (head()).
    std::size_t head_lines = 64;
    // Followed files (the daemon): when set and the input is a plain file, a stream that ends
    // inside it is checked over its last block only (the lines after its checkpoint before the
    // last, fingerprint by fingerprint, then its whole chained hash at the end), and the input
    // is read on from there through a new source from `reopen` that seeks. A log that only grew
    // is so read in time proportional to what is new. A log truncated and rewritten
    // (copytruncate) or replaced differs in that block and is read whole as without it. Not for
    // `keikai scan`, which checks every line of what it reads.
    std::function<Result<std::unique_ptr<LineSource>>()> reopen;
    // With reopen: the streams of a key with only their last two checkpoints, which is all the
    // check above needs; the full streams are loaded only when it fails. Unset: the full ones.
    std::function<Result<std::vector<StreamRecord>>(const std::string& key)> load_ends;
  };
  using LoadStreams = std::function<Result<std::vector<StreamRecord>>(const std::string& key)>;

  ResumeReader(std::unique_ptr<LineSource> src, Options opt, LoadStreams load);
  ~ResumeReader();

  // Reads the head and the key and loads the streams of the key. Call once, before Next().
  Status Start();
  // The first lines of the input (up to head_lines), for detecting its format.
  const std::vector<std::string>& head() const { return head_; }
  const std::string& key() const { return key_; }

  // The next line not ingested before; false at the end (or on a read error: status()).
  bool Next(std::string_view& line, bool& too_long);
  uint64_t line_number() const { return yielded_no_; }  // of the line last returned (1-based)
  // Lines found already ingested so far, and a held-back last line.
  uint64_t already() const { return already_; }
  uint64_t held_back() const { return held_back_; }
  const Status& status() const;
  const LineSource& source() const { return *src_; }

  // What to commit: the stream through the last line returned (with the checkpoints gathered
  // since the last call). has_update() is false when nothing new has been returned since then.
  bool has_update() const;
  StreamUpdate TakeUpdate(const std::string& path, const std::string& site,
                          const std::vector<std::string>& sites);
  // The streams this input was found in (for naming their sites when nothing was new).
  const std::vector<StreamRecord>& matched() const { return matched_; }

 private:
  struct Line {
    std::string text;
    bool too_long = false;
    bool terminated = true;
    uint64_t offset = 0;  // the source's offset after the line
  };
  // A position in the input: lines read, bytes, and the chain through them.
  struct Pos {
    uint64_t lines = 0, offset = 0, hash = 0;
  };
  struct Pending {
    Line line;
    Pos pos;
  };
  bool ReadRaw(std::string_view& line, bool& too_long, bool& terminated);
  void Account(std::string_view line);
  void CheckCandidates();
  // The lines of pending_ (from its start) candidate c agrees with, by the fingerprints; false
  // when c's fingerprints are not known there.
  bool Agreement(std::size_t c, uint64_t& lines) const;
  // Decides when no candidate goes on: extends the one that ends where the input agrees, or
  // forks at the furthest agreement and replays the lines after it as new.
  void Diverge(bool at_end);
  // A new stream, sharing the parent's lines up to `at` when has_parent; pending_ from
  // replay_from on is returned as new.
  void StartNew(bool has_parent, std::size_t parent, const Pos& at, std::size_t replay_from);
  void PushCheckpoint(const Pos& p);
  // Options::reopen: moves past the end of a candidate the input's tail agrees with; false
  // (nothing changed) when none does.
  bool FastForward();

  std::unique_ptr<LineSource> src_;
  Options opt_;
  LoadStreams load_;
  std::vector<Line> head_lines_;
  std::vector<std::string> head_;
  std::size_t head_pos_ = 0;          // head lines already passed on
  uint64_t raw_offset_ = 0;           // the source's offset after the line ReadRaw returned
  std::string key_;
  Status status_;

  Pos pos_;                           // through the last line read
  Pos last_;                          // through the last line returned by Next()
  uint64_t yielded_no_ = 0;

  // Candidates: streams of the key, and which still agree with the input.
  std::vector<StreamRecord> cands_;
  std::vector<std::size_t> next_cp_;  // per candidate: index of its next checkpoint to check
  std::vector<uint8_t> alive_;
  std::vector<StreamRecord> matched_;
  bool covered_ = false;              // lines are inside an agreeing stream
  uint64_t verified_lines_ = 0;       // the last checkpoint at which a candidate agreed
  std::size_t verified_by_ = 0;       // that candidate
  Pos verified_pos_;                  // the input's position there
  std::vector<uint8_t> pending_alive_;  // candidates alive when pending_ started
  // Lines read since verified_lines_ while covered (copies), returned as new on a fork.
  std::vector<Pending> pending_;
  std::size_t replay_pos_ = 0;        // the next pending line to return as new
  bool replaying_ = false;

  // The stream new lines go to.
  uint64_t stream_id_ = 0;
  std::vector<Checkpoint> new_cps_;   // to insert at the next commit
  std::string block_fps_;             // fingerprints of the lines since the last checkpoint
  uint64_t committed_lines_ = 0;      // the stream's end as last committed or loaded
  uint64_t already_ = 0, held_back_ = 0;
  bool started_ = false;
  bool eof_ = false;
};

// A random nonzero 63-bit id for a new stream.
uint64_t NewStreamId();

}  // namespace keikai::ingest
