#include "keikai/pipeline/scan.h"

#include <sched.h>

#include "keikai/pipeline/processor.h"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <cstring>
#include <filesystem>
#include <set>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "keikai/core/hash.h"
#include "keikai/core/i18n.h"
#include "keikai/core/utf8.h"
#include "keikai/ingest/cursor.h"
#include "keikai/ingest/source.h"
#include "pipeline/kinds.h"
#include "pipeline/pool.h"

namespace keikai::pipeline {
namespace {

constexpr uint64_t kCommitEveryLines = 2'000'000;
constexpr std::size_t kCommitEveryFindings = 10'000;
constexpr std::size_t kSampleLines = 64;

// A line's hash in a schema-3 mark.
std::string LineHash(std::string_view l) { return HashKey(Fnv1a64(l), l.size()); }

// This machine's zone offset at t (for logs that write local time without a zone).
int32_t LocalOffset(int64_t t) {
  const auto tt = static_cast<std::time_t>(t);
  std::tm tm{};
  if (localtime_r(&tt, &tm) == nullptr) return 0;
  return static_cast<int32_t>(tm.tm_gmtoff);
}

}  // namespace

// Reads the inputs: each file through the resume reader, by the kind (kinds.h) its format
// belongs to, into the aggregates, committed in batches.
class Processor::Impl {
 public:
  Impl(const ScanOptions& opt, store::Store& st, const detect::DetectorSet& det, const geo::GeoDb* geo)
      : opt_(opt),
        env_(opt.env != nullptr ? *opt.env : ingest::DefaultEnv()),
        agg_(geo, opt.max_sites, opt.max_findings, Processor::kMaxSourcesKept),
        ctx_(opt_, st, agg_, res_, (opt.now != 0 ? opt.now : env_.clock().NowSeconds()) + 2 * 86400),
        kinds_(ctx_, det),
        t0_(std::chrono::steady_clock::now()) {
    ctx_.log_zone = opt.log_zone_offset ? *opt.log_zone_offset : LocalOffset(ctx_.now());
  }

  ~Impl() {
    if (commit_running_) commit_thread_.join();
  }

  ingest::Env& env() { return env_; }
  ScanResult& result() { return res_; }
  bool fatal() const { return ctx_.fatal; }

  Status Start() {
    auto known = ctx_.store.Sites();
    if (!known.ok()) return ctx_.Fatal(known.status());
    agg_.KnowSites(known.value());
    Status started = Status::Ok();
    kinds_.ForEach([&](auto& k) {
      if (started.ok()) started = k.Start();
    });
    return started;
  }

  Status Feed(const std::string& f, FileRow& row, const InputOptions& in) {
    row.path = f;
    // This input's own options, for this input only (the processor's copy of the options is
    // what the kinds read).
    // Only the fields an input may replace are kept aside and put back (not the whole options,
    // whose input lists can be long).
    std::string site = opt_.site, format = opt_.log_format;
    std::vector<http::IpPrefix> proxies = opt_.trusted_proxies;
    const int32_t zone = ctx_.log_zone;
    if (in.site) opt_.site = *in.site;
    if (in.log_format) opt_.log_format = *in.log_format;
    if (in.trusted_proxies) opt_.trusted_proxies = *in.trusted_proxies;
    if (in.log_zone_offset) ctx_.log_zone = *in.log_zone_offset;
    Status st = ScanFile(f, row);
    opt_.site = std::move(site);
    opt_.log_format = std::move(format);
    opt_.trusted_proxies = std::move(proxies);
    ctx_.log_zone = zone;
    if (ctx_.fatal) return st;  // the store failed: nothing more is committed (see CommitBatch)
    if (!st.ok()) {
      row.error = st.message();
      if (st.offset() != Status::npos) row.error += " (" + std::to_string(st.offset()) + ")";
      row.error_code = st.code();
      if (res_.first_error.empty()) res_.first_error = f + ": " + st.ToString();
    }
    // A followed input is fed again every round for weeks: its row goes back to the caller only
    // (kept, the list would grow by one row per changed log per round).
    if (!opt_.follow) res_.files.push_back(row);
    ++res_.summary.files;
    return st;
  }

  Status Flush() { return CommitBatch(nullptr); }  // (waits for a batch being written first)

