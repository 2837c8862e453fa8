#include <signal.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "runtime/backends/backend.h"
#include "runtime/store/run_store.h"
#include "runtime/processes/subprocess.h"
#include "runtime/testing.h"

using namespace flow::rt;
using flow::read_file;

namespace {

AgentRequest request() {
  AgentRequest r;
  r.flow = "demo";
  r.run_id = "run-1";
  r.run_dir = ".flow/runs/run-1";
  r.step = "plan";
  r.agent = "planner";
  r.model = "opus";
  r.attempt = 2;
  r.prompt = "Write a plan.\nWith two lines.\n";
  return r;
}

// A zombie is dead too: in a container nobody may reap the orphaned background sleep.
bool alive(pid_t pid) {
  std::string stat;
  if (!read_file("/proc/" + std::to_string(pid) + "/stat", &stat)) return false;
  size_t paren = stat.rfind(')');
  return paren != std::string::npos && stat.size() > paren + 2 && stat[paren + 2] != 'Z';
}

}  // namespace

TEST_CASE("the command backend passes argv as is, the prompt on stdin, stdout back") {
  CommandBackendSpec spec{"echoer", {"sh", "-c", "printf '%s|' \"$1\" \"$2\"; cat", "sh", "a b", "{model}"}, "", 0};
  auto backend = make_command_backend(spec);
  Cancel cancel;
  AgentResult r = backend->call(request(), &cancel);
  CHECK(r.ok);
  CHECK(r.output == "a b|opus|Write a plan.\nWith two lines.\n");
}

TEST_CASE("the command backend names the flow, step, agent, model, attempt and run dir") {
  CommandBackendSpec spec{"env", {}, "echo \"$FLOW_NAME $FLOW_STEP $FLOW_AGENT $FLOW_MODEL $FLOW_ATTEMPT $FLOW_RUN_DIR $FLOW_RUN_ID\"", 0};
  auto backend = make_command_backend(spec);
  Cancel cancel;
  AgentResult r = backend->call(request(), &cancel);
  CHECK(r.ok);
  CHECK(r.output == "demo plan planner opus 2 .flow/runs/run-1 run-1\n");
}

TEST_CASE("a non-zero exit fails the call and shows the stderr tail") {
  CommandBackendSpec spec{"bad", {"sh", "-c", "for i in $(seq 1 30); do echo line$i >&2; done; echo partial; exit 4"}, "", 0};
  auto backend = make_command_backend(spec);
  Cancel cancel;
  AgentResult r = backend->call(request(), &cancel);
  CHECK_FALSE(r.ok);
  CHECK(r.output == "partial\n");
  std::string expected = "sh: exit 4\n";
  for (int i = 11; i <= 30; ++i) expected += "line" + std::to_string(i) + (i < 30 ? "\n" : "");
  CHECK(r.error == expected);
}

TEST_CASE("a program that does not exist is a clear failure") {
  CommandBackendSpec spec{"missing", {"no-such-program-for-flow-tests"}, "", 0};
  Cancel cancel;
  AgentResult r = make_command_backend(spec)->call(request(), &cancel);
  CHECK_FALSE(r.ok);
  CHECK(r.error == "no-such-program-for-flow-tests: cannot run no-such-program-for-flow-tests: "
                   "No such file or directory");
}

TEST_CASE("a timeout kills the whole process group") {
  testing::TempDir tmp;
  std::string pids = tmp.path + "/pids";
  SubprocessSpec sp;
  // The background sleep would outlive a kill of the shell alone.
  sp.argv = {"/bin/sh", "-c", "sleep 100 & echo $! > " + pids + "; echo $$ >> " + pids + "; sleep 100"};
  sp.timeout_ms = 300;
  sp.kill_grace_ms = 500;
  auto t0 = std::chrono::steady_clock::now();
  SubprocessResult r = run_subprocess(sp, nullptr);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  CHECK(r.timed_out);
  CHECK_FALSE(r.ok());
  CHECK(secs < 3.0);
  CHECK(describe_exit(r, sp.timeout_ms) == "timed out after 0.3s");
  std::string text;
  REQUIRE(read_file(pids, &text));
  pid_t bg = std::stoi(text), sh = std::stoi(text.substr(text.find('\n') + 1));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  CHECK_FALSE(alive(bg));
  CHECK_FALSE(alive(sh));
}

TEST_CASE("a cancel request stops a running child promptly") {
  SubprocessSpec sp;
  sp.argv = {"sleep", "100"};
  Cancel cancel;
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    cancel.request();
  });
  auto t0 = std::chrono::steady_clock::now();
  SubprocessResult r = run_subprocess(sp, &cancel);
  stopper.join();
  CHECK(r.cancelled);
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(3));
}

TEST_CASE("a child that ignores its stdin does not break the writer") {
  SubprocessSpec sp;
  sp.argv = {"true"};
  sp.stdin_text = std::string(1 << 20, 'x');  // more than a pipe holds
  SubprocessResult r = run_subprocess(sp, nullptr);
  CHECK(r.ok());
}

TEST_CASE("built-in command lines fit the common agent CLIs") {
  CommandBackendSpec s;
  REQUIRE(builtin_command_backend("claude", &s));
  CHECK(s.kind == "claude");  // the Claude Code backend, which adds -p and its flags itself
  CHECK(s.argv == std::vector<std::string>{"claude"});
  REQUIRE(builtin_command_backend("ollama", &s));
  CHECK(s.kind == "command");
  CHECK(s.argv == std::vector<std::string>{"ollama", "run", "{model}"});
  CHECK_FALSE(builtin_command_backend("bash", &s));
}

TEST_CASE("a failed call may be retried only when the program ran and failed") {
  Cancel cancel;
  CommandBackendSpec failing;
  failing.name = "f";
  failing.argv = {"sh", "-c", "exit 1"};
  AgentResult r = make_command_backend(failing)->call(request(), &cancel);
  CHECK_FALSE(r.ok);
  CHECK(r.retryable);
  CommandBackendSpec missing;
  missing.name = "m";
  missing.argv = {"no-such-program-for-flow-tests"};
  CHECK_FALSE(make_command_backend(missing)->call(request(), &cancel).retryable);
  CommandBackendSpec slow;
  slow.name = "s";
  slow.argv = {"sleep", "10"};
  slow.timeout_ms = 200;
  AgentResult t = make_command_backend(slow)->call(request(), &cancel);
  CHECK_FALSE(t.ok);
  CHECK_FALSE(t.retryable);  // a timeout would likely time out again
  CHECK(make_command_backend(failing)->retry_policy().retries == 2);
  CHECK(make_sim_backend(SimOptions{})->retry_policy().retries == 0);  // failure injection stays exact
}
