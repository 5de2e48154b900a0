#pragma once
// Worker threads that run jobs (preparing chunks of lines); the scanner's thread runs jobs too
// while it waits for the one it needs. Worker 0 is the scanner's thread; pool threads are 1..n-1.

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace keikai::pipeline {

class ChunkPool {
 public:
  struct Job {
    std::function<void(std::size_t worker)> fn;
    bool done = true;
  };

  explicit ChunkPool(std::size_t threads) {
    for (std::size_t i = 1; i < threads; ++i) threads_.emplace_back([this, i] { Loop(i); });
  }
  ~ChunkPool() {
    {
      std::lock_guard<std::mutex> lk(mu_);
      stop_ = true;
    }
    work_.notify_all();
    for (std::thread& t : threads_) t.join();
  }
  ChunkPool(const ChunkPool&) = delete;
  ChunkPool& operator=(const ChunkPool&) = delete;

  void Submit(Job& j) {
    {
      std::lock_guard<std::mutex> lk(mu_);
      j.done = false;
      queue_.push_back(&j);
    }
    work_.notify_one();
  }
  // Returns once j is done, running queued jobs (as worker 0) meanwhile.
  void Wait(Job& j) {
    std::unique_lock<std::mutex> lk(mu_);
    while (!j.done) {
      if (!queue_.empty()) {
        Job* x = queue_.front();
        queue_.pop_front();
        lk.unlock();
        x->fn(0);
        lk.lock();
        x->done = true;
        done_.notify_all();
      } else {
        done_.wait(lk);
      }
    }
  }

 private:
  void Loop(std::size_t worker) {
    std::unique_lock<std::mutex> lk(mu_);
    for (;;) {
      work_.wait(lk, [this] { return stop_ || !queue_.empty(); });
      if (stop_) return;
      Job* x = queue_.front();
      queue_.pop_front();
      lk.unlock();
      x->fn(worker);
      lk.lock();
      x->done = true;
      done_.notify_all();
    }
  }

  std::mutex mu_;
  std::condition_variable work_, done_;
  std::deque<Job*> queue_;
  std::vector<std::thread> threads_;
  bool stop_ = false;
};

}  // namespace keikai::pipeline
