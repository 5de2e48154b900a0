#pragma once
// The autostart values of an offline NTUSER.DAT (a user's registry hive copied off a Windows
// machine), read with libhivex: what `keikai sweep` compares with the files of the profile.
//
// Keys read (names are matched case-insensitively, as Windows does):
//   Software\Microsoft\Windows\CurrentVersion\Run       every value
//   Software\Microsoft\Windows\CurrentVersion\RunOnce   every value
//   Software\Microsoft\Windows NT\CurrentVersion\Windows the values "Load" and "Run" (legacy)
// String values (REG_SZ, REG_EXPAND_SZ; UTF-16LE in the hive) come back in UTF-8, decoded by
// keikai from the raw bytes (an unpaired surrogate becomes U+FFFD, as Windows would still run the
// rest); values of other types are listed with empty data and their type, so nothing in those
// keys is hidden.
//
// The hive is outside input: libhivex checks the header checksum, the hbin pages and every cell
// it follows; on top of that the reader bounds what it takes (values per key, bytes per value),
// and a hive libhivex refuses is an error string, never a crash. Thread-safe (no shared state).
#include <cstdint>
#include <string>
#include <vector>

namespace keikai::sweep {

// "no time": a key whose last-write time is not in the hive, or is not a plausible date.
inline constexpr int64_t kNoTime = INT64_MIN;

struct RunKey {
  std::string path;                // "Software\\Microsoft\\Windows\\CurrentVersion\\Run"
  int64_t last_write = kNoTime;    // Unix seconds (UTC), from the key's nk record
  std::size_t values = 0;          // how many values it holds (all of them, before any bound)
};

struct RunValue {
  std::string key;                 // the RunKey::path it is in
  std::string name;                // "" for the key's default value
  std::string data;                // UTF-8; at most kMaxValueBytes, marked "…" when cut
  uint32_t type = 0;               // REG_SZ 1, REG_EXPAND_SZ 2, ...
  int64_t key_last_write = kNoTime;
};

struct HiveRunKeys {
  std::vector<RunKey> keys;        // the keys above that exist in the hive
  std::vector<RunValue> values;
  int64_t hive_last_write = kNoTime;  // the base block's time stamp
  std::vector<std::string> notes;  // what was read in a way worth saying (bad UTF-16 replaced)
  // Parts not read (a key whose siblings' names libhivex could not compare, a key's value list,
  // values past kMaxValuesPerKey): the sweep is partial, never clean.
  std::vector<std::string> problems;
  std::string error;               // not empty: the hive could not be read (why, from libhivex)
};

inline constexpr std::size_t kMaxValuesPerKey = 1000;
inline constexpr std::size_t kMaxValueBytes = 8192;

// Reads the keys above from the hive at path. A hive without those keys gives no keys and no
// error; a file that is not a hive, or is damaged where libhivex looks, gives error.
HiveRunKeys ReadRunKeys(const std::string& path);
// The same from a descriptor opened for reading (not blocking), which it closes: a caller that
// opened the hive beneath a folder without following links (sweep's OpenBeneath).
HiveRunKeys ReadRunKeys(int fd);

// Windows FILETIME (100 ns since 1601-01-01) to Unix seconds; kNoTime when outside 1980-2200.
int64_t FileTimeToUnix(int64_t filetime);

}  // namespace keikai::sweep
