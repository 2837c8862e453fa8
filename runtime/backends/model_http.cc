// One HTTP POST through libcurl. The transfer runs on a multi handle polled every 20 ms so a
// cancel request ends it promptly even while the server sends nothing: the easy interface
// would only notice at libcurl's own pace (about once a second).
#include "runtime/backends/model_http.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <mutex>

#include "runtime/terminal/printable.h"

namespace flow::rt {

namespace {

constexpr int kPollMs = 20;

void global_init_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

size_t on_body(char* data, size_t size, size_t n, void* user) {
  static_cast<HttpAnswer*>(user)->body.append(data, size * n);
  return size * n;
}

// Keeps the retry-after headers of the last response (a 100-continue may precede it).
size_t on_header(char* data, size_t size, size_t n, void* user) {
  auto* answer = static_cast<HttpAnswer*>(user);
  std::string line(data, size * n);
  if (line.rfind("HTTP/", 0) == 0) {
    answer->retry_after.clear();
    answer->retry_after_ms.clear();
  }
  size_t colon = line.find(':');
  if (colon == std::string::npos) return size * n;
  std::string name = line.substr(0, colon);
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  std::string value = line.substr(colon + 1);
  if (name == "retry-after") answer->retry_after = value;
  if (name == "retry-after-ms") answer->retry_after_ms = value;
  return size * n;
}

int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* cancel = static_cast<Cancel*>(user);
  return cancel && cancel->requested() ? 1 : 0;  // non-zero aborts the transfer
}

curl_slist* header_list(const std::vector<std::string>& headers) {
  curl_slist* list = nullptr;
  for (const std::string& h : headers) list = curl_slist_append(list, h.c_str());
  // No "Expect: 100-continue" round trip for large bodies.
  return curl_slist_append(list, "Expect:");
}

void set_options(CURL* easy, const HttpPost& post, curl_slist* headers, HttpAnswer* answer,
                 Cancel* cancel) {
  curl_easy_setopt(easy, CURLOPT_URL, post.url.c_str());
  curl_easy_setopt(easy, CURLOPT_POST, 1L);
  curl_easy_setopt(easy, CURLOPT_POSTFIELDS, post.body.data());
  curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(post.body.size()));
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(post.connect_timeout_ms));
  curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(post.timeout_ms));
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);  // worker threads: no SIGALRM for DNS timeouts
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, answer);
  curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(easy, CURLOPT_HEADERDATA, answer);
  curl_easy_setopt(easy, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(easy, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(easy, CURLOPT_XFERINFODATA, cancel);
  curl_easy_setopt(easy, CURLOPT_ACCEPT_ENCODING, "");  // whatever libcurl can decode
}

// Runs the transfer until it completes or `cancel` is requested; the transfer's result.
CURLcode run_transfer(CURLM* multi, CURL* easy, Cancel* cancel, bool* cancelled) {
  int running = 1;
  while (running) {
    if (curl_multi_perform(multi, &running) != CURLM_OK) return CURLE_FAILED_INIT;
    if (!running) break;
    if (cancel && cancel->requested()) {
      *cancelled = true;
      return CURLE_ABORTED_BY_CALLBACK;
    }
    curl_multi_poll(multi, nullptr, 0, kPollMs, nullptr);
  }
  int left = 0;
  while (CURLMsg* msg = curl_multi_info_read(multi, &left))
    if (msg->msg == CURLMSG_DONE && msg->easy_handle == easy) return msg->data.result;
  return CURLE_FAILED_INIT;
}

}  // namespace

// libcurl's global setup (TLS libraries and all) takes milliseconds; done by the first
// request, it held up every request of the first wave, so a client does it when it is made.
HttpConnectionPool::HttpConnectionPool() { global_init_once(); }

HttpConnectionPool::~HttpConnectionPool() {
  for (void* multi : idle_) curl_multi_cleanup(static_cast<CURLM*>(multi));
}

void* HttpConnectionPool::take() {
  std::lock_guard<std::mutex> lock(mu_);
  if (idle_.empty()) return nullptr;
  void* multi = idle_.back();
  idle_.pop_back();
  return multi;
}

void HttpConnectionPool::give(void* multi) {
  std::lock_guard<std::mutex> lock(mu_);
  idle_.push_back(multi);
}

HttpAnswer http_post(const HttpPost& post, Cancel* cancel, HttpConnectionPool* pool) {
  global_init_once();
  HttpAnswer answer;
  CURL* easy = curl_easy_init();
  CURLM* multi = pool ? static_cast<CURLM*>(pool->take()) : nullptr;
  if (!multi) multi = curl_multi_init();
  curl_slist* headers = header_list(post.headers);
  if (!easy || !multi || !headers) {
    answer.error = "cannot set up an HTTP request (out of memory?)";
  } else {
    char detail[CURL_ERROR_SIZE] = "";
    set_options(easy, post, headers, &answer, cancel);
    curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, detail);
    curl_multi_add_handle(multi, easy);
    CURLcode rc = run_transfer(multi, easy, cancel, &answer.cancelled);
    if (rc == CURLE_ABORTED_BY_CALLBACK && cancel && cancel->requested()) answer.cancelled = true;
    if (rc == CURLE_OK) {
      long status = 0;
      curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
      answer.status = static_cast<int>(status);
    } else if (!answer.cancelled) {
      // A timeout before the connection was made is a connection error, not a slow answer.
      curl_off_t connected_us = 0;
      curl_easy_getinfo(easy, CURLINFO_CONNECT_TIME_T, &connected_us);
      answer.timed_out = rc == CURLE_OPERATION_TIMEDOUT && connected_us > 0;
      answer.error = printable(detail[0] ? detail : curl_easy_strerror(rc));
      answer.body.clear();
    }
    curl_multi_remove_handle(multi, easy);
  }
  curl_slist_free_all(headers);
  // Only a complete exchange leaves a connection worth keeping: after a cancel, a timeout or an
  // error the handle goes, and with it whatever connection it held.
  if (multi && pool && answer.status != 0) pool->give(multi);
  else if (multi) curl_multi_cleanup(multi);
  if (easy) curl_easy_cleanup(easy);
  return answer;
}

}  // namespace flow::rt
