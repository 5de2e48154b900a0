#pragma once
// Alert channels (issue 13): where keikai run sends its alerts. One registry of channel types
// (Channels(): stdout, webhook, slack, teams, syslog); each configured channel (config::Alert) becomes a
// Channel. An Outbox keeps what could not be delivered, in the store (kept state), and tries
// again every round, so that no alert is lost while a channel is down: bounded, the oldest
// dropped and counted when the bound is reached.
//
// Thread-safety: one thread.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "keikai/config/config.h"
#include "keikai/core/status.h"
#include "keikai/store/store.h"

namespace keikai::notify {

// One alert: its identity, the sentences a person reads (in the channel's language), and the
// whole record for machine channels.
struct Message {
  std::string key;       // what makes it the same alert ("shop.example.jp|*|2026-11-13")
  std::string text;      // the alert sentence
  std::string details;   // the figures behind it
  nlohmann::json record; // the JSON object (stdout, webhook)
};

class Channel {
 public:
  virtual ~Channel() = default;
  virtual Status Send(const Message& m) = 0;
};

struct ChannelType {
  const char* name;
  std::unique_ptr<Channel> (*make)(const config::Alert& a);
  // People read it (Slack, Teams, syslog): the surges of one evaluation go as one message.
  // Machine channels (stdout, webhook) get one record per surge.
  bool grouped = false;
};
// The channel types this build can send to.
std::span<const ChannelType> Channels();
const ChannelType* FindChannel(std::string_view type);

// The body each HTTP channel posts (for tests and the docs): the record for webhook, a Slack
// message, a Teams message card.
std::string Body(std::string_view type, const Message& m);

// A configured channel as the outbox sends to it.
struct Route {
  std::string name;                  // the configured name
  std::unique_ptr<Channel> channel;
  // At most one delivery per this many seconds (config min_interval); what comes in between
  // waits in the outbox and goes out at the next opening (a grouped channel's waiting
  // messages as one message).
  int64_t min_interval_s = 0;
  bool grouped = false;              // ChannelType::grouped
};

// Several waiting messages of one channel people read, as one: the sentences in order, the
// figures in order, the records in a "batch" record.
Message Join(const std::vector<const Message*>& ms);

class Outbox {
 public:
  static constexpr std::size_t kMaxQueued = 1000;
  Outbox(store::Store& st, std::vector<Route> routes);
  // The channels again (a reloaded configuration); queued messages of a channel no longer
  // configured are dropped (and counted).
  void SetChannels(std::vector<Route> routes);
  // Queues m for one channel (by name); Deliver() sends it.
  Status Post(const std::string& channel, Message m);
  // Delivers what is queued, oldest first, to each channel whose min_interval has passed since
  // its last delivery (now: Unix seconds); a channel that fails is tried again next call, and
  // its later messages wait behind it. Fails only when the store does.
  Status Deliver(int64_t now);
  uint64_t queued() const { return queue_.size(); }
  uint64_t dropped() const { return dropped_; }
  uint64_t sent() const { return sent_; }
  uint64_t failed() const { return failed_; }
  uint64_t held() const { return held_; }  // messages that waited for a min_interval, so far

 private:
  Status Load();
  Status Save();
  store::Store& store_;
  std::vector<Route> routes_;
  struct Entry {
    std::string channel;
    Message message;
    int attempts = 0;
  };
  std::vector<Entry> queue_;
  std::map<std::string, int64_t> last_sent_;  // by channel name; kept with the queue
  uint64_t dropped_ = 0, sent_ = 0, failed_ = 0, held_ = 0;
  bool loaded_ = false;
};

}  // namespace keikai::notify
