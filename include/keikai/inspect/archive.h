#pragma once
// Archives opened with libarchive (ZIP with ZipCrypto and WinZip AES, 7z, RAR, tar, gzip, ISO 9660
// and UDF images, cab), with passwords to try, and header checks of keikai's own where libarchive
// is blind: 7z with encrypted data or encrypted headers, RAR4/RAR5 encryption flags.
//
// Bounded: at most max_entries entries and max_entry bytes of each kept in memory, max_total over
// all; what was cut is said, never silently dropped.
//
// Thread-safety: pure functions.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace keikai::inspect {

// Passwords tried on one encrypted archive (each try reads the archive again); a message gathers
// no more than this many to try.
inline constexpr std::size_t kMaxPasswords = 50;

struct ArchiveLimits {
  std::size_t max_entries = 10'000;
  uint64_t max_entry = 64ull << 20;
  uint64_t max_total = 512ull << 20;
};

struct ArchiveEntry {
  std::string name;          // UTF-8
  std::string data;          // the first max_entry bytes
  uint64_t size = 0;         // bytes read (the whole entry when !truncated)
  bool encrypted = false;
  bool opened = false;       // its data was read (decrypted when encrypted)
  bool truncated = false;
};

struct ArchiveResult {
  std::string format;        // libarchive's name ("ZIP 2.0 (deflation)", "7-Zip", ...)
  std::vector<ArchiveEntry> entries;
  bool any_encrypted = false;
  bool headers_encrypted = false;  // 7z -mhe, RAR5 archive encryption: names are hidden too
  std::string password;      // the one that opened the encrypted entries ("" none or not needed)
  bool limited = false;      // a limit cut the reading short
  std::size_t unread = 0;    // entries that failed to read (not for want of a password)
  std::string error;         // "" when every header and entry was read
};

// Whether the bytes start like an archive keikai opens.
bool LooksLikeArchive(std::string_view data, std::string& kind);
// Reads the archive, trying no password first, then each candidate (the first 50) until the
// encrypted entries open.
ArchiveResult ReadArchive(std::string_view data, const std::vector<std::string>& passwords, const ArchiveLimits& limits);
// 7z: from the start header's next header: encrypted data (an AES coder) and encrypted headers.
void SevenZipEncryption(std::string_view data, bool& data_encrypted, bool& headers_encrypted);

}  // namespace keikai::inspect
