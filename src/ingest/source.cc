#include "keikai/ingest/source.h"

#include "keikai/core/i18n.h"

#include <fcntl.h>
#include <glob.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

namespace keikai::ingest {
namespace {

constexpr std::size_t kBlock = 1 << 20;

// A stream of decompressed bytes.
class ByteStream {
 public:
  virtual ~ByteStream() = default;
  // Reads up to n bytes; returns bytes read, 0 at end, -1 on error (err set).
  virtual long Read(char* dst, std::size_t n, std::string& err) = 0;
  virtual uint64_t raw_position() const = 0;
  // Moves to byte n of the raw input, for plain files; false when it cannot (a pipe, a
  // decompressor), and nothing has moved then.
  virtual bool Seek(uint64_t) { return false; }
};

class FdStream : public ByteStream {
 public:
  explicit FdStream(int fd, bool own) : fd_(fd), own_(own) {}
  ~FdStream() override {
    if (own_) ::close(fd_);
  }
  long Read(char* dst, std::size_t n, std::string& err) override {
    for (;;) {
      const ssize_t r = ::read(fd_, dst, n);
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) {
        err = ErrnoText(errno);
        return -1;
      }
      pos_ += static_cast<uint64_t>(r);
      return static_cast<long>(r);
    }
  }
  uint64_t raw_position() const override { return pos_; }
  bool Seek(uint64_t n) override {
    if (::lseek(fd_, static_cast<off_t>(n), SEEK_SET) < 0) return false;
    pos_ = n;
    return true;
  }

 private:
  int fd_;
  bool own_;
  uint64_t pos_ = 0;
};

// Buffered look-ahead over a ByteStream, so the magic bytes can be sniffed and then re-read.
class PrefixedStream : public ByteStream {
 public:
  PrefixedStream(std::unique_ptr<ByteStream> in, std::string prefix)
      : in_(std::move(in)), prefix_(std::move(prefix)) {}
  long Read(char* dst, std::size_t n, std::string& err) override {
    if (off_ < prefix_.size()) {
      const std::size_t k = std::min(n, prefix_.size() - off_);
      std::memcpy(dst, prefix_.data() + off_, k);
      off_ += k;
      return static_cast<long>(k);
    }
    return in_->Read(dst, n, err);
  }
  uint64_t raw_position() const override { return in_->raw_position(); }
  // The prefix is bytes 0..prefix_.size() of the input, already read from it.
  bool Seek(uint64_t n) override {
    if (n < prefix_.size()) {
      if (in_->raw_position() != prefix_.size()) return false;
      off_ = static_cast<std::size_t>(n);
      return true;
    }
    if (!in_->Seek(n)) return false;
    off_ = prefix_.size();
    return true;
  }

 private:
  std::unique_ptr<ByteStream> in_;
  std::string prefix_;
  std::size_t off_ = 0;
};

class GzipStream : public ByteStream {
 public:
  explicit GzipStream(std::unique_ptr<ByteStream> in) : in_(std::move(in)), inbuf_(kBlock) {
    std::memset(&zs_, 0, sizeof zs_);
    ok_ = inflateInit2(&zs_, 15 + 32) == Z_OK;  // +32: gzip or zlib header
  }
  ~GzipStream() override { inflateEnd(&zs_); }
  long Read(char* dst, std::size_t n, std::string& err) override {
    if (!ok_) {
      err = Tr("read.zlib_init");
      return -1;
    }
    zs_.next_out = reinterpret_cast<Bytef*>(dst);
    zs_.avail_out = static_cast<uInt>(n);
    while (zs_.avail_out == n) {
      if (zs_.avail_in == 0 && !eof_) {
        const long r = in_->Read(inbuf_.data(), inbuf_.size(), err);
        if (r < 0) return -1;
        if (r == 0) eof_ = true;
        zs_.next_in = reinterpret_cast<Bytef*>(inbuf_.data());
        zs_.avail_in = static_cast<uInt>(r);
      }
      if (zs_.avail_in == 0 && eof_) {
        if (!member_done_) {
          err = Tr("read.gzip_truncated");
          return -1;
        }
        break;
      }
      const int rc = inflate(&zs_, Z_NO_FLUSH);
      member_done_ = false;
      if (rc == Z_STREAM_END) {
        // Concatenated gzip members (as logrotate and `cat a.gz b.gz` produce) continue.
        member_done_ = true;
        inflateReset(&zs_);
        continue;
      }
      if (rc != Z_OK && rc != Z_BUF_ERROR) {
        err = std::string(Tr("read.gzip_corrupt")) + " (" + (zs_.msg != nullptr ? zs_.msg : "?") + ")";
        return -1;
      }
    }
    return static_cast<long>(n - zs_.avail_out);
  }
  uint64_t raw_position() const override { return in_->raw_position(); }

