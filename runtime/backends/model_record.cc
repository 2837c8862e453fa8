// Recordings of model exchanges: one JSON file per request, named by a hash of the request.
#include "runtime/backends/model_record.h"

#include <dirent.h>

#include "runtime/backends/model_json.h"
#include "runtime/store/run_store.h"

namespace flow::rt {

using model_json::json;

namespace {

// The request as canonical JSON (keys sorted, no whitespace): what a recording is named by and
// compared with, whatever order or spacing the body was written in. Text that is not JSON
// stands for itself.
std::string canonical(const std::string& request_body) {
  json j = model_json::parse(request_body);
  return j.is_discarded() ? request_body : model_json::dump(j);
}

}  // namespace

std::string recording_name(const std::string& kind, const std::string& request_body,
                           int occurrence) {
  // output_hash is FNV-1a 64 ("fnv1a64:" + 16 hex digits); the kind keeps the APIs apart.
  return output_hash(kind + "\n" + canonical(request_body)).substr(8) + "-" +
         std::to_string(occurrence);
}

int OccurrenceCounter::next(const std::string& kind, const std::string& request_body) {
  std::string key = recording_name(kind, request_body, 0);
  std::lock_guard<std::mutex> lock(mu_);
  return ++seen_[key];
}

bool save_recording(const std::string& dir, const std::string& name, const std::string& kind,
                    const std::string& request_body, const RecordedAnswer& answer,
                    const std::string& secret, std::string* error) {
  // The request as an object, so a person can read the file; it is compared as dumped text.
  json doc = {{"kind", kind}, {"request", model_json::parse(request_body)},
              {"status", answer.status}, {"response", answer.body}};
  std::string text = model_json::dump(doc) + "\n";
  if (!secret.empty() && text.find(secret) != std::string::npos) {
    *error = "the exchange to record contains the API key; not recorded";
    return false;
  }
  if (!make_dirs(dir, error)) return false;
  return write_file_atomic(dir + "/" + name + ".json", text, false, error);
}

bool load_recording(const std::string& dir, const std::string& name, const std::string& kind,
                    const std::string& request_body, RecordedAnswer* answer, std::string* error) {
  std::string path = dir + "/" + name + ".json", text;
  if (!read_file(path, &text)) {
    *error = "no recording " + name + ".json";
    return false;
  }
  json doc = model_json::parse(text);
  const json* status = model_json::member(doc, "status");
  if (!status || !status->is_number_integer() || !model_json::member(doc, "response")) {
    *error = "the recording " + path + " is damaged; record again";
    return false;
  }
  if (model_json::string_at(doc, "kind") != kind ||
      !model_json::member(doc, "request") ||
      model_json::dump(*model_json::member(doc, "request")) != canonical(request_body)) {
    *error = "the recording " + path + " holds a different request";
    return false;
  }
  answer->status = status->get<int>();
  answer->body = model_json::string_at(doc, "response");
  return true;
}

int count_recordings(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (!d) return -1;
  int n = 0;
  while (dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name.size() > 5 && name.compare(name.size() - 5, 5, ".json") == 0) ++n;
  }
  ::closedir(d);
  return n;
}

}  // namespace flow::rt
