// The archive header checks and the OOXML part analysis (inspect/archive.h, inspect/office.h) on
// arbitrary bytes: 7z's start and next header (encrypted data, encrypted headers), RAR4/RAR5
// header flags through ReadArchive with small limits, and an OOXML package whose parts are the
// input split at "\n--part--\n" (workbook.xml, its rels, a macro sheet, a vbaProject.bin, and an
// .xlsb's workbook.bin with its rels).
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "keikai/inspect/archive.h"
#include "keikai/inspect/office.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace keikai::inspect;
  const std::string_view d(reinterpret_cast<const char*>(data), size);
  bool enc = false, hdr = false;
  SevenZipEncryption(d, enc, hdr);
  std::string kind;
  if (LooksLikeArchive(d, kind)) {
    ArchiveLimits lim;
    lim.max_entries = 20;
    lim.max_entry = 1 << 20;
    lim.max_total = 2 << 20;
    const ArchiveResult r = ReadArchive(d, {"pw"}, lim);
    if (r.entries.size() > 20) __builtin_trap();
  }
  static const char* const kParts[] = {"xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/macrosheets/sheet1.xml",
                                       "xl/vbaProject.bin", "xl/workbook.bin", "xl/_rels/workbook.bin.rels"};
  std::map<std::string, std::string> parts;
  std::size_t start = 0;
  for (int i = 0; i < 6; ++i) {
    const std::size_t end = d.find("\n--part--\n", start);
    parts[kParts[i]] = std::string(d.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) break;
    start = end + 10;
  }
  Object obj;
  std::vector<EmbeddedFile> embedded;
  AnalyzeOoxml(parts, obj, &embedded);
  return 0;
}
