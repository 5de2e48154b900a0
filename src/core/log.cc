#include "keikai/core/log.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <string>

#include <nlohmann/json.hpp>

#include "keikai/core/utf8.h"

namespace keikai::log {
namespace {
std::atomic<bool> g_json{false};
}  // namespace

void SetJson(bool on) { g_json = on; }
bool Json() { return g_json; }

void Write(Level level, std::string_view text, std::string_view code) {
  static const char* kLevels[] = {"notice", "warning", "error"};
  std::string line;
  if (g_json) {
    const auto now = std::chrono::system_clock::now();
    const std::time_t t = std::chrono::system_clock::to_time_t(now);
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
    std::tm tm{};
    gmtime_r(&t, &tm);
    char stamp[96];
    std::snprintf(stamp, sizeof stamp, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
    nlohmann::ordered_json j = {{"time", stamp},
                        {"level", kLevels[static_cast<int>(level)]},
                        {"program", "keikai"},
                        {"pid", static_cast<long>(::getpid())},
                        {"msg", std::string(text)}};
    if (!code.empty()) j["code"] = std::string(code);
    line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  } else {
    line = "keikai: " + TerminalSafe(std::string(text)) + "\n";
  }
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

}  // namespace keikai::log
