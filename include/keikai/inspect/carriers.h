#pragma once
// Carriers Emotet and its kin used besides macros: Windows shortcuts (MS-SHLLINK: the target, its
// arguments and how the window is shown), files embedded in Office documents as OLE packages
// (the "\x01Ole10Native" stream), and files embedded in OneNote sections (FileDataStoreObject).
// Written for hostile input: every offset and count is checked against the data.
//
// Thread-safety: pure functions.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace keikai::inspect {

struct LnkInfo {
  bool lnk = false;            // the header and CLSID of a shell link
  std::string target;          // LinkInfo's local base path, or the environment block's target
  std::string arguments, working_dir, relative_path, icon, name;
  uint32_t show_command = 0;   // 1 normal, 3 maximised, 7 minimised without focus
  std::string error;           // "" when read whole
};
bool LooksLikeLnk(std::string_view data);
LnkInfo ReadLnk(std::string_view data);

struct EmbeddedFile {
  std::string name;            // as the carrier names it (UTF-8), or "" unknown
  std::string data;
};
// An Ole10Native stream's file (label, original path, data); false when it is not one.
bool ReadOle10Native(std::string_view stream, EmbeddedFile& out);
bool LooksLikeOneNote(std::string_view data);
// The files a OneNote section embeds (at most max of them, each at most max_bytes).
std::vector<EmbeddedFile> OneNoteFiles(std::string_view data, std::size_t max = 100, std::size_t max_bytes = 64u << 20);

// RTF documents ("{\\rt", as Word accepts it): the OLE1 objects of their \\objdata groups
// (MS-OLEDS ObjectHeader: class name, native data), at most max of them.
struct RtfObject {
  std::string class_name;
  std::string data;            // the native data (an OLE2 file, a package, an equation ...)
};
bool LooksLikeRtf(std::string_view data);
std::vector<RtfObject> RtfObjects(std::string_view data, std::size_t max = 50, std::size_t max_bytes = 64u << 20);

}  // namespace keikai::inspect
