#pragma once
// Clock: the current time behind an interface, so time-dependent code (surge detection,
// report headers, follow mode) is tested with a fake. Implementations are thread-safe.

#include <atomic>
#include <cstdint>
#include <ctime>

namespace keikai {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t NowSeconds() const = 0;  // Unix seconds, UTC
};

class SystemClock : public Clock {
 public:
  int64_t NowSeconds() const override { return static_cast<int64_t>(std::time(nullptr)); }
};

class FakeClock : public Clock {
 public:
  explicit FakeClock(int64_t now = 0) : now_(now) {}
  int64_t NowSeconds() const override { return now_.load(); }
  void Set(int64_t now) { now_.store(now); }
  void Advance(int64_t seconds) { now_.fetch_add(seconds); }

 private:
  std::atomic<int64_t> now_;
};

}  // namespace keikai