 private:
  std::unique_ptr<ByteStream> in_;
  std::vector<char> inbuf_;
  z_stream zs_;
  bool ok_ = false;
  bool eof_ = false;
  bool member_done_ = false;
};

class ZstdStream : public ByteStream {
 public:
  explicit ZstdStream(std::unique_ptr<ByteStream> in)
      : in_(std::move(in)), inbuf_(ZSTD_DStreamInSize()), ds_(ZSTD_createDStream()) {
    ZSTD_initDStream(ds_);
    // Bound the window so a hostile frame cannot demand gigabytes.
    ZSTD_DCtx_setParameter(ds_, ZSTD_d_windowLogMax, 27);
  }
  ~ZstdStream() override { ZSTD_freeDStream(ds_); }
  long Read(char* dst, std::size_t n, std::string& err) override {
    ZSTD_outBuffer out{dst, n, 0};
    while (out.pos == 0) {
      if (in_pos_ == in_size_ && !eof_) {
        const long r = in_->Read(inbuf_.data(), inbuf_.size(), err);
        if (r < 0) return -1;
        if (r == 0) eof_ = true;
        in_size_ = static_cast<std::size_t>(r);
        in_pos_ = 0;
      }
      if (in_pos_ == in_size_ && eof_) {
        if (!frame_done_) {
          err = Tr("read.zstd_truncated");
          return -1;
        }
        break;
      }
      ZSTD_inBuffer in{inbuf_.data(), in_size_, in_pos_};
      const std::size_t rc = ZSTD_decompressStream(ds_, &out, &in);
      in_pos_ = in.pos;
      if (ZSTD_isError(rc)) {
        err = std::string(Tr("read.zstd_corrupt")) + " (" + ZSTD_getErrorName(rc) + ")";
        return -1;
      }
      frame_done_ = rc == 0;
    }
    return static_cast<long>(out.pos);
  }
  uint64_t raw_position() const override { return in_->raw_position(); }

 private:
  std::unique_ptr<ByteStream> in_;
  std::vector<char> inbuf_;
  std::size_t in_size_ = 0, in_pos_ = 0;
  ZSTD_DStream* ds_;
  bool eof_ = false;
  bool frame_done_ = true;
};

class StreamLineSource : public LineSource {
 public:
  StreamLineSource(std::unique_ptr<ByteStream> in, std::size_t max_line, Compression c,
                   uint64_t raw_size)
      : in_(std::move(in)), max_line_(max_line), comp_(c), raw_size_(raw_size) {
    buf_.resize(std::max(kBlock, max_line_ * 2));
  }

