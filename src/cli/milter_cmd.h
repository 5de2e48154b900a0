#pragma once
// keikai milter (issue 16): the mail gate (gate/gate.h) behind libmilter, for Postfix (and
// Sendmail). Wired into the command line by cli.cc.
#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace keikai::cli {

struct MilterArgs {
  std::string socket = "inet:8891@127.0.0.1";
  std::string on_clean = "tag", on_suspicious = "tag", on_malicious = "reject", on_error = "tempfail",
              on_oversize = "tag";
  uint64_t max_size_mb = 32;
  uint64_t max_memory_mb = 1024;  // all sessions' messages together
  int scan_timeout = 30;  // seconds
  std::string quarantine_dir;
  std::vector<std::string> own_networks;
  bool no_ppap = false;
  std::string ppap_archive = "tag", ppap_password = "tag";
  int ppap_window = 60;  // minutes
  std::vector<std::string> ppap_allow;
  std::string log = "-";
  std::vector<std::string> passwords;
  std::string yara;
  int max_depth = 8;
  bool postfix_config = false;
};

CLI::App* AddMilter(CLI::App& app, MilterArgs& a);
// Runs until SIGTERM or SIGINT; 0 after a clean stop, 2 for bad options, 1 when it cannot listen.
int RunMilter(const MilterArgs& a);

}  // namespace keikai::cli
