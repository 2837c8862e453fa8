#include "commands/approve.h"

#include <pwd.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "lang/suggest.h"
#include "runtime/store/approvals.h"
#include "runtime/store/runs.h"
#include "runtime/terminal/printable.h"
#include "runtime/store/run_store.h"

namespace flow::rt {
namespace {

std::string user_name() {
  if (const char* u = std::getenv("USER"); u && *u) return u;
  if (const passwd* pw = ::getpwuid(::getuid())) return pw->pw_name;
  return "uid " + std::to_string(::getuid());
}

// Why `step` cannot be answered: what waits instead, and the likely typo.
std::string not_waiting(const std::string& run, const std::string& step,
                        const std::vector<ApprovalRequest>& waiting) {
  std::string msg = "step `" + step + "` of run " + run + " does not wait for an approval";
  if (waiting.empty())
    return msg + "; nothing in this run waits for one (see `flow show " + run + "`)";
  std::vector<std::string_view> names;
  std::string list;
  for (const ApprovalRequest& r : waiting) {
    names.push_back(r.step);
    list += (list.empty() ? "" : ", ") + r.step;
  }
  std::string hint = closest_name(step, names);
  if (!hint.empty()) msg += "; did you mean `" + hint + "`?";
  return msg + "\n  waiting: " + list;
}

// The waiting step `name` means: a step that waits, or a stage in which exactly one step
// waits (`flow approve last go-ahead` for the stage `go-ahead` holding one `approve`). False
// with `why` set when a stage has several waiting, with `why` empty when nothing matches.
bool waiting_step(const std::vector<ApprovalRequest>& waiting, const std::string& name,
                  std::string* step, std::string* why) {
  std::vector<std::string> in_stage;
  for (const ApprovalRequest& r : waiting) {
    if (r.step == name) {
      *step = name;
      return true;
    }
    if (r.stage == name) in_stage.push_back(r.step);
  }
  if (in_stage.size() == 1) {
    *step = in_stage.front();
    return true;
  }
  if (in_stage.size() > 1) {
    std::string list;
    for (const std::string& s : in_stage) list += (list.empty() ? "" : ", ") + s;
    *why = "stage `" + name + "` has " + std::to_string(in_stage.size()) +
           " steps waiting for an approval; name one: " + list;
  }
  return false;
}

}  // namespace

int answer_command(const AnswerRequest& req) {
  std::string run = req.run == "last" ? latest_run(req.run_root) : req.run;
  const std::string dir = req.run_root + "/" + run;
  std::string text;
  if (run.empty() || run.find('/') != std::string::npos || !read_file(dir + "/run.json", &text)) {
    std::fprintf(stderr, "flow: no run %s under %s (see `flow runs`)\n",
                 printable(req.run).c_str(), req.run_root.c_str());
    return 2;
  }
  if (!req.approve && req.text.empty()) {
    std::fprintf(stderr, "flow: a rejection needs --feedback TEXT: it is what the work is sent "
                         "back with\n");
    return 2;
  }
  std::vector<ApprovalRequest> waiting = pending_requests(dir);
  std::string step, why;
  if (!waiting_step(waiting, req.step, &step, &why)) {
    std::fprintf(stderr, "flow: %s\n",
                 printable(why.empty() ? not_waiting(run, req.step, waiting) : why).c_str());
    return 2;
  }
  ApprovalAnswer a;
  a.approved = req.approve;
  (req.approve ? a.comment : a.feedback) = req.text;
  a.who = user_name();
  a.when = iso_time_now();
  std::string err;
  if (!answer_request(dir, step, a, &err)) {
    std::fprintf(stderr, "flow: %s\n", printable(err).c_str());
    return 1;
  }
  std::printf("%s `%s` of run %s\n", req.approve ? "approved" : "rejected",
              printable(step).c_str(), printable(run).c_str());
  return 0;
}

}  // namespace flow::rt