  bool Next(std::string_view& line, bool& too_long) override {
    too_long = false;
    if (!status_.ok()) return false;
    if (skipping_ && !SkipRestOfLine()) return false;
    for (;;) {
      const char* base = buf_.data();
      const void* nl = std::memchr(base + begin_, '\n', end_ - begin_);
      if (nl != nullptr) {
        const std::size_t e = static_cast<std::size_t>(static_cast<const char*>(nl) - base);
        if (e - begin_ > max_line_) {
          // A whole over-long line in the buffer: return its head, consume all of it.
          too_long = true;
          terminated_ = true;
          line = std::string_view(base + begin_, max_line_);
          offset_ += e + 1 - begin_;
          begin_ = e + 1;
          ++line_no_;
          return true;
        }
        return Emit(begin_, e, e + 1, line);
      }
      if (end_ - begin_ >= max_line_) {
        // Over-long line: return its head, drop the rest as it streams by.
        too_long = true;
        skipping_ = true;
        terminated_ = true;
        const std::size_t b = begin_;
        begin_ += max_line_;
        offset_ += max_line_;
        ++line_no_;
        line = std::string_view(base + b, max_line_);
        return true;
      }
      if (eof_) {
        if (begin_ == end_) return false;
        return Emit(begin_, end_, end_, line);
      }
      if (!Fill()) return false;
    }
  }

  uint64_t line_number() const override { return line_no_; }
  uint64_t offset() const override { return offset_; }
  uint64_t raw_position() const override { return in_->raw_position(); }
  uint64_t raw_size() const override { return raw_size_; }
  Compression compression() const override { return comp_; }
  bool last_line_terminated() const override { return terminated_; }
  const Status& status() const override { return status_; }

  bool SkipTo(uint64_t n, uint64_t lines) override {
    // A plain input not yet read moves there at once; anything else reads its way there.
    if (comp_ == Compression::kNone && n <= raw_size_ && offset_ == 0 && begin_ == end_ && !eof_ &&
        in_->Seek(n)) {
      offset_ = n;
      line_no_ = lines;
      return true;
    }
    while (offset_ < n) {
      if (begin_ == end_) {
        if (eof_) return false;
        if (!Fill()) return false;
        continue;
      }
      const uint64_t k = std::min<uint64_t>(n - offset_, end_ - begin_);
      begin_ += static_cast<std::size_t>(k);
      offset_ += k;
    }
    line_no_ = lines;
    return true;
  }

 private:
  bool Emit(std::size_t b, std::size_t e, std::size_t next, std::string_view& line) {
    terminated_ = next > e;
    offset_ += next - b;
    begin_ = next;
    if (e > b && buf_[e - 1] == '\r') --e;
    ++line_no_;
    line = std::string_view(buf_.data() + b, e - b);
    return true;
  }

  // Compact and read more; false on error.
  bool Fill() {
    if (begin_ > 0) {
      std::memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
      end_ -= begin_;
      begin_ = 0;
    }
    std::string err;
    const long r = in_->Read(buf_.data() + end_, buf_.size() - end_, err);
    if (r < 0) {
      status_ = Status::Error("read", err, offset_);
      return false;
    }
    if (r == 0) eof_ = true;
    end_ += static_cast<std::size_t>(r);
    return true;
  }

  bool SkipRestOfLine() {
    for (;;) {
      const void* nl = std::memchr(buf_.data() + begin_, '\n', end_ - begin_);
      if (nl != nullptr) {
        const auto e = static_cast<std::size_t>(static_cast<const char*>(nl) - buf_.data());
        offset_ += e + 1 - begin_;
        begin_ = e + 1;
        skipping_ = false;
        return true;
      }
      offset_ += end_ - begin_;
      begin_ = end_ = 0;
      if (eof_) {
        skipping_ = false;
        return true;
      }
      if (!Fill()) return false;
    }
  }

  std::unique_ptr<ByteStream> in_;
  std::size_t max_line_;
  Compression comp_;
  uint64_t raw_size_;
  std::vector<char> buf_;
  std::size_t begin_ = 0, end_ = 0;
  bool eof_ = false;
  bool skipping_ = false;
  bool terminated_ = true;
  uint64_t line_no_ = 0;
  uint64_t offset_ = 0;
  Status status_;
};

class StringStream : public ByteStream {
 public:
  explicit StringStream(std::string s) : s_(std::move(s)) {}
  long Read(char* dst, std::size_t n, std::string&) override {
    const std::size_t k = std::min(n, s_.size() - pos_);
    std::memcpy(dst, s_.data() + pos_, k);
    pos_ += k;
    return static_cast<long>(k);
  }
  uint64_t raw_position() const override { return pos_; }
  bool Seek(uint64_t n) override {
    pos_ = static_cast<std::size_t>(std::min<uint64_t>(n, s_.size()));
    return true;
  }

