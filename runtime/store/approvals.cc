#include "runtime/store/approvals.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include <nlohmann/json.hpp>

#include "runtime/store/run_store.h"

namespace flow::rt {
namespace {

using json = nlohmann::json;

// A field of a request file (one another process or a person may have damaged): its JSON text
// when not a string, "" when missing.
std::string request_text(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return "";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

// Gate names hold `/` (plan/gate): a step's file name escapes every other byte as %XX.
std::string file_name(const std::string& step) {
  std::string out;
  for (unsigned char c : step) {
    if (std::isalnum(c) || c == '-' || c == '_' || (c == '.' && !out.empty())) {
      out += static_cast<char>(c);
    } else {
      char hex[4];
      std::snprintf(hex, sizeof hex, "%%%02X", c);
      out += hex;
    }
  }
  return out;
}

std::string request_path(const std::string& run_dir, const std::string& step) {
  return approvals_dir(run_dir) + "/" + file_name(step) + ".request";
}

std::string answer_path(const std::string& run_dir, const std::string& step) {
  return approvals_dir(run_dir) + "/" + file_name(step) + ".answer";
}

bool exists(const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }

bool parse_answer(const std::string& text, ApprovalAnswer* a) {
  json j = json::parse(text, nullptr, false);
  if (!j.is_object() || !j.contains("approved") || !j["approved"].is_boolean()) return false;
  a->approved = j["approved"].get<bool>();
  a->feedback = j.value("feedback", "");
  a->comment = j.value("comment", "");
  a->who = j.value("who", "");
  a->when = j.value("when", "");
  return true;
}

std::string waiting_list(const std::string& run_dir) {
  std::string list;
  for (const ApprovalRequest& r : pending_requests(run_dir))
    list += (list.empty() ? "" : ", ") + r.step;
  return list.empty() ? "nothing waits for an approval in this run" : "waiting: " + list;
}

}  // namespace

std::string approvals_dir(const std::string& run_dir) { return run_dir + "/approvals"; }

bool open_request(const std::string& run_dir, const ApprovalRequest& req, std::string* error) {
  if (!make_dirs(approvals_dir(run_dir), error)) return false;
  if (exists(request_path(run_dir, req.step))) return true;  // left by a killed run: keep it
  ::unlink(answer_path(run_dir, req.step).c_str());           // an answer to nothing
  json j{{"step", req.step}, {"question", req.question}, {"kind", req.kind},
         {"since", req.since}, {"stage", req.stage}};
  return write_file_atomic(request_path(run_dir, req.step), j.dump(2) + "\n", true, error);
}

bool wait_for_answer(const std::string& run_dir, const std::string& step, Cancel* cancel,
                     ApprovalAnswer* answer) {
  const std::string path = answer_path(run_dir, step);
  for (;;) {
    if (cancel && cancel->requested()) return false;
    std::string text;
    // link(2) makes the answer appear complete: a readable file is a whole answer. One that
    // does not parse was written by hand; it is treated as a rejection saying so.
    if (read_file(path, &text)) {
      if (!parse_answer(text, answer)) {
        answer->approved = false;
        answer->feedback = "the answer file " + path + " could not be read as an answer";
      }
      // The answer stays until the step's next request: an answer racing this one finds it
      // and loses (link fails), never a request that is gone.
      ::unlink(request_path(run_dir, step).c_str());
      return true;
    }
    ::poll(nullptr, 0, 200);
  }
}

bool answered(const std::string& run_dir, const std::string& step) {
  return exists(answer_path(run_dir, step));
}

std::vector<ApprovalRequest> pending_requests(const std::string& run_dir) {
  std::vector<ApprovalRequest> out;
  DIR* d = ::opendir(approvals_dir(run_dir).c_str());
  if (!d) return out;
  const std::string suffix = ".request";
  while (dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name.size() <= suffix.size() ||
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0)
      continue;
    std::string text;
    if (!read_file(approvals_dir(run_dir) + "/" + name, &text)) continue;
    json j = json::parse(text, nullptr, false);
    if (!j.is_object()) continue;
    out.push_back({request_text(j, "step"), request_text(j, "question"), request_text(j, "kind"),
                   request_text(j, "since"), request_text(j, "stage")});
  }
  ::closedir(d);
  std::sort(out.begin(), out.end(),
            [](const ApprovalRequest& a, const ApprovalRequest& b) { return a.step < b.step; });
  return out;
}

bool answer_request(const std::string& run_dir, const std::string& step,
                    const ApprovalAnswer& answer, std::string* error) {
  if (step.empty() || !exists(request_path(run_dir, step))) {
    *error = "step `" + step + "` does not wait for an approval (" + waiting_list(run_dir) + ")";
    return false;
  }
  json j{{"approved", answer.approved}, {"feedback", answer.feedback},
         {"comment", answer.comment}, {"who", answer.who}, {"when", answer.when}};
  // Written whole under a private name, then linked to its public name: link(2) never
  // replaces, so of two racing answers exactly one becomes STEP.answer.
  std::string tmp = answer_path(run_dir, step) + ".tmp." + std::to_string(::getpid());
  if (!write_file_atomic(tmp, j.dump(2) + "\n", true, error)) return false;
  int r = ::link(tmp.c_str(), answer_path(run_dir, step).c_str());
  int err = errno;
  ::unlink(tmp.c_str());
  if (r == 0) return true;
  if (err == EEXIST)
    *error = "step `" + step + "` was already answered; the first answer counts";
  else
    *error = "cannot write " + answer_path(run_dir, step) + ": " + std::strerror(err);
  return false;
}

}  // namespace flow::rt
