#pragma once
// One HTTP POST through libcurl: timeouts, cancellation, the status, body and the retry-after
// header of the answer. No retries here (model_client.cc decides) and no secrets kept.
#include <mutex>
#include <string>
#include <vector>

#include "runtime/engine/cancel.h"

namespace flow::rt {

struct HttpPost {
  std::string url;
  std::vector<std::string> headers;  // "Name: value"
  std::string body;
  int connect_timeout_ms = 10000;
  int timeout_ms = 600000;  // the whole attempt, connect included
};

struct HttpAnswer {
  int status = 0;            // 0: no HTTP answer (connection error, timeout, cancelled)
  std::string body;
  std::string retry_after;   // the retry-after header ("" when absent)
  std::string retry_after_ms;  // OpenAI's retry-after-ms header ("" when absent)
  bool cancelled = false;
  bool timed_out = false;    // connected, but no complete answer within timeout_ms
  std::string error;         // when status == 0: what went wrong, printable
};

// The connections one client keeps open between its requests (HTTP keep-alive): idle libcurl
// multi handles, each holding the connection its last transfer left open. A request borrows
// one, so no handle is used by two threads at once, and gives it back only after a complete
// answer; a cancelled, timed-out or failed transfer's handle and connection are closed. A
// connection the server closed meanwhile is noticed by libcurl, which then opens a new one.
class HttpConnectionPool {
 public:
  HttpConnectionPool();  // sets libcurl up, once per process
  HttpConnectionPool(const HttpConnectionPool&) = delete;
  HttpConnectionPool& operator=(const HttpConnectionPool&) = delete;
  ~HttpConnectionPool();
  void* take();  // an idle multi handle (CURLM*), or nullptr when there is none
  void give(void* multi);

 private:
  std::mutex mu_;
  std::vector<void*> idle_;
};

// Returns once the answer is complete, the attempt times out, or `cancel` is requested (checked
// at least every 20 ms, so a cancelled attempt ends promptly even while the server is silent).
// With a pool, the request reuses an open connection when there is one and leaves its own open.
HttpAnswer http_post(const HttpPost& post, Cancel* cancel, HttpConnectionPool* pool = nullptr);

}  // namespace flow::rt