  Result<ScanResult> Finish() {
    bool final_commit = false;
    kinds_.ForEach([&](auto& k) { final_commit = final_commit || k.NeedsFinalCommit(); });
    if (final_commit) {
      // The last verdicts: every source still tracked; the checkpoint goes with them. Drawn up
      // while a batch still being written finishes (CommitBatch waits for it after building).
      Status c = CommitBatch(nullptr, /*final=*/true);
      if (!c.ok()) return c;
    } else {
      Status waited = WaitCommit();
      if (!waited.ok()) return waited;
    }
    res_.has_offset = agg_.DominantOffset(res_.dominant_offset);
    // Every site seen in this run has an id in the aggregates (ids are never cleared); the sites
    // of inputs found already ingested are named too, so their report is theirs, not the store's.
    res_.sites = agg_.sites();
    for (const std::string& x : covered_sites_) {
      if (x == "*") {
        res_.all_sites = true;  // a covered input had more sites than its record names
        continue;
      }
      if (std::find(res_.sites.begin(), res_.sites.end(), x) == res_.sites.end()) res_.sites.push_back(x);
    }
    if (res_.sites.size() > opt_.max_sites) res_.all_sites = true;
    std::sort(res_.sites.begin(), res_.sites.end());
    res_.findings_dropped = agg_.findings_dropped();
    res_.folded_requests = agg_.folded_requests();
    if (res_.crs_budget_exceeded > 0) {
      res_.notes.push_back(TrFill(
          "msg.crs_budget",
          {{"{n}", std::to_string(res_.crs_budget_exceeded)},
           {"{ms}", std::to_string(opt_.rules ? opt_.rules->options().request_budget_us / 1000 : 0)}}));
    }
    if (res_.crs_limit_hit > 0) {
      res_.notes.push_back(TrFill("msg.crs_limit", {{"{n}", std::to_string(res_.crs_limit_hit)}}));
    }
    if (res_.findings_dropped > 0) {
      res_.notes.push_back(TrFill("msg.findings_dropped", {{"{n}", std::to_string(res_.findings_dropped)},
                                                           {"{max}", std::to_string(opt_.max_findings)}}));
    }
    if (res_.folded_requests > 0) {
      res_.notes.push_back(TrFill("msg.sites_folded", {{"{requests}", std::to_string(res_.folded_requests)},
                                                       {"{sites}", std::to_string(agg_.folded_sites())},
                                                       {"{max}", std::to_string(opt_.max_sites)}}));
    }
    res_.summary.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
    return std::move(res_);
  }

 private:
  // Streams for a key, for the resume reader. A file still marked the way keikai marked files up
  // to schema version 3 is converted first: its mark is verified against the file and turned into
  // a stream with checkpoints, committed on its own.
  Result<std::vector<ingest::StreamRecord>> LoadStreams(const std::string& path,
                                                        const std::string& key) {
    Status waited = WaitCommit();
    if (!waited.ok()) return waited;
    auto streams = ctx_.store.FindStreams(key);
    if (!streams.ok()) return ctx_.Fatal(streams.status());
    if (!streams.value().empty() || path == "-") return streams;
    auto legacy = ctx_.store.FindFile(key);
    if (!legacy.ok()) return ctx_.Fatal(legacy.status());
    if (!legacy.value()) return streams;
    const store::FileMark& m = *legacy.value();
    auto src = env_.Open(path, opt_.max_line);
    if (!src.ok()) return src.status();
    ingest::StreamUpdate u;
    u.id = ingest::NewStreamId();
    u.key = key;
    u.path = path;
    u.site = m.site;
    u.sites = {m.site};
    std::string_view line;
    bool too_long = false;
    uint64_t n = 0, h = 0, before = 0;
    std::string fps;
    bool verified = false;
    while (n <= m.lines && src.value()->Next(line, too_long)) {
      if (src.value()->compression() == ingest::Compression::kNone &&
          !src.value()->last_line_terminated()) {
        break;
      }
      ++n;
      h = ingest::ChainLine(h, line);
      fps.push_back(static_cast<char>(h & 0xff));  // the line's fingerprint (ingest/cursor.h)
      fps.push_back(static_cast<char>((h >> 8) & 0xff));
      if (n == m.lines + 1) verified = before == m.offset && LineHash(line) == m.tail_hash;
      before = src.value()->offset();
      if (n % ingest::kCheckpointEvery == 0 || n == m.lines + 1) {
        u.checkpoints.push_back({n, before, h, std::move(fps)});
        fps.clear();
      }
    }
    if (!verified) return streams;  // the mark belongs to another file with this first line
    u.lines = n;
    u.offset = before;
    store::Batch b;
    b.streams.push_back(std::move(u));
    b.legacy_files_done.push_back(key);
    Status st = ctx_.store.Commit(b);
    if (!st.ok()) return ctx_.Fatal(st);
    auto again = ctx_.store.FindStreams(key);
    if (!again.ok()) return ctx_.Fatal(again.status());
    return again;
  }