 private:
  std::string s_;
  std::size_t pos_ = 0;
};

Result<std::unique_ptr<LineSource>> Wrap(std::unique_ptr<ByteStream> raw, std::size_t max_line,
                                         uint64_t raw_size) {
  // Sniff the magic bytes: compression is told by content, not by file name.
  std::string head(4, '\0');
  std::size_t got = 0;
  std::string err;
  while (got < 4) {
    const long r = raw->Read(head.data() + got, 4 - got, err);
    if (r < 0) return Status::Error("read", err, 0);
    if (r == 0) break;
    got += static_cast<std::size_t>(r);
  }
  head.resize(got);
  auto stream = std::make_unique<PrefixedStream>(std::move(raw), head);
  const auto u = [&](std::size_t i) { return static_cast<unsigned char>(head[i]); };
  if (got >= 2 && u(0) == 0x1f && u(1) == 0x8b) {
    return std::unique_ptr<LineSource>(std::make_unique<StreamLineSource>(
        std::make_unique<GzipStream>(std::move(stream)), max_line, Compression::kGzip, raw_size));
  }
  if (got >= 4 && u(0) == 0x28 && u(1) == 0xb5 && u(2) == 0x2f && u(3) == 0xfd) {
    return std::unique_ptr<LineSource>(std::make_unique<StreamLineSource>(
        std::make_unique<ZstdStream>(std::move(stream)), max_line, Compression::kZstd, raw_size));
  }
  return std::unique_ptr<LineSource>(std::make_unique<StreamLineSource>(
      std::move(stream), max_line, Compression::kNone, raw_size));
}

// Rotation order key: (base name, -rotation index); "access.log" has index -1 (newest).
struct RotKey {
  std::string dir, base;
  long index = -1;
};

RotKey KeyOf(const std::string& path) {
  std::filesystem::path p(path);
  RotKey k;
  k.dir = p.parent_path().string();
  std::string name = p.filename().string();
  for (const char* ext : {".gz", ".zst", ".zstd"}) {
    const std::size_t n = std::strlen(ext);
    if (name.size() > n && name.compare(name.size() - n, n, ext) == 0) {
      name.resize(name.size() - n);
      break;
    }
  }
  const std::size_t dot = name.rfind('.');
  if (dot != std::string::npos && dot + 1 < name.size() && name.size() - dot <= 7 &&
      std::all_of(name.begin() + static_cast<long>(dot) + 1, name.end(),
                  [](char c) { return c >= '0' && c <= '9'; })) {
    k.index = std::stol(name.substr(dot + 1));
    name.resize(dot);
  }
  k.base = name;
  return k;
}

}  // namespace

