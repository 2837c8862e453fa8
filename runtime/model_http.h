#pragma once
// One HTTP POST through libcurl: timeouts, cancellation, the status, body and the retry-after
// header of the answer. No retries here (model_client.cc decides) and no secrets kept.
#include <string>
#include <vector>

#include "runtime/cancel.h"

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

// Returns once the answer is complete, the attempt times out, or `cancel` is requested (checked
// at least every 20 ms, so a cancelled attempt ends promptly even while the server is silent).
HttpAnswer http_post(const HttpPost& post, Cancel* cancel);

}  // namespace flow::rt