  Status ScanFile(const std::string& path, FileRow& row) {
    const bool is_stdin = path == "-";
    auto s = env_.Open(path, opt_.max_line);
    if (!s.ok()) return s.status();
    ingest::ResumeReader::Options ro;
    ro.hold_back_unterminated = !is_stdin;
    ro.head_lines = kSampleLines;
    if (opt_.follow && !is_stdin) {
      ro.reopen = [this, &path] { return env_.Open(path, opt_.max_line); };
      ro.load_ends = [this](const std::string& key) -> Result<std::vector<ingest::StreamRecord>> {
        Status waited = WaitCommit();
        if (!waited.ok()) return waited;
        auto streams = ctx_.store.FindStreams(key, 2);
        if (!streams.ok()) return ctx_.Fatal(streams.status());
        return streams;
      };
    }
    ingest::ResumeReader reader(std::move(s).value(), ro, [&](const std::string& key) {
      return LoadStreams(path, key);
    });
    Status started = reader.Start();
    if (!started.ok()) return started;
    const std::vector<std::string_view> head(reader.head().begin(), reader.head().end());

    // The kind and format: the kind that claims a given --log-format most strongly, else the
    // first kind that recognises the first lines.
    int chosen = -1;
    std::string format;
    const bool given = !opt_.log_format.empty();
    if (given) {
      int best = 0, i = 0;
      kinds_.ForEach([&](auto& k) {
        const int c = k.Claims(opt_.log_format);
        if (c > best) {
          best = c;
          chosen = i;
        }
        ++i;
      });
      format = opt_.log_format;
    } else {
      auto detected = DetectAny(head, chosen);
      if (!detected.ok()) {
        if (reader.head().empty()) return reader.status();  // empty input: nothing to do
        return Status::Error("detect", detected.status().message());
      }
      format = detected.value();
    }
    Status st = Status::Ok();
    int i = 0;
    kinds_.ForEach([&](auto& k) {
      if (i++ == chosen) st = ScanWith(k, reader, format, given, head, path, row);
    });
    return st;
  }

  // The first kind that recognises these lines (chosen: its index), with the format's name;
  // otherwise the first kind's error.
  Result<std::string> DetectAny(std::span<const std::string_view> head, int& chosen) {
    Result<std::string> first = Status::Error("detect", "");
    bool have_first = false, found = false;
    int i = 0;
    kinds_.ForEach([&](auto& k) {
      if (found) return;
      auto r = k.Detect(head, ctx_);
      if (r.ok()) {
        found = true;
        chosen = i;
        first = std::move(r);
      } else if (!have_first) {
        have_first = true;
        first = std::move(r);
      }
      ++i;
    });
    return first;
  }

  template <class K>
  Status ScanWith(K& kind, ingest::ResumeReader& reader, const std::string& format, bool given,
                  std::span<const std::string_view> head, const std::string& path, FileRow& row) {
    Status begun = kind.BeginFile(format, given, row);
    if (!begun.ok()) return begun;

    // A given format that most of the first lines do not parse as, while they look like another
    // known format: stop before anything is read or remembered, or the whole file would be
    // counted as bad lines and, once remembered, never read again.
    // One pass over the first lines: how many parse (for the check below), and their times
    // (lines of this file are expected near the median of them).
    std::size_t records = 0, bad = 0;
    std::vector<int64_t> times;
    {
      ingest::ParseError perr;
      for (std::string_view l : head) {
        const ingest::LineKind k = kind.Parse(l, perr);
        if (k == ingest::LineKind::kBad) ++bad;
        if (k != ingest::LineKind::kRecord) continue;
        ++records;
        if (kind.time() >= kMinTime && kind.time() <= ctx_.max_time) times.push_back(kind.time());
      }
    }
    if (given && bad > records) {
      int other = -1;
      auto name = DetectAny(head, other);
      if (name.ok() && name.value() != row.format) {
        row.detected_format = name.value();
        return Status::Error("format_mismatch",
                             TrFill("read.format_mismatch", {{"{bad}", std::to_string(bad)},
                                                             {"{n}", std::to_string(records + bad)},
                                                             {"{given}", row.format},
                                                             {"{format}", name.value()}}));
      }
    }
    ref_time_ = 0;
    held_ = false;
    if (!times.empty()) {
      std::nth_element(times.begin(), times.begin() + static_cast<long>(times.size() / 2), times.end());
      ref_time_ = times[times.size() / 2];
    }
    const std::string file_site = opt_.site.empty() ? SiteFromFileName(path) : opt_.site;
    row.site = file_site;
    ctx_.BeginFile(path, file_site);
    Status read = Status::Ok();
    if constexpr (requires { kind.Chunkable(); }) {
      read = kind.Chunkable() ? ReadChunks(kind, reader, path, row) : ReadLines(kind, reader, path, row);
    } else {
      read = ReadLines(kind, reader, path, row);
    }
    if (!read.ok()) return read;
    EndOfFile(row);
    if (opt_.on_progress) {
      opt_.on_progress(path, reader.source().raw_position(), reader.source().raw_size(), row.lines);
    }
    row.already_ingested = reader.already();
    row.held_back = reader.held_back();
    if (row.lines > 0 && row.bad_lines * 2 > row.lines) {
      // Most lines were bad: say what format they look like (a wrong --log-format, or a file
      // whose format changed after its first lines).
      int other = -1;
      auto name = DetectAny(head, other);
      if (name.ok() && name.value() != row.format) row.detected_format = name.value();
    }
    res_.summary.already_ingested += reader.already();
    // A file with nothing new (a copy of a log read before, under another name): its site is the
    // one its lines were counted under, not one guessed from this copy's name.
    if (row.lines == 0 && reader.already() > 0 && opt_.site.empty() && !reader.matched().empty() &&
        !reader.matched().front().site.empty()) {
      row.site = reader.matched().front().site;
    }
    for (const ingest::StreamRecord& m : reader.matched()) {
      for (const std::string& x : m.sites) covered_sites_.insert(x);
      if (m.sites.empty() && !m.site.empty()) covered_sites_.insert(m.site);
      // --site names another site than the one these lines were counted under: say so, and
      // how to move them.
      if (!opt_.site.empty() && !m.site.empty() && m.site != opt_.site && reader.already() > 0 &&
          relabel_noted_.insert(m.site).second) {
        res_.notes.push_back(TrFill("msg.site_relabel", {{"{old}", m.site}, {"{new}", opt_.site}}));
      }
    }
    // What was read is committed with the stream's mark, even when reading then failed (a
    // truncated gzip): the good lines are kept, and the next scan does not count them again.
    // With workers, and inputs that are not followed, it is written on a thread of its own like
    // a commit in the middle of an input: the next input's streams, the final commit and the
    // report wait for it (WaitCommit). A followed input's round ends committed.
    Status c = CommitBatch(&reader, /*final=*/false, /*async=*/pool_ != nullptr && !opt_.follow);
    if (!c.ok()) return c;
    return reader.status();
  }

