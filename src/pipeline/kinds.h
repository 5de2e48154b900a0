#pragma once
// The input kinds the scanner drives, one row each. A kind is a class with this shape (no base
// class; the scanner is a template over it, so the web kind's per-line calls stay direct):
//
//   static constexpr event::Kind kKind;
//   Status Start();                                 before the first file (restore state)
//   static int Claims(std::string_view format);     how strongly a --log-format is its own
//   static Result<std::string> Detect(head, ctx);   the format of a file from its first lines
//   Status BeginFile(format, given, FileRow&);      its parser for one file
//   ingest::LineKind Parse(line, ParseError&);      one line into its own record
//   int64_t time() const;                           the record's time (UTC seconds)
//   void Accept(uint64_t line_no);                  the record as events (Context::agg)
//   void Commit(store::Batch&, bool final);         its own part of each batch
//   bool NeedsFinalCommit() const;                  whether the scan's end needs one more batch
//
// Adding a kind: its files (src/<stage>/ for the reader, src/pipeline/<kind>_kind.{h,cc}), a
// member and a row in ForEach and Claim below, its classes in event/classes.cc, its messages in
// src/messages.cc. docs/ARCHITECTURE.md walks through it.

#include <algorithm>

#include "pipeline/mail_kind.h"
#include "pipeline/web_kind.h"

namespace keikai::pipeline {

struct Kinds {
  Kinds(Context& ctx, const detect::DetectorSet& det) : web(ctx, det), mail(ctx) {}
  WebKind web;
  MailKind mail;
  // Every kind, in detection order: a file is read by the first kind that recognises it.
  template <class F>
  void ForEach(F&& f) {
    f(web);
    f(mail);
  }
  // The strongest claim of any kind on a --log-format value (1: the web kind's, for anything).
  static int Claim(std::string_view format) {
    return std::max(WebKind::Claims(format), MailKind::Claims(format));
  }
};

}  // namespace keikai::pipeline
