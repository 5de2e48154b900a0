#pragma once
// The rule-engine subcommands of the CLI (crs-test, waf-eval), kept apart from cli.cc.
#include <CLI/CLI.hpp>

#include <memory>

namespace keikai::cli {

struct RulesCommandArgs;  // what the options are bound to (rules_cmd.cc)

struct RulesCommands {
  CLI::App* crs_test = nullptr;
  CLI::App* waf_eval = nullptr;
  std::shared_ptr<RulesCommandArgs> args;
};

// Registers the subcommands; the returned handles tell which one was parsed.
RulesCommands AddRulesCommands(CLI::App& app);
// Runs whichever of them was parsed; returns the exit code, or -1 if none was.
int RunRulesCommands(const RulesCommands& cmds);

}  // namespace keikai::cli