  // Line by line: read, parse, judge, merge.
  template <class K>
  Status ReadLines(K& kind, ingest::ResumeReader& reader, const std::string& path, FileRow& row) {
    uint64_t since_commit = 0;
    auto handle = [&](std::string_view line, bool too_long, uint64_t line_no) {
      ++row.lines;
      ++res_.summary.lines;
      if (const char* bad = UnreadableLine(line, too_long); bad != nullptr) {
        return Bad(row, line_no, line, bad, 0);
      }
      ingest::ParseError err;
      switch (kind.Parse(line, err)) {
        case ingest::LineKind::kSkip:
          ++res_.summary.skipped;
          return;
        case ingest::LineKind::kBad:
          return Bad(row, line_no, line, err.code, err.column);
        case ingest::LineKind::kRecord:
          return Record(row, kind, line, line_no);
      }
    };

    std::string_view line;
    bool too_long = false;
    while (reader.Next(line, too_long)) {
      handle(line, too_long, reader.line_number());
      ++since_commit;
      if (opt_.on_progress && (row.lines & 0x3ffff) == 0) {
        opt_.on_progress(path, reader.source().raw_position(), reader.source().raw_size(), row.lines);
      }
      if (!held_ && (since_commit >= kCommitEveryLines || agg_.pending_findings() >= kCommitEveryFindings)) {
        Status c = CommitBatch(&reader);
        if (!c.ok()) return c;
        since_commit = 0;
      }
    }
    return Status::Ok();
  }

