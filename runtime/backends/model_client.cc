// The model client: builds the provider's request, sends it with retries and backoff, and
// records or replays exchanges (docs/config.md, "Model API requests").
#include <chrono>
#include <mutex>
#include <random>
#include <thread>

#include "runtime/backends/model_api.h"
#include "runtime/backends/model_http.h"
#include "runtime/backends/model_record.h"
#include "runtime/backends/model_retry.h"
#include "runtime/backends/model_wire.h"
#include "runtime/store/run_store.h"

namespace flow::rt {

namespace {

ModelReply failed(std::string error) {
  ModelReply reply;
  reply.error = std::move(error);
  return reply;
}

// What an HTTP answer means: a parsed reply for 200, else the status and the provider's words.
ModelReply interpret(const std::string& kind, int status, const std::string& body) {
  if (status != 200)
    return failed(kind + " API answered HTTP " + std::to_string(status) + ": " +
                  provider_error_message(body));
  ModelReply reply;
  std::string error;
  bool ok = kind == "anthropic" ? parse_anthropic_reply(body, &reply, &error)
                                : parse_openai_reply(body, &reply, &error);
  if (!ok)
    return failed(kind + " API answered HTTP 200 but " + error + ": " +
                  provider_error_message(body, 200));
  reply.ok = true;
  return reply;
}

bool wait_ms(int64_t ms, Cancel* cancel) {
  if (cancel) return cancel->sleep_for(ms);
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
  return true;
}

class HttpModelClient final : public ModelClient {
 public:
  explicit HttpModelClient(ModelEndpoint endpoint)
      : ep_(std::move(endpoint)), rng_(std::random_device{}()) {}

  ModelReply send(const ModelRequest& request, Cancel* cancel) override {
    std::string body = ep_.kind == "anthropic" ? anthropic_request_body(request)
                                               : openai_request_body(request);
    // The recording's name (the body's hash and how often it came before) only matters when
    // recording or replaying; otherwise hashing every request twice is CPU for nothing.
    const bool recorded = !ep_.record_dir.empty() || !ep_.replay_dir.empty();
    std::string name =
        recorded ? recording_name(ep_.kind, body, occurrences_.next(ep_.kind, body)) : "";
    if (!ep_.replay_dir.empty()) return replay(name, body);
    RecordedAnswer last;
    ModelReply reply = exchange(body, cancel, &last);
    std::string error;
    if (!ep_.record_dir.empty() && last.status != 0 &&
        !save_recording(ep_.record_dir, name, ep_.kind, body, last, ep_.api_key, &error)) {
      reply.ok = false;
      reply.error = "cannot record the exchange: " + error;
    }
    return reply;
  }

 private:
  ModelReply replay(const std::string& name, const std::string& body) {
    RecordedAnswer answer;
    std::string error;
    if (!load_recording(ep_.replay_dir, name, ep_.kind, body, &answer, &error)) {
      // A missing file is the common case; a damaged or mismatched one says which.
      std::string detail = error.rfind("no recording", 0) == 0 ? "" : " (" + error + ")";
      return failed("no recording matches this request" + detail + "; recorded " +
                    std::to_string(count_recordings(ep_.replay_dir)) + " requests in " +
                    ep_.replay_dir + "; record again with --record");
    }
    return interpret(ep_.kind, answer.status, answer.body);
  }

  HttpPost make_post(const std::string& body) const {
    std::string base = ep_.base_url;
    while (!base.empty() && base.back() == '/') base.pop_back();
    HttpPost post;
    post.body = body;
    post.connect_timeout_ms = ep_.connect_timeout_ms;
    post.timeout_ms = ep_.timeout_ms;
    post.headers.push_back("content-type: application/json");
    if (ep_.kind == "anthropic") {
      post.url = base + "/v1/messages";
      post.headers.push_back("anthropic-version: 2023-06-01");
      if (!ep_.api_key.empty()) post.headers.push_back("x-api-key: " + ep_.api_key);
    } else {
      post.url = base + "/chat/completions";
      // Local servers need no key; sending an empty Bearer would confuse some.
      if (!ep_.api_key.empty()) post.headers.push_back("Authorization: Bearer " + ep_.api_key);
    }
    return post;
  }

