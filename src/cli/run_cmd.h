#pragma once
// keikai run --config FILE: the daemon (issue 13), kept apart from cli.cc.
#include <string>

namespace keikai::cli {

struct RunArgs {
  std::string config;
  bool once = false;        // one round (read, commit, evaluate, alert), then exit
  bool lang_given = false;  // --lang on the command line (it wins over the configuration's)
};

// Returns the exit code: 0 after SIGTERM/SIGINT (or one round with --once), 1 when the store or
// the inputs' machinery fails, 2 for a configuration with problems.
int RunDaemon(const RunArgs& a);

}  // namespace keikai::cli