  // In chunks of kChunkLines lines, kWindow of them read ahead: workers prepare a chunk's lines
  // (kind.PrepareLine), this thread merges them in order (time checks, then kind.MergeLine). A
  // commit falls due after a merged chunk; reading stops and the chunks already read are merged
  // first, so that the commit covers exactly what the reader has passed. The window is the
  // same whatever the thread count, and so are the commits and every answer.
  static constexpr std::size_t kChunkLines = 1024;
  static constexpr std::size_t kWindow = 8;
  template <class K>
  Status ReadChunks(K& kind, ingest::ResumeReader& reader, const std::string& path, FileRow& row) {
    using Slot = typename K::Slot;
    struct Chunk {
      std::string text;
      std::vector<Slot> slots;
      std::vector<std::pair<std::size_t, std::size_t>> spans;
      std::size_t n = 0;
      ChunkPool::Job job;
    };
    const std::size_t threads = Threads();
    Status ws = kind.SetWorkers(threads);
    if (!ws.ok()) return ws;
    ChunkPool* pool = Pool(threads);
    std::vector<Chunk> chunks(kWindow);
    for (Chunk& c : chunks) {
      c.slots.resize(kChunkLines);
      c.job.fn = [&kind, &c](std::size_t w) { kind.PrepareLines(w, std::span<Slot>(c.slots.data(), c.n)); };
    }
    std::size_t read_no = 0, merged_no = 0;
    bool eof = false, commit_due = false;
    uint64_t since_commit = 0;
    // However this returns (a failed commit), no worker may still be preparing a chunk of this
    // frame's: wait for every job submitted.
    struct Drain {
      ChunkPool* pool;
      std::vector<Chunk>& chunks;
      ~Drain() {
        if (pool == nullptr) return;
        for (Chunk& c : chunks) pool->Wait(c.job);
      }
    } drain{pool, chunks};
    auto fill = [&](Chunk& c) {
      c.text.clear();
      c.spans.clear();
      c.n = 0;
      std::string_view line;
      bool too_long = false;
      while (c.n < kChunkLines && reader.Next(line, too_long)) {
        c.spans.emplace_back(c.text.size(), line.size());
        c.text.append(line);
        Slot& s = c.slots[c.n++];
        s.line_no = reader.line_number();
        s.too_long = too_long;
      }
      // Binary lines are rare: one search of the chunk spares a search of each line.
      const bool nul = c.n > 0 && std::memchr(c.text.data(), 0, c.text.size()) != nullptr;
      for (std::size_t i = 0; i < c.n; ++i) {
        c.slots[i].line = std::string_view(c.text.data() + c.spans[i].first, c.spans[i].second);
        c.slots[i].may_have_nul = nul;
      }
      return c.n > 0;
    };
    auto read_more = [&] {
      while (!eof && !commit_due && read_no - merged_no < kWindow) {
        Chunk& c = chunks[read_no % kWindow];
        if (!fill(c)) {
          eof = true;
          break;
        }
        if (pool != nullptr) pool->Submit(c.job);
        ++read_no;
      }
    };
    // One merged chunk: its lines judged and accepted in order.
    auto merge = [&](Chunk& c) {
      for (std::size_t i = 0; i < c.n; ++i) {
        Slot& s = c.slots[i];
        ++row.lines;
        ++res_.summary.lines;
        switch (s.kind) {
          case ingest::LineKind::kSkip:
            ++res_.summary.skipped;
            break;
          case ingest::LineKind::kBad:
            Bad(row, s.line_no, s.line, s.err.code, s.err.column);
            break;
          case ingest::LineKind::kRecord:
            RecordSlot(row, kind, s);
            break;
        }
      }
      since_commit += c.n;
      if (since_commit >= kCommitEveryLines || agg_.pending_findings() >= kCommitEveryFindings) commit_due = true;
    };
    // Whether the batch is committed now (not while a line is held: it was read, and is neither
    // counted nor bad yet; the next chunk decides it, and the commit after it).
    auto commit = [&]() -> Status {
      commit_due = false;
      if (held_) return Status::Ok();
      since_commit = 0;
      return CommitBatch(&reader, /*final=*/false, /*async=*/pool != nullptr);
    };
    if (pool == nullptr) {
      read_more();
      while (merged_no < read_no) {
        Chunk& c = chunks[merged_no % kWindow];
        c.job.fn(0);
        merge(c);
        ++merged_no;
        if (opt_.on_progress && merged_no % 64 == 0) {
          opt_.on_progress(path, reader.source().raw_position(), reader.source().raw_size(), row.lines);
        }
        if (commit_due && merged_no == read_no) {
          Status st = commit();
          if (!st.ok()) return st;
        }
        read_more();
      }
      return Status::Ok();
    }
    // With workers, a reader thread reads and hashes (the resume cursor) and submits the chunks,
    // into the slots this thread releases after merging them. A commit that falls due after
    // chunk k keeps k's slot: the reader fills the other kWindow - 1 (as the loop above has read
    // them by then), this thread merges them and commits while the reader waits, so that the
    // reader has passed exactly what is committed, at the same line as with one thread.
    std::mutex mu;
    std::condition_variable cv;
    std::size_t released_no = 0;
    bool filling = false, quit = false;
    std::thread reader_thread([&] {
      uint64_t lines_read = 0;
      std::unique_lock<std::mutex> lk(mu);
      for (;;) {
        cv.wait(lk, [&] { return quit || (!eof && read_no - released_no < kWindow); });
        if (quit) return;
        Chunk& c = chunks[read_no % kWindow];
        filling = true;
        lk.unlock();
        const bool got = fill(c);
        if (got) pool->Submit(c.job);
        lines_read += c.n;
        if (opt_.on_progress && got && (read_no + 1) % 64 == 0) {
          opt_.on_progress(path, reader.source().raw_position(), reader.source().raw_size(), lines_read);
        }
        lk.lock();
        filling = false;
        if (got) ++read_no;
        else eof = true;
        cv.notify_all();
      }
    });
    struct Join {
      std::mutex& mu;
      std::condition_variable& cv;
      bool& quit;
      std::thread& t;
      ~Join() {
        {
          std::lock_guard<std::mutex> lk(mu);
          quit = true;
        }
        cv.notify_all();
        t.join();
      }
    } join{mu, cv, quit, reader_thread};
    for (;;) {
      std::size_t k;
      {
        std::unique_lock<std::mutex> lk(mu);
        cv.wait(lk, [&] { return merged_no < read_no || (eof && !filling); });
        if (merged_no == read_no) break;  // the end
        k = merged_no;
      }
      Chunk& c = chunks[k % kWindow];
      pool->Wait(c.job);
      merge(c);
      std::unique_lock<std::mutex> lk(mu);
      ++merged_no;
      if (!commit_due) {
        released_no = merged_no;
        cv.notify_all();
        continue;
      }
      // Wait until the reader has filled every slot it may (or met the end) and is idle, merge
      // what it read, and commit.
      cv.wait(lk, [&] { return !filling && (eof || read_no - released_no == kWindow); });
      while (merged_no < read_no) {
        Chunk& d = chunks[merged_no % kWindow];
        lk.unlock();
        pool->Wait(d.job);
        merge(d);
        lk.lock();
        ++merged_no;
      }
      Status st = commit();
      if (!st.ok()) return st;
      released_no = merged_no;
      cv.notify_all();
    }
    return Status::Ok();
  }

