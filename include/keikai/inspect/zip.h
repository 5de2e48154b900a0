#pragma once
// The ZIP central directory, read from the bytes (APPNOTE 6.3): every entry with its name, sizes,
// method and encryption (traditional PKWARE "ZipCrypto", WinZip AES with its strength, or strong
// encryption), ZIP64 sizes, and the name's encoding (UTF-8 when flagged, else CP932 when it reads
// as such, as Japanese archivers write, else CP437). libarchive extracts; this is what keikai
// needs to know before extracting, and where libarchive does not say (per-entry encryption
// kind, the declared sizes of a bomb).
//
// Bounded: at most max_entries entries, names of at most 64 KiB; a truncated or inconsistent
// directory gives what was read and an error.
//
// Thread-safety: pure function.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace keikai::inspect {

struct ZipEntry {
  std::string name;            // UTF-8
  uint16_t flags = 0, method = 0;
  uint64_t compressed = 0, size = 0;   // as declared
  uint64_t local_offset = 0;
  bool encrypted = false;      // flag bit 0
  // "zipcrypto", "aes128", "aes192", "aes256", "strong" (PKWARE strong encryption), "" none
  std::string encryption;
  bool directory = false;
};

struct ZipDirectory {
  bool zip = false;            // an end of central directory record was found
  std::vector<ZipEntry> entries;
  uint64_t declared_entries = 0;
  std::string error;           // "" when the directory was read whole
};

// Whether the bytes start like a ZIP (a local file header, or an empty archive's end record).
bool LooksLikeZip(std::string_view data);
ZipDirectory ReadZipDirectory(std::string_view data, std::size_t max_entries = 100'000);

}  // namespace keikai::inspect
