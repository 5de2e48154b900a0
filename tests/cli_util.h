#pragma once
// Helpers for tests that run the keikai binary: as a command (Exec), or as a process of its own
// (Spawn: the daemon, and the real servers it talks to), on free loopback ports.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "test_util.h"

namespace keikai::testing {

struct Outcome {
  int code;
  std::string out;
};

// Runs the binary with a shell-free argument list is not possible with popen; arguments here
// are fixed test strings, quoted by Q().
inline Outcome Exec(const std::string& args, const std::string& env = "LANG=C LC_ALL=") {
  const std::string cmd = env + " " + KEIKAI_BIN + " " + args + " 2>&1";
  std::FILE* p = popen(cmd.c_str(), "r");
  Outcome r{-1, {}};
  if (p == nullptr) return r;
  char buf[65536];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  const int st = pclose(p);
  r.code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

inline std::string Q(const std::string& s) { return "'" + s + "'"; }

// A port on 127.0.0.1 with nothing on it (bound and released).
inline int FreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
    port = ntohs(a.sin_port);
  }
  ::close(fd);
  return port;
}

// The Prometheus text format as Prometheus reads it: every sample's family declared by HELP and
// TYPE before it, names and labels well formed, values numbers. "" when it is, else the line.
inline std::string BadExpositionLine(const std::string& text) {
  static const std::regex kSample(
      R"re(^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*"(,[a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*")*\})? -?[0-9][0-9.eE+-]*$)re");
  static const std::regex kType(R"re(^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$)re");
  static const std::regex kHelp(R"re(^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) .+$)re");
  std::set<std::string> typed, helped;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (std::regex_match(line, m, kHelp)) {
      helped.insert(m[1]);
    } else if (std::regex_match(line, m, kType)) {
      if (!typed.insert(m[1]).second) return line;  // declared twice
    } else if (std::regex_match(line, m, kSample)) {
      if (typed.count(m[1]) == 0 || helped.count(m[1]) == 0) return line;
    } else {
      return line;
    }
  }
  return "";
}

// Lines of a shop: 12 quiet days (20 attacks a day among 300 requests), then 2 days of 500
// attacks, from day0 (days since 1970, +09:00).
inline std::vector<std::string> ShopDays(int64_t day0) { return keikai::testing::SurgeHistory(day0, 12, 2, 300); }

inline std::string Join(const std::vector<std::string>& v, std::size_t from, std::size_t to) {
  std::string s;
  for (std::size_t i = from; i < to && i < v.size(); ++i) s += v[i];
  return s;
}

// A program as a child process (the daemon, Prometheus), its stdout and stderr appended to
// files (the same file for both if they are the same path).
inline pid_t Spawn(const std::string& bin, const std::vector<std::string>& args, const std::string& out,
            const std::string& err) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, out.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
  if (err == out) {
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
  } else {
    posix_spawn_file_actions_addopen(&fa, 2, err.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
  }
  std::vector<std::string> copy = args;
  std::string b = bin;
  std::vector<char*> argv{b.data()};
  for (std::string& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  char* env[] = {const_cast<char*>("LANG=C"), nullptr};
  if (posix_spawn(&pid, bin.c_str(), &fa, nullptr, argv.data(), env) != 0) pid = -1;
  posix_spawn_file_actions_destroy(&fa);
  return pid;
}

// Requests stored (keikai report), waiting (bounded: 60 s) until they reach `want`.
inline uint64_t WaitForRequests(const std::string& db, uint64_t want) {
  uint64_t got = 0;
  for (int i = 0; i < 240; ++i) {
    Outcome r = Exec("report --db " + Q(db) + " --format json");
    if (r.code == 0) {
      auto j = nlohmann::json::parse(r.out.substr(r.out.find('{')), nullptr, false);
      if (j.is_object()) got = j["summary"]["requests"].get<uint64_t>();
      if (got >= want) return got;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  return got;
}

}  // namespace keikai::testing
