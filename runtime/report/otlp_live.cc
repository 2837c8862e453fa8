#include "runtime/report/otlp_live.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "runtime/engine/cancel.h"
#include "runtime/backends/model_http.h"
#include "runtime/report/otlp_json.h"
#include "runtime/report/run_view.h"

namespace flow::rt {
namespace {

using json = nlohmann::json;
using ojson = nlohmann::ordered_json;

// Posts documents in order on its own thread. At most kMaxQueued wait; beyond that the oldest
// are dropped (a collector far behind should not grow flow's memory without bound).
class Sender {
 public:
  explicit Sender(std::string url) : url_(std::move(url)), thread_([this] { loop(); }) {}
  ~Sender() { stop(); }

  void send(std::string body) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (queue_.size() >= kMaxQueued) queue_.pop_front();
      queue_.push_back(std::move(body));
    }
    cv_.notify_all();
  }

  // Sends what is queued within kOtlpTimeoutMs, then gives up on the rest.
  void stop() {
    if (!thread_.joinable()) return;
    {
      std::unique_lock<std::mutex> lock(mu_);
      stopping_ = true;
      cv_.notify_all();
      cv_.wait_for(lock, std::chrono::milliseconds(kOtlpTimeoutMs), [&] { return queue_.empty() && !busy_; });
      queue_.clear();
    }
    cancel_.request();
    thread_.join();
  }

  // The first failure, once ("" when none, or already taken).
  std::string take_error() {
    std::lock_guard<std::mutex> lock(mu_);
    if (error_.empty() || warned_) return "";
    warned_ = true;
    return error_;
  }

 private:
  static constexpr size_t kMaxQueued = 10000;

  void loop() {
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;
      std::string body = std::move(queue_.front());
      queue_.pop_front();
      busy_ = true;
      lock.unlock();
      std::string failure = post(body);
      lock.lock();
      busy_ = false;
      if (!failure.empty() && error_.empty()) error_ = failure;
      cv_.notify_all();
      if (cancel_.requested()) return;
    }
  }

  std::string post(const std::string& body) {
    HttpPost p;
    p.url = url_;
    p.headers = {"Content-Type: application/json"};
    p.body = body;
    p.connect_timeout_ms = kOtlpTimeoutMs;
    p.timeout_ms = kOtlpTimeoutMs;
    HttpAnswer a = http_post(p, &cancel_);
    if (a.cancelled) return "";
    if (a.status == 0) return a.timed_out ? "no answer within 2 s" : a.error;
    if (a.status < 200 || a.status >= 300) return "HTTP status " + std::to_string(a.status);
    return "";
  }

  std::string url_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> queue_;
  bool stopping_ = false, busy_ = false, warned_ = false;
  std::string error_;
  Cancel cancel_;
  std::thread thread_;  // last: starts once the members it uses exist
};

std::string traces_url(std::string endpoint) {
  while (!endpoint.empty() && endpoint.back() == '/') endpoint.pop_back();
  return endpoint + "/v1/traces";
}

class OtlpStatus : public ForwardingStatus {
 public:
  OtlpStatus(std::unique_ptr<Status> inner, const std::string& endpoint, const std::string& run_id,
             const std::string& flow)
      : ForwardingStatus(std::move(inner)), url_(traces_url(endpoint)), sender_(url_) {
    view_.id = run_id;
    view_.flow = flow;
  }
  ~OtlpStatus() override { sender_.stop(); }

  void finish() override {
    sender_.stop();
    warn();
    inner().finish();
  }

  void event(const Event& e) override {
    inner().event(e);
    int64_t call = add_run_event(&view_, e);
    if (call >= 0) {
      const CallRecord& c = view_.calls[static_cast<size_t>(call)];
      // A review call is sent with its verdict (one that failed gets none); every other call
      // when it ends.
      bool send = std::holds_alternative<ev::Verdict>(e.body) ? c.kind == "review"
                                                               : c.kind != "review" || !c.ok;
      if (send) sender_.send(otlp_document(view_, json_array(call_span(view_, static_cast<size_t>(call)))).dump(
          -1, ' ', false, json::error_handler_t::replace));
    }
    if (const auto* end = std::get_if<ev::RunEnd>(&e.body)) {
      view_.status = end->status;
      sender_.send(run_to_otlp(view_, false).dump(-1, ' ', false, json::error_handler_t::replace));
    }
    warn();
  }

 private:
  static ojson json_array(ojson span) { return ojson::array({std::move(span)}); }

  void warn() {
    std::string err = sender_.take_error();
    if (!err.empty())
      inner().message("flow: warning: cannot send spans to " + url_ + ": " + err +
                      " (the run goes on; spans that cannot be sent are dropped)");
  }

  std::string url_;
  Sender sender_;
  RunView view_;
};

}  // namespace

std::unique_ptr<Status> make_otlp_status(std::unique_ptr<Status> inner, const std::string& endpoint,
                                         const std::string& run_id, const std::string& flow) {
  return std::make_unique<OtlpStatus>(std::move(inner), endpoint, run_id, flow);
}

}  // namespace flow::rt
