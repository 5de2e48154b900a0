// The message catalog: every stage's table (its src/<stage>/messages_*.inc), listed here at the
// top of the library so that core, which looks messages up, names no stage. A stage adds
// messages in its own .inc file; a new stage adds one row below.
#include <iterator>

#include "keikai/core/i18n.h"

namespace keikai {
namespace {

#define KEIKAI_MSG(k, e, j) Message{k, e, j},
constexpr Message kCore[] = {
#include "core/messages_core.inc"
};
constexpr Message kIngest[] = {
#include "ingest/messages_ingest.inc"
};
constexpr Message kCrsTest[] = {
#include "crstest/messages_crstest.inc"
};
constexpr Message kStore[] = {
#include "store/messages_store.inc"
};
constexpr Message kMail[] = {
#include "mail/messages_mail.inc"
};
constexpr Message kInspect[] = {
#include "inspect/messages_inspect.inc"
};
constexpr Message kGate[] = {
#include "gate/messages_gate.inc"
};
constexpr Message kSweep[] = {
#include "sweep/messages_sweep.inc"
};
constexpr Message kPipeline[] = {
#include "pipeline/messages_pipeline.inc"
};
constexpr Message kReport[] = {
#include "report/messages_report.inc"
#include "report/messages_html.inc"
};
constexpr Message kConfig[] = {
#include "config/messages_config.inc"
};
constexpr Message kNotify[] = {
#include "notify/messages_notify.inc"
};
constexpr Message kCli[] = {
#include "cli/messages_cli.inc"
};
#undef KEIKAI_MSG

constexpr MessageTable kTables[] = {
    {"core", kCore},         {"ingest", kIngest}, {"crstest", kCrsTest},
    {"store", kStore},       {"mail", kMail},         {"inspect", kInspect},   {"gate", kGate},         {"sweep", kSweep},       {"pipeline", kPipeline}, {"report", kReport}, {"config", kConfig},
    {"notify", kNotify},     {"cli", kCli},
};

}  // namespace

std::span<const MessageTable> MessageTables() { return kTables; }

}  // namespace keikai
