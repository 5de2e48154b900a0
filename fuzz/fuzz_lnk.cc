// The carriers' readers (inspect/carriers.h) on arbitrary bytes: a shell link (MS-SHLLINK), an
// OLE package stream (Ole10Native), a OneNote section's embedded files and an RTF's OLE1 objects;
// everything read lies
// within the data.
#include <cstdint>
#include <string_view>

#include "keikai/inspect/carriers.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace keikai::inspect;
  const std::string_view d(reinterpret_cast<const char*>(data), size);
  (void)ReadLnk(d);
  EmbeddedFile f;
  if (ReadOle10Native(d, f) && f.data.size() > size) __builtin_trap();
  for (const EmbeddedFile& e : OneNoteFiles(d, 10, 1 << 20)) {
    if (e.data.size() > size) __builtin_trap();
  }
  for (const RtfObject& o : RtfObjects(d, 10, 1 << 20)) {
    if (o.data.size() > size) __builtin_trap();
  }
  return 0;
}