  ModelReply exchange(const std::string& body, Cancel* cancel, RecordedAnswer* last);

  int64_t delay_after(const HttpAnswer& a, int attempt) {
    if (a.status != 0) {
      int64_t asked = retry_after_delay_ms(a.retry_after, a.retry_after_ms, unix_ms_now());
      if (asked >= 0) return asked;
    }
    std::lock_guard<std::mutex> lock(rng_mu_);
    return backoff_delay_ms(ep_.retry_delay_ms, attempt,
                            std::uniform_real_distribution<double>(0.0, 1.0)(rng_));
  }

  ModelEndpoint ep_;
  HttpConnectionPool connections_;  // kept open between calls, shared by the worker threads
  OccurrenceCounter occurrences_;
  std::mutex rng_mu_;
  std::mt19937_64 rng_;
};

// Attempts until an answer is final (success, a non-retryable status, or retries used up).
// `last` receives the final HTTP answer (status 0 when there was none), for recording.
ModelReply HttpModelClient::exchange(const std::string& body, Cancel* cancel,
                                     RecordedAnswer* last) {
  HttpPost post = make_post(body);
  std::vector<ModelRetry> retries;
  for (int attempt = 1;; ++attempt) {
    if (cancel && cancel->requested()) return failed("interrupted");
    HttpAnswer a = http_post(post, cancel, &connections_);
    if (a.cancelled) return failed("interrupted");
    std::string reason;
    if (a.status == 0) {
      reason = a.timed_out ? "no answer within " + std::to_string(ep_.timeout_ms) + " ms"
                           : "cannot reach the " + ep_.kind + " API: " + a.error;
    } else if (retryable_status(a.status)) {
      reason = "HTTP " + std::to_string(a.status) + ": " + provider_error_message(a.body);
    } else {
      *last = {a.status, a.body};
      ModelReply reply = interpret(ep_.kind, a.status, a.body);
      // A 404 without the API's error JSON: most likely a wrong base_url (a missing or extra
      // /v1), not an unknown model, which the API reports in its own words.
      if (a.status == 404 && !has_provider_error(a.body))
        reply.error += " (is the base URL right? the request went to " + post.url + ")";
      reply.retries = std::move(retries);
      return reply;
    }
    if (attempt > ep_.retries) {
      *last = {a.status, a.body};
      ModelReply reply = failed(ep_.kind + " API: " + reason + " (gave up after " +
                                std::to_string(attempt) + " attempts)");
      reply.retries = std::move(retries);
      return reply;
    }
    int64_t delay = delay_after(a, attempt);
    retries.push_back({attempt, a.status, static_cast<int>(delay), reason});
    if (!wait_ms(delay, cancel)) return failed("interrupted");
  }
}

bool valid_endpoint(const ModelEndpoint& ep, std::string* error) {
  if (ep.kind != "anthropic" && ep.kind != "openai") {
    *error = "unknown model API '" + ep.kind + "' (expected anthropic or openai)";
  } else if (!ep.record_dir.empty() && !ep.replay_dir.empty()) {
    *error = "recording and replaying at once is not possible; choose one";
  } else if (ep.replay_dir.empty() && ep.base_url.rfind("http://", 0) != 0 &&
             ep.base_url.rfind("https://", 0) != 0) {
    *error = "the " + ep.kind + " base URL '" + ep.base_url +
             "' does not start with http:// or https://";
  } else if (ep.timeout_ms <= 0 || ep.connect_timeout_ms <= 0 || ep.retries < 0 ||
             ep.retry_delay_ms < 0) {
    *error = "model API timeouts must be positive and retries and delays not negative";
  } else if (!ep.replay_dir.empty() && count_recordings(ep.replay_dir) < 0) {
    *error = "cannot read the replay directory " + ep.replay_dir + "; record first with --record";
  } else {
    return true;
  }
  return false;
}

}  // namespace

std::unique_ptr<ModelClient> make_model_client(const ModelEndpoint& endpoint, std::string* error) {
  std::string why;
  if (!valid_endpoint(endpoint, &why)) {
    if (error) *error = why;
    return nullptr;
  }
  return std::make_unique<HttpModelClient>(endpoint);
}

}  // namespace flow::rt