Result<std::unique_ptr<LineSource>> LineSource::Open(const std::string& path,
                                                     std::size_t max_line) {
  if (max_line < 16) max_line = 16;
  if (path == "-") return Wrap(std::make_unique<FdStream>(0, false), max_line, 0);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::Error("open", path + ": " + ErrnoText(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || S_ISDIR(st.st_mode)) {
    ::close(fd);
    return Status::Error("open", path + ": " + Tr("read.not_a_file"));
  }
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  return Wrap(std::make_unique<FdStream>(fd, true), max_line,
              S_ISREG(st.st_mode) ? static_cast<uint64_t>(st.st_size) : 0);
}

std::unique_ptr<LineSource> LineSource::FromString(std::string data, std::size_t max_line) {
  const uint64_t n = data.size();
  auto r = Wrap(std::make_unique<StringStream>(std::move(data)), std::max<std::size_t>(16, max_line), n);
  return std::move(r).value();
}

Result<std::vector<std::string>> ExpandInputs(const std::vector<std::string>& patterns,
                                              std::vector<std::string>* skipped_dirs) {
  std::vector<std::string> out;
  for (const std::string& p : patterns) {
    if (p == "-") {
      out.push_back(p);
      continue;
    }
    std::error_code ec;
    if (std::filesystem::is_directory(p, ec)) {
      std::vector<std::string> files;
      for (const auto& e : std::filesystem::directory_iterator(p, ec)) {
        if (e.is_regular_file(ec)) {
          files.push_back(e.path().string());
        } else if (e.is_directory(ec) && skipped_dirs != nullptr) {
          skipped_dirs->push_back(e.path().string());
        }
      }
      out.insert(out.end(), files.begin(), files.end());
      continue;
    }
    if (p.find_first_of("*?[") == std::string::npos) {
      out.push_back(p);  // a missing plain path is reported when opened
      continue;
    }
    glob_t g{};
    const int rc = ::glob(p.c_str(), GLOB_NOSORT, nullptr, &g);
    if (rc == GLOB_NOMATCH) {
      globfree(&g);
      return Status::Error("glob", std::string(Tr("read.no_match")) + ": " + p);
    }
    if (rc != 0) {
      globfree(&g);
      return Status::Error("glob", std::string(Tr("read.cannot_expand")) + ": " + p);
    }
    for (std::size_t i = 0; i < g.gl_pathc; ++i) out.emplace_back(g.gl_pathv[i]);
    globfree(&g);
  }
  SortInputs(out);
  return out;
}

void SortInputs(std::vector<std::string>& paths) {
  // Oldest first within each rotation family; stable otherwise.
  std::stable_sort(paths.begin(), paths.end(), [](const std::string& a, const std::string& b) {
    if (a == "-" || b == "-") return false;
    const RotKey ka = KeyOf(a), kb = KeyOf(b);
    if (ka.dir != kb.dir) return ka.dir < kb.dir;
    if (ka.base != kb.base) return ka.base < kb.base;
    return ka.index > kb.index;
  });
  paths.erase(std::unique(paths.begin(), paths.end()), paths.end());
}

std::vector<std::string> RotatedCopies(const std::string& path, std::size_t max) {
  const std::filesystem::path p(path);
  const std::string base = p.filename().string();
  if (base.empty()) return {};
  const auto digits = [](std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  std::vector<std::string> numbered, dated;
  std::error_code ec;
  std::filesystem::directory_iterator it(p.has_parent_path() ? p.parent_path() : ".", ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.size() <= base.size() + 1 || name.compare(0, base.size(), base) != 0) continue;
    std::string_view rest = std::string_view(name).substr(base.size());
    for (std::string_view ext : {".gz", ".zst", ".zstd"}) {  // as KeyOf
      if (rest.size() > ext.size() && rest.substr(rest.size() - ext.size()) == ext) {
        rest.remove_suffix(ext.size());
        break;
      }
    }
    const bool is_numbered = rest[0] == '.' && rest.size() <= 7 && digits(rest.substr(1));
    const bool is_dated = rest[0] == '-' && (rest.size() == 9 || rest.size() == 11) && digits(rest.substr(1));
    if (!is_numbered && !is_dated) continue;
    std::error_code fe;
    if (!it->is_regular_file(fe)) continue;
    (is_dated ? dated : numbered).push_back(it->path().string());
  }
  // Oldest first: dated copies by date, then numbered ones by falling number, so that the
  // newest are at the end (a system uses one scheme or the other).
  SortInputs(numbered);
  std::sort(dated.begin(), dated.end());
  std::vector<std::string> out = std::move(dated);
  out.insert(out.end(), numbered.begin(), numbered.end());
  if (out.size() > max) out.erase(out.begin(), out.end() - static_cast<long>(max));
  return out;
}

}  // namespace keikai::ingest
