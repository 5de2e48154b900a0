#pragma once
// keikai sweep DIR (issue 16): a Windows user profile copied to disk, swept for Emotet's traces
// (sweep/sweep.h), reported in text or JSON. Registered by cli.cc.
#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>

namespace keikai::cli {

struct SweepArgs {
  std::string dir;
  std::string format = "text";
  std::string yara;    // a directory of .yar/.yara rules
  std::string sha256;  // a file of hashes
  std::string hive;    // NTUSER.DAT elsewhere than in the profile
  int64_t max_file_mb = 64;
  std::size_t max_files = 200'000;
};

CLI::App* AddSweep(CLI::App& app, SweepArgs& a);
// Exit codes as keikai mail scan: 0 clean, 1 suspicious, 3 malicious, 2 bad usage, a profile
// that cannot be read, or a partial sweep that found nothing worse.
int RunSweep(const SweepArgs& a);

}  // namespace keikai::cli
