#pragma once
// What wakes the daemon between rounds: a signal (SIGTERM, SIGINT, SIGHUP, through a signalfd;
// they must be blocked in every thread beforehand) or a change to a followed log (inotify on the
// logs' directories, so that a rotation, a new file and an append are all seen). Where inotify
// cannot watch (its limits, a directory that does not exist yet, a file system without events),
// the daemon's periodic round still finds the change: events only make it sooner.
//
// Thread-safety: one thread (the daemon's loop).
#include <chrono>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace keikai::cli {

class Watch {
 public:
  Watch();
  ~Watch();
  Watch(const Watch&) = delete;
  Watch& operator=(const Watch&) = delete;

  // The files to follow (each with its rotated copies, by name prefix); directories that could
  // not be watched are tried again at the next call.
  void Follow(const std::vector<std::string>& paths);
  // Waits until `until`: returns the signal that came (0 if none). *changed tells whether a
  // followed file changed; with stop_on_change the wait ends there, otherwise it goes on (for
  // signals only) until `until`.
  int Wait(std::chrono::steady_clock::time_point until, bool stop_on_change, bool* changed);
  bool watching() const { return !dirs_.empty(); }

 private:
  int signal_fd_ = -1;
  int inotify_fd_ = -1;
  std::map<int, std::string> dirs_;                   // watch descriptor -> directory
  std::map<std::string, std::set<std::string>> names_;  // directory -> base names of logs in it
};

}  // namespace keikai::cli
