#pragma once
// keikai mail scan (issue 15): messages and their attachments judged clean, suspicious or
// malicious, with every reason. Wired into `keikai mail` by mail_cmd.cc.
#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace keikai::cli {

struct MailScanArgs {
  std::vector<std::string> paths;
  std::string format = "text";
  std::vector<std::string> passwords;
  int max_depth = 8;
  std::string yara;  // a directory of .yar/.yara rules
};

CLI::App* AddMailScan(CLI::App& mail, MailScanArgs& a);
// Exit codes: 0 all clean, 1 the worst is suspicious, 3 a message is malicious, 2 an input could
// not be read (and nothing worse was found) or bad usage.
int RunMailScan(const MailScanArgs& a);

}  // namespace keikai::cli
