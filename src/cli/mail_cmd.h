#pragma once
// The mail-monitor subcommands of the CLI (issue 14): keikai mail probe, keikai mail logs. Kept apart from cli.cc.
#include <CLI/CLI.hpp>

#include <memory>

namespace keikai::cli {

struct MailCommandArgs;  // what the options are bound to (mail_cmd.cc)

struct MailCommands {
  CLI::App* probe = nullptr;
  CLI::App* logs = nullptr;
  CLI::App* scan = nullptr;
  std::shared_ptr<MailCommandArgs> args;
};

MailCommands AddMailCommands(CLI::App& app);
// Runs whichever was parsed; returns the exit code, or -1 if none was.
int RunMailCommands(const MailCommands& cmds);

}  // namespace keikai::cli