  template <class K>
  void RecordSlot(FileRow& row, K& kind, typename K::Slot& s) {
    switch (CheckTime(row, s.req.time, s.line, s.line_no)) {
      case TimeCheck::kFuture:
        return Bad(row, s.line_no, s.line, "time_future", 0);
      case TimeCheck::kPast:
        return Bad(row, s.line_no, s.line, "time_past", 0);
      case TimeCheck::kHeld:
        return;
      case TimeCheck::kAcceptAfterHeld: {
        typename K::Slot& h = kind.PrepareAgain(held_line_, held_no_);
        if (h.kind == ingest::LineKind::kRecord) AcceptSlot(row, kind, h);
        break;
      }
      case TimeCheck::kAccept:
        break;
    }
    AcceptSlot(row, kind, s);
  }
  template <class K>
  void AcceptSlot(FileRow& row, K& kind, typename K::Slot& s) {
    ++row.parsed;
    ++res_.summary.parsed;
    kind.MergeLine(s);
  }

  // --threads, else the cores this process may run on (its affinity: taskset, cgroup cpusets),
  // not all the machine's.
  std::size_t Threads() const {
    if (opt_.threads != 0) return opt_.threads;
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0) {
      return static_cast<std::size_t>(CPU_COUNT(&set));
    }
    const unsigned n = std::thread::hardware_concurrency();
    return n == 0 ? 1 : n;
  }
  ChunkPool* Pool(std::size_t threads) {
    if (threads <= 1) return nullptr;
    if (!pool_) pool_ = std::make_unique<ChunkPool>(threads);
    return pool_.get();
  }

  // Times a log line cannot have: in the future (beyond two days of clock skew) or before 1990
  // (one line dated 9999 made every report of its site span eight thousand years). And a line
  // more than a year away from the accepted line before it is held until the next record
  // decides: if that one is near it, the log really jumped and both count; otherwise the held
  // line is bad. The reference starts at the median time of the file's first lines.
  static constexpr int64_t kMinTime = 631152000;  // 1990-01-01
  static constexpr int64_t kMaxJump = 366 * 86400;
  enum class TimeCheck { kAccept, kAcceptAfterHeld, kHeld, kFuture, kPast };
  // The decision on a record by its time, for both reading paths. kAcceptAfterHeld: the held
  // line is accepted (parse it again), then this one; a held line this record does not confirm
  // is counted bad here.
  TimeCheck CheckTime(FileRow& row, int64_t t, std::string_view line, uint64_t line_no) {
    if (t > ctx_.max_time) return TimeCheck::kFuture;
    if (t < kMinTime) return TimeCheck::kPast;
    if (held_) {
      held_ = false;
      if (t >= held_time_ - 86400 && t <= held_time_ + 86400) {
        ref_time_ = t;
        return TimeCheck::kAcceptAfterHeld;
      }
      Bad(row, held_no_, held_line_, "time_out_of_range", 0);
    }
    if (ref_time_ != 0 && (t > ref_time_ + kMaxJump || t < ref_time_ - kMaxJump)) {
      held_ = true;
      held_line_.assign(line);
      held_no_ = line_no;
      held_time_ = t;
      return TimeCheck::kHeld;
    }
    ref_time_ = t;
    return TimeCheck::kAccept;
  }
  template <class K>
  void Record(FileRow& row, K& kind, std::string_view line, uint64_t line_no) {
    switch (CheckTime(row, kind.time(), line, line_no)) {
      case TimeCheck::kFuture:
        return Bad(row, line_no, line, "time_future", 0);
      case TimeCheck::kPast:
        return Bad(row, line_no, line, "time_past", 0);
      case TimeCheck::kHeld:
        return;
      case TimeCheck::kAcceptAfterHeld: {
        ingest::ParseError err;
        if (kind.Parse(held_line_, err) == ingest::LineKind::kRecord) Accept(row, kind, held_no_);
        kind.Parse(line, err);  // the record was the held line's: this line again
        break;
      }
      case TimeCheck::kAccept:
        break;
    }
    Accept(row, kind, line_no);
  }
  // A held line with no record after it is bad.
  void EndOfFile(FileRow& row) {
    if (!held_) return;
    held_ = false;
    Bad(row, held_no_, held_line_, "time_out_of_range", 0);
  }
  template <class K>
  void Accept(FileRow& row, K& kind, uint64_t line_no) {
    ++row.parsed;
    ++res_.summary.parsed;
    kind.Accept(line_no);
  }

