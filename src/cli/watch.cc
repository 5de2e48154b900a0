#include "watch.h"

#include <poll.h>
#include <signal.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>

namespace keikai::cli {

Watch::Watch() {
  sigset_t s;
  sigemptyset(&s);
  for (int sig : {SIGTERM, SIGINT, SIGHUP}) sigaddset(&s, sig);
  signal_fd_ = ::signalfd(-1, &s, SFD_NONBLOCK | SFD_CLOEXEC);
  inotify_fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
}

Watch::~Watch() {
  if (signal_fd_ >= 0) ::close(signal_fd_);
  if (inotify_fd_ >= 0) ::close(inotify_fd_);
}

void Watch::Follow(const std::vector<std::string>& paths) {
  std::map<std::string, std::set<std::string>> want;
  for (const std::string& p : paths) {
    const std::filesystem::path fp(p);
    want[fp.parent_path().string()].insert(fp.filename().string());
  }
  if (inotify_fd_ < 0) return;
  // Directories no longer followed are let go; new ones (and those that failed before) added.
  for (auto it = dirs_.begin(); it != dirs_.end();) {
    if (want.count(it->second) == 0) {
      ::inotify_rm_watch(inotify_fd_, it->first);
      it = dirs_.erase(it);
    } else {
      ++it;
    }
  }
  for (const auto& [dir, names] : want) {
    bool have = false;
    for (const auto& [wd, d] : dirs_) have = have || d == dir;
    if (have) continue;
    const int wd = ::inotify_add_watch(inotify_fd_, dir.c_str(),
                                       IN_MODIFY | IN_CLOSE_WRITE | IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM |
                                           IN_DELETE | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR);
    if (wd >= 0) dirs_[wd] = dir;
  }
  names_ = std::move(want);
}

int Watch::Wait(std::chrono::steady_clock::time_point until, bool stop_on_change, bool* changed) {
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
    if (signal_fd_ < 0) {
      // No signalfd (not expected): the blocked signals are looked for every 200 ms instead.
      sigset_t s;
      sigemptyset(&s);
      for (int sig : {SIGTERM, SIGINT, SIGHUP}) sigaddset(&s, sig);
      timespec zero{0, 0};
      const int sig = ::sigtimedwait(&s, nullptr, &zero);
      if (sig > 0) return sig;
      left = std::min(left, std::chrono::milliseconds(200));
      if (left.count() <= 0 && std::chrono::steady_clock::now() >= until) return 0;
    }
    pollfd fds[2] = {{signal_fd_, POLLIN, 0}, {inotify_fd_, POLLIN, 0}};
    const int n = ::poll(fds, 2, left.count() > 0 ? static_cast<int>(left.count()) : 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (signal_fd_ < 0 && std::chrono::steady_clock::now() < until) continue;
      return 0;  // the time is up
    }
    if (fds[0].revents & POLLIN) {
      signalfd_siginfo si{};
      if (::read(signal_fd_, &si, sizeof si) == static_cast<ssize_t>(sizeof si)) return static_cast<int>(si.ssi_signo);
    }
    if (inotify_fd_ >= 0 && (fds[1].revents & POLLIN)) {
      alignas(inotify_event) char buf[16384];
      for (;;) {
        const ssize_t r = ::read(inotify_fd_, buf, sizeof buf);
        if (r <= 0) break;
        for (ssize_t off = 0; off < r;) {
          const auto* ev = reinterpret_cast<const inotify_event*>(buf + off);
          off += static_cast<ssize_t>(sizeof(inotify_event) + ev->len);
          if (ev->mask & (IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF)) {
            // The directory itself went away: watched again when it is back (Follow).
            if (ev->mask & IN_IGNORED) dirs_.erase(ev->wd);
            *changed = true;
            continue;
          }
          if (ev->mask & IN_Q_OVERFLOW) {
            *changed = true;  // events were lost: read everything
            continue;
          }
          const auto d = dirs_.find(ev->wd);
          if (d == dirs_.end() || ev->len == 0) continue;
          const std::string name(ev->name);
          const auto ns = names_.find(d->second);
          if (ns == names_.end()) continue;
          for (const std::string& base : ns->second) {
            if (name.compare(0, base.size(), base) == 0) *changed = true;  // the log or a copy of it
          }
        }
      }
      if (*changed && stop_on_change) return 0;
    }
  }
}

}  // namespace keikai::cli
