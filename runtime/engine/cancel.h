#pragma once
// A stop flag that sleeping and waiting code can watch: set once by the signal handler thread
// (SIGINT/SIGTERM) and observed by subprocess loops and simulated latencies.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>

namespace flow::rt {

class Cancel {
 public:
  void request() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      flag_ = true;
    }
    cv_.notify_all();
  }
  bool requested() const { return flag_.load(); }
  // Sleeps up to `ms`; returns false when cancelled before the time was up.
  bool sleep_for(int64_t ms) {
    std::unique_lock<std::mutex> lock(mu_);
    return !cv_.wait_for(lock, std::chrono::milliseconds(ms), [&] { return flag_.load(); });
  }

 private:
  std::atomic<bool> flag_{false};
  std::mutex mu_;
  std::condition_variable cv_;
};

}  // namespace flow::rt