  void Bad(FileRow& row, uint64_t line_no, std::string_view line, const char* code,
           std::size_t col) {
    ++row.bad_lines;
    ++res_.summary.bad_lines;
    if (res_.bad_line_samples.size() < opt_.bad_line_samples) {
      res_.bad_line_samples.push_back({ctx_.file, line_no, code, col + 1, Excerpt(line, 200)});
    }
  }

  // One batch: counts, findings, sources, each kind's own part (behaviour verdicts and state),
  // and the input's mark, in one transaction. If it fails the scan stops (fatal): the kinds and
  // the aggregates have moved past what the store holds, so nothing after it may be committed;
  // the next scan continues from the last batch that was.
  // async: the store writes the batch on a thread of its own while reading goes on (a commit in
  // the middle of an input); whatever uses the store next waits for it first (WaitCommit), and
  // a failure stops the scan there.
  // The batch is built before waiting for the one being written (building touches no store):
  // at the end of a scan the behaviour verdicts are drawn up while the last batch is written.
  Status CommitBatch(ingest::ResumeReader* reader, bool final = false, bool async = false) {
    store::Batch b = agg_.TakeBatch();
    kinds_.ForEach([&](auto& k) { k.Commit(b, final); });
    if (reader != nullptr && reader->has_update()) {
      std::vector<std::string> sites;
      for (uint32_t id : ctx_.file_site_ids) sites.push_back(agg_.sites()[id]);
      if (ctx_.file_sites_overflow) sites.push_back("*");
      b.streams.push_back(reader->TakeUpdate(ctx_.file, ctx_.file_site, sites));
    }
    // An id per batch (this run's random id and a sequence number): a store reached over the
    // network may be sent a batch again and applies it once.
    b.id = run_id_ + ":" + std::to_string(++batch_seq_);
    Status waited = WaitCommit();
    if (!waited.ok()) return waited;
    if (async) {
      commit_thread_ = std::thread([this, batch = std::move(b)] { commit_status_ = ctx_.store.Commit(batch); });
      commit_running_ = true;  // only once the thread runs (a thread not started is never joined)
      return Status::Ok();
    }
    Status st = ctx_.store.Commit(b);
    agg_.ReturnFindings(std::move(b.findings));
    return st.ok() ? st : ctx_.Fatal(st);
  }
  // The batch the store is writing, done; its failure is fatal.
  Status WaitCommit() {
    if (!commit_running_) return Status::Ok();
    commit_thread_.join();
    commit_running_ = false;
    return commit_status_.ok() ? Status::Ok() : ctx_.Fatal(commit_status_);
  }

  ScanOptions opt_;  // a copy: an input's own options (Feed) replace parts of it for that input
  ingest::Env& env_;
  ScanResult res_;
  event::Aggregator agg_;
  Context ctx_;
  Kinds kinds_;
  std::chrono::steady_clock::time_point t0_;
  const std::string run_id_ = HashKey(ingest::NewStreamId(), 0);
  std::unique_ptr<ChunkPool> pool_;  // worker threads, made when a scan first needs them
  std::thread commit_thread_;        // writing a batch (CommitBatch async)
  bool commit_running_ = false;
  Status commit_status_ = Status::Ok();
  uint64_t batch_seq_ = 0;
  std::set<std::string> relabel_noted_;   // sites named in a relabel note
  std::set<std::string> covered_sites_;   // sites of streams the inputs were found in
  int64_t ref_time_ = 0, held_time_ = 0;  // see Record
  bool held_ = false;
  std::string held_line_;
  uint64_t held_no_ = 0;
};

