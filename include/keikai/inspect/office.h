#pragma once
// Office documents, legacy (OLE2: .doc, .xls, .ppt) and OOXML (.docm, .xlsm, ...): VBA projects
// with the mraptor classes, Excel 4.0 (XLM) macro sheets in BIFF8 and in OOXML with their
// visibility, Auto_Open names and the functions that run code (EXEC, CALL, REGISTER), and
// encryption (FILEPASS in BIFF8, EncryptedPackage for OOXML). Findings go on the object.
//
// Thread-safety: pure functions.
#include <map>
#include <string>
#include <string_view>

#include "keikai/inspect/carriers.h"
#include "keikai/inspect/cfb.h"
#include "keikai/inspect/object.h"
#include "keikai/inspect/vba.h"

namespace keikai::inspect {

// A compound file: VBA, BIFF8 Workbook, encrypted OOXML. Children: one per VBA module. Files
// embedded as OLE packages are added to embedded (when not null) for the caller to inspect.
// vba: what is read of its VBA (the defaults in production; tests give small ones).
void AnalyzeOle(const Cfb& cfb, Object& obj, std::vector<EmbeddedFile>* embedded = nullptr, const VbaLimits& vba = {});
// The parts of an OOXML package (path -> bytes, only those asked for by NeedOoxmlPart).
bool NeedOoxmlPart(std::string_view path);
void AnalyzeOoxml(const std::map<std::string, std::string>& parts, Object& obj, std::vector<EmbeddedFile>* embedded = nullptr);
// Word's flat XML (Word 2003 XML, Word 2007 XML packages saved as one .xml): DDE field codes.
void AnalyzeWordXml(std::string_view xml, Object& obj);
// SYLK (.slk), the text format Excel also reads as a macro sheet: Auto_Open and EXEC/CALL/REGISTER.
bool LooksLikeSylk(std::string_view data);
void AnalyzeSylk(std::string_view data, Object& obj);
// BIFF8 records of a Workbook stream (fuzzed on its own).
void AnalyzeBiff8(std::string_view workbook, Object& obj);

}  // namespace keikai::inspect
