#pragma once
// Small file helpers shared by the stages that keep caches and read whole files.
// Thread-safe (no shared state); errors are reported as false, never thrown.

#include <string>
#include <string_view>

namespace keikai {

// Reads a whole file into out (appended); false if it cannot be opened or read.
bool ReadFile(const std::string& path, std::string& out);
// Writes bytes to a temporary file beside path and renames it over path, creating the parent
// directory if needed, so a reader never sees half a file. False on any failure.
bool WriteFileAtomic(const std::string& path, std::string_view bytes);
// Removes the files in dir whose names start with prefix, except keep (old cache entries).
void PruneSiblings(const std::string& dir, const std::string& keep, const std::string& prefix);
// For cache families whose entries legitimately coexist (one per phrase list, per rule group):
// a loaded entry is marked as used (its modification time set to now, at most once a day), and
// entries not used for max_age_days are removed when a new one is stored.
void TouchIfStale(const std::string& path);
void PruneOlderThan(const std::string& dir, const std::string& prefix, int max_age_days);
// Per-user directories: $XDG_CACHE_HOME/keikai or ~/.cache/keikai, and $XDG_DATA_HOME/keikai
// or ~/.local/share/keikai; "" when neither variable gives an absolute path.
std::string DefaultCacheDir();
std::string DefaultDataDir();

}  // namespace keikai