Processor::Processor(const ScanOptions& opt, store::Store& store, const detect::DetectorSet& detectors,
                     const geo::GeoDb* geo)
    : impl_(std::make_unique<Impl>(opt, store, detectors, geo)) {}
Processor::~Processor() = default;
Status Processor::Start() { return impl_->Start(); }
Status Processor::Feed(const std::string& input, FileRow& row, const InputOptions& in) {
  return impl_->Feed(input, row, in);
}
bool Processor::fatal() const { return impl_->fatal(); }
Status Processor::Flush() { return impl_->Flush(); }
Result<ScanResult> Processor::Finish() { return impl_->Finish(); }


std::string RuleMatchDetectorId(const rules::RuleMatch& m) { return "crs:" + std::to_string(m.id); }

std::string RuleMatchEvidence(const rules::RuleMatch& m) {
  return "crs " + std::to_string(m.id) + ": " + m.msg;
}

uint32_t RuleMatchClasses(const rules::RuleMatch& m) {
  using detect::AttackClass;
  auto bit = [](AttackClass c) { return 1u << static_cast<unsigned>(c); };
  uint32_t mask = 0;
  for (const std::string& t : m.tags) {
    if (t.rfind("attack-", 0) != 0) continue;
    const std::string_view a = std::string_view(t).substr(7);
    if (a == "sqli") mask |= bit(AttackClass::kSqli);
    else if (a == "xss") mask |= bit(AttackClass::kXss);
    else if (a == "lfi" || a == "rfi") mask |= bit(AttackClass::kLfi);
    else if (a == "rce" || a == "injection-php" || a == "injection-generic" || a == "ssrf" ||
             a == "injection-java" || a == "generic" || a == "ssti")
      mask |= bit(AttackClass::kRce);
    else if (a == "reputation-scanner") mask |= bit(AttackClass::kScanner);
    else if (a == "fixation" || a == "multipart-header") mask |= bit(AttackClass::kExploit);
    // attack-protocol (920/921) judges headers and framing, which a log line mostly lacks
    // (no Accept, often no Host): in log mode those matches would be artefacts.
  }
  return mask;
}

std::string SiteFromFileName(const std::string& path) {
  if (path == "-") return "default";
  std::string name = std::filesystem::path(path).filename().string();
  auto strip = [&](std::string_view suffix) {
    if (name.size() > suffix.size() &&
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
      name.resize(name.size() - suffix.size());
      return true;
    }
    return false;
  };
  strip(".gz") || strip(".zst") || strip(".zstd");
  // rotation: .1, .2, -20220301
  const std::size_t dot = name.find_last_of(".-");
  if (dot != std::string::npos && dot + 1 < name.size() &&
      std::all_of(name.begin() + static_cast<long>(dot) + 1, name.end(),
                  [](char c) { return c >= '0' && c <= '9'; })) {
    name.resize(dot);
  }
  for (const char* s : {".access.log", "-access.log", "_access.log", ".access_log", "_access_log",
                        "-access_log", ".log"}) {
    if (strip(s)) break;
  }
  if (name.empty() || name == "access" || name == "access_log" || name == "ssl_access" ||
      name == "access.log" || name == "ssl_access_log" || name == "u_ex" ||
      name.rfind("u_ex", 0) == 0) {
    return "default";
  }
  return name;
}

Status CheckLogFormat(std::string_view format) {
  if (Kinds::Claim(format) > 1) return Status::Ok();
  auto p = ingest::MakeParser(format);
  return p.ok() ? Status::Ok() : p.status();
}

Result<ScanResult> Scan(const ScanOptions& opt, store::Store& store,
                        const detect::DetectorSet& detectors, const geo::GeoDb* geo) {
  Processor p(opt, store, detectors, geo);
  ingest::Env& env = opt.env != nullptr ? *opt.env : ingest::DefaultEnv();
  std::vector<std::string> skipped_dirs;
  auto files = env.Expand(opt.inputs, &skipped_dirs);
  if (!files.ok()) return files.status();
  Status started = p.Start();
  if (!started.ok()) return started;
  std::vector<std::string> notes;
  std::sort(skipped_dirs.begin(), skipped_dirs.end());
  for (const std::string& d : skipped_dirs) notes.push_back(d + ": " + Tr("read.subdir_skipped"));
  for (const std::string& f : files.value()) {
    FileRow row;
    Status st = p.Feed(f, row);
    if (p.fatal()) return st;
  }
  for (const auto& [path, in] : opt.configured) {
    FileRow row;
    Status st = p.Feed(path, row, in);
    if (p.fatal()) return st;
  }
  auto res = p.Finish();
  if (!res.ok()) return res;
  res.value().notes.insert(res.value().notes.begin(), notes.begin(), notes.end());
  return res;
}

}  // namespace keikai::pipeline
