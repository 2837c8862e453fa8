#include "runtime/engine/runner.h"

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

namespace flow::rt {
namespace {

class ThreadRunner : public Runner {
 public:
  ThreadRunner(ExecContext ctx, int threads) : ctx_(std::move(ctx)), max_threads_(threads) {}
  ~ThreadRunner() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      quit_ = true;
    }
    work_cv_.notify_all();
    for (std::thread& t : threads_) t.join();
  }

  void start(Call call) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++running_;
      // A thread per call running, up to the limit: a run of one step at a time starts one.
      if (threads_.size() < static_cast<size_t>(max_threads_) &&
          threads_.size() < static_cast<size_t>(running_))
        threads_.emplace_back([this] { work(); });
      queued_.push_back(std::move(call));
    }
    work_cv_.notify_one();
  }

  bool wait(std::vector<Finished>& out, int timeout_ms,
            const std::function<bool()>& woken) override {
    std::unique_lock<std::mutex> lock(mu_);
    auto ready = [&] { return !done_.empty() || woken(); };
    if (timeout_ms < 0) done_cv_.wait(lock, ready);
    else if (!done_cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms), ready)) return false;
    bool any = !done_.empty();
    for (Finished& f : done_) out.push_back(std::move(f));
    done_.clear();
    return any;
  }

  void wake() override {
    std::lock_guard<std::mutex> lock(mu_);
    done_cv_.notify_all();
  }

 private:
  void work() {
    for (;;) {
      Call call;
      {
        std::unique_lock<std::mutex> lock(mu_);
        work_cv_.wait(lock, [&] { return quit_ || !queued_.empty(); });
        if (quit_ && queued_.empty()) return;
        call = std::move(queued_.front());
        queued_.pop_front();
      }
      CallResult result = execute(call, ctx_);
      {
        std::lock_guard<std::mutex> lock(mu_);
        --running_;
        done_.push_back({std::move(call), std::move(result)});
      }
      done_cv_.notify_one();
    }
  }

  ExecContext ctx_;
  const int max_threads_;
  std::mutex mu_;
  std::condition_variable work_cv_, done_cv_;
  std::deque<Call> queued_;
  std::vector<Finished> done_;
  std::vector<std::thread> threads_;
  int running_ = 0;
  bool quit_ = false;
};

class InlineRunner : public Runner {
 public:
  explicit InlineRunner(ExecContext ctx) : ctx_(std::move(ctx)) {}
  void start(Call call) override {
    CallResult result = execute(call, ctx_);
    done_.push_back({std::move(call), std::move(result)});
  }
  bool wait(std::vector<Finished>& out, int, const std::function<bool()>&) override {
    bool any = !done_.empty();
    for (Finished& f : done_) out.push_back(std::move(f));
    done_.clear();
    return any;
  }
  void wake() override {}

 private:
  ExecContext ctx_;
  std::vector<Finished> done_;
};

}  // namespace

std::unique_ptr<Runner> make_thread_runner(ExecContext ctx, int threads) {
  return std::make_unique<ThreadRunner>(std::move(ctx), threads);
}

std::unique_ptr<Runner> make_inline_runner(ExecContext ctx) {
  return std::make_unique<InlineRunner>(std::move(ctx));
}

}  // namespace flow::rt
