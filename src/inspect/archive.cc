#include "keikai/inspect/archive.h"

#include <archive.h>
#include <archive_entry.h>

#include <memory>

#include "keikai/inspect/charset.h"
#include "inspect/bytes.h"

namespace keikai::inspect {
namespace {

struct Closer {
  void operator()(archive* a) const { archive_read_free(a); }
};

// One pass over the archive with at most one password; false when the encrypted entries did not
// open with it.
bool Pass(std::string_view data, const std::string* password, const std::string& kind, const ArchiveLimits& lim,
          ArchiveResult& r) {
  std::unique_ptr<archive, Closer> a(archive_read_new());
  archive_read_support_filter_all(a.get());
  archive_read_support_format_all(a.get());
  // A lone gzip'd file is a "raw" archive of one entry; only for gzip: raw accepts any bytes,
  // and an image libarchive cannot read would come back as itself.
  if (kind == "gzip") archive_read_support_format_raw(a.get());
  if (password != nullptr) archive_read_add_passphrase(a.get(), password->c_str());
  r.entries.clear();
  r.error.clear();
  r.limited = false;
  r.unread = 0;
  if (archive_read_open_memory(a.get(), data.data(), data.size()) != ARCHIVE_OK) {
    r.error = archive_error_string(a.get()) ? archive_error_string(a.get()) : "not an archive";
    return true;
  }
  bool failed_decrypt = false;
  uint64_t total = 0;
  archive_entry* e = nullptr;
  for (;;) {
    const int rc = archive_read_next_header(a.get(), &e);
    if (rc == ARCHIVE_EOF) break;
    if (rc < ARCHIVE_WARN) {
      const char* why = archive_error_string(a.get());
      r.error = why ? why : "damaged archive";
      if (r.error.find("ncrypted") != std::string::npos || r.error.find("assphrase") != std::string::npos) {
        r.any_encrypted = true;
        failed_decrypt = true;
      }
      break;
    }
    if (r.entries.size() >= lim.max_entries) {
      r.limited = true;
      break;
    }
    ArchiveEntry x;
    const char* utf8 = archive_entry_pathname_utf8(e);
    const char* raw = archive_entry_pathname(e);
    x.name = utf8 ? utf8 : raw ? raw : "";
    if (!IsUtf8(x.name)) {
      std::string u;
      x.name = ToUtf8(x.name, "CP932", u) ? u : x.name;
    }
    x.encrypted = archive_entry_is_encrypted(e) != 0;
    r.any_encrypted = r.any_encrypted || x.encrypted;
    if (archive_entry_filetype(e) != AE_IFREG) {
      r.entries.push_back(std::move(x));
      continue;
    }
    char buf[65536];
    bool ok = true;
    for (;;) {
      const la_ssize_t n = archive_read_data(a.get(), buf, sizeof buf);
      if (n == 0) break;
      // ARCHIVE_WARN after the data (a bad CRC, a wrong size): for an entry in the clear, what
      // was read is inspected, as 7-Zip and Explorer would still write it out; for an encrypted
      // one it is the sign of a wrong password (ZipCrypto's check byte lets 1 in 256 through).
      if (n == ARCHIVE_WARN && !x.encrypted) break;
      if (n == ARCHIVE_WARN) {
        ok = false;
        failed_decrypt = true;
        r.any_encrypted = true;
        break;
      }
      if (n < 0) {
        ok = false;
        const char* why = archive_error_string(a.get());
        const std::string w = why ? why : "";
        if (x.encrypted || w.find("assphrase") != std::string::npos || w.find("ncrypt") != std::string::npos) {
          failed_decrypt = true;
          x.encrypted = true;
          r.any_encrypted = true;
        } else {
          r.error = x.name + ": " + (w.empty() ? "read error" : w);
          ++r.unread;
          ok = !x.data.empty();  // a damaged entry: inspect what came out
        }
        break;
      }
      x.size += static_cast<uint64_t>(n);
      total += static_cast<uint64_t>(n);
      if (x.data.size() < lim.max_entry) {
        x.data.append(buf, static_cast<std::size_t>(std::min<uint64_t>(static_cast<uint64_t>(n), lim.max_entry - x.data.size())));
      } else {
        x.truncated = true;
      }
      if (total > lim.max_total) {
        r.limited = true;
        x.truncated = true;
        break;
      }
    }
    x.opened = ok;
    r.entries.push_back(std::move(x));
    if (r.limited) break;
  }
  if (const char* f = archive_format_name(a.get()); f != nullptr) r.format = f;
  return !failed_decrypt;
}

}  // namespace

bool LooksLikeArchive(std::string_view d, std::string& kind) {
  const auto starts = [&](std::string_view m, std::size_t at = 0) { return d.size() >= at + m.size() && d.substr(at, m.size()) == m; };
  if (starts(std::string_view("PK\x03\x04", 4)) || starts(std::string_view("PK\x05\x06", 4))) kind = "zip";
  else if (starts(std::string_view("7z\xBC\xAF\x27\x1C", 6))) kind = "7z";
  else if (starts(std::string_view("Rar!\x1A\x07", 6))) kind = "rar";
  else if (starts(std::string_view("\x1F\x8B", 2))) kind = "gzip";
  else if (starts("MSCF")) kind = "cab";
  else if (starts("ustar", 257)) kind = "tar";
  else if (starts("CD001", 0x8001) || starts("CD001", 0x8801) || starts("CD001", 0x9001)) kind = "iso";
  else if (starts("BEA01", 0x8001)) kind = "udf";
  else return false;
  return true;
}

void SevenZipEncryption(std::string_view d, bool& data_encrypted, bool& headers_encrypted) {
  data_encrypted = headers_encrypted = false;
  if (d.size() < 32) return;
  const uint64_t off = Le64(d, 12), size = Le64(d, 20);
  if (off > d.size() || size > d.size() - 32 || 32 + off + size > d.size()) return;
  const std::string_view next = d.substr(static_cast<std::size_t>(32 + off), static_cast<std::size_t>(size));
  if (next.empty()) return;
  // The 7zAES coder's id 06 F1 07 01 in a coder record (its flag byte: id size 4, properties).
  const bool aes = next.find(std::string_view("\x06\xF1\x07\x01", 4)) != std::string_view::npos;
  if (next[0] == 0x17) {  // kEncodedHeader: the header itself is packed, encrypted if AES packs it
    headers_encrypted = aes;
    data_encrypted = aes;
  } else {
    data_encrypted = aes;
  }
}

ArchiveResult ReadArchive(std::string_view data, const std::vector<std::string>& passwords, const ArchiveLimits& lim) {
  ArchiveResult r;
  std::string kind;
  LooksLikeArchive(data, kind);
  if (kind == "7z") {
    bool enc = false, hdr = false;
    SevenZipEncryption(data, enc, hdr);
    r.headers_encrypted = hdr;
    r.any_encrypted = enc;
  } else if (kind == "rar" && data.size() > 12) {
    // RAR5: "Rar!\x1A\x07\x01\x00", then header blocks; an archive encryption header (type 4)
    // first means the headers are encrypted. RAR4: the main header's flag 0x0080 (password).
    if (data[6] == 1 && data.size() > 12) {
      // block: CRC32 (4), header size (vint), header type (vint): the size is skipped.
      std::size_t p = 8 + 4;
      for (int shift = 0; p < data.size() && shift < 63; shift += 7) {
        if ((static_cast<unsigned char>(data[p++]) & 0x80) == 0) break;
      }
      if (p < data.size() && data[p] == 4) r.headers_encrypted = r.any_encrypted = true;
    } else if (data.size() > 7 + 7) {
      const uint16_t flags = static_cast<uint16_t>(static_cast<unsigned char>(data[7 + 3]) | static_cast<unsigned char>(data[7 + 4]) << 8);
      if (data[7 + 2] == 0x73 && (flags & 0x0080) != 0) r.headers_encrypted = r.any_encrypted = true;
    }
  }
  const bool header_encryption = r.headers_encrypted, preset = r.any_encrypted;
  ArchiveResult first = r;
  if (Pass(data, nullptr, kind, lim, first) && !(header_encryption && first.entries.empty())) {
    first.any_encrypted = first.any_encrypted || preset;
    first.headers_encrypted = header_encryption;
    return first;
  }
  std::size_t tried = 0;
  for (const std::string& p : passwords) {
    if (++tried > kMaxPasswords) break;  // each try reads the archive again
    ArchiveResult t = r;
    t.any_encrypted = true;
    if (Pass(data, &p, kind, lim, t) && !t.entries.empty()) {
      t.password = p;
      t.headers_encrypted = header_encryption;
      return t;
    }
  }
  first.any_encrypted = true;
  first.headers_encrypted = header_encryption;
  return first;
}

}  // namespace keikai::inspect
