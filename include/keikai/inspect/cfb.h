#pragma once
// A reader of Microsoft Compound File Binary files (MS-CFB: OLE2, the container of .doc, .xls,
// .ppt, vbaProject.bin, and of encrypted OOXML), written for hostile input: every sector number
// is checked against the file, every chain is followed at most as many steps as the file has
// sectors (a loop is an error, not a hang), the directory tree is walked with a visited set, and
// a stream's size is bounded by the file's.
//
// Thread-safety: an opened Cfb is read-only and may be read from several threads.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace keikai::inspect {

struct CfbEntry {
  std::string path;     // "Macros/VBA/dir", UTF-8, '/'-separated from the root
  int type = 0;         // 1 storage, 2 stream, 5 root
  uint64_t size = 0;
  uint32_t start = 0;
};

// How much of the directory tree is listed: storages nested deeper than depth, and entries past
// path_bytes of paths in all, are not (a chain of nested storages would cost the square of its
// length). cut() says when that left entries out.
struct CfbLimits {
  int depth = 32;
  std::size_t path_bytes = 1u << 20;
};

class Cfb {
 public:
  static bool Looks(std::string_view data);
  // Reads the header, the FAT, the directory and the mini FAT; false with why on failure. The
  // data must outlive the reader.
  bool Open(std::string_view data, std::string& error, const CfbLimits& limits = {});
  const std::vector<CfbEntry>& entries() const { return entries_; }
  // Entries were left out by CfbLimits (the caller says so: finding cfb_limit).
  bool cut() const { return cut_; }
  const CfbLimits& limits() const { return limits_; }
  // The entry at this path (ASCII case-insensitive), or null.
  const CfbEntry* Find(std::string_view path) const;
  // The stream's bytes; false with why when the chain is broken.
  bool Read(const CfbEntry& e, std::string& out, std::string& error) const;

 private:
  bool Chain(const std::vector<uint32_t>& table, uint32_t start, uint64_t max_steps, std::vector<uint32_t>& out) const;
  // Appends the regular sectors of the FAT chain from start (until max_bytes are there); false
  // with "broken <what> chain" or "<what> sector beyond the file".
  bool Sectors(uint32_t start, uint64_t max_bytes, const char* what, std::string& out, std::string& error) const;
  std::string_view d_;
  uint32_t sector_ = 512, mini_ = 64, cutoff_ = 4096;
  uint64_t sectors_ = 0;
  std::vector<uint32_t> fat_, minifat_;
  std::string ministream_;
  std::vector<CfbEntry> entries_;
  bool cut_ = false;
  CfbLimits limits_;
};

}  // namespace keikai::inspect
