#include "runtime/store/run_store.h"

#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "runtime/testing.h"

using namespace flow::rt;
using flow::read_file;

namespace {

void write_raw(const std::string& path, const std::string& text) {
  FILE* f = std::fopen(path.c_str(), "wb");
  std::fwrite(text.data(), 1, text.size(), f);
  std::fclose(f);
}

}  // namespace

TEST_CASE("atomic writes replace the whole file and leave no temporary behind") {
  testing::TempDir tmp;
  std::string path = tmp.path + "/state.json";
  REQUIRE(write_file_atomic(path, "first", true, nullptr));
  REQUIRE(write_file_atomic(path, "second", true, nullptr));
  std::string text;
  REQUIRE(read_file(path, &text));
  CHECK(text == "second");
  CHECK_FALSE(std::filesystem::exists(path + ".tmp"));
}

TEST_CASE("an atomic write into a missing directory reports why") {
  std::string err;
  CHECK_FALSE(write_file_atomic("/nonexistent-flow-dir/x", "x", true, &err));
  CHECK(err == "cannot create /nonexistent-flow-dir/x.tmp: No such file or directory");
}

TEST_CASE("events are stamped with seq, ts and ms, and survive a reopen") {
  testing::TempDir tmp;
  std::string path = tmp.path + "/events.jsonl";
  std::string err;
  {
    EventLog log;
    REQUIRE(log.open(path, 1, &err));
    log.emit(ev::RunStart{});
    log.emit(ev::Done{.step = "a"});
    REQUIRE(log.commit(&err));
  }
  {
    EventLog log;
    REQUIRE(log.open(path, 3, &err));
    log.emit(ev::RunEnd{});
    REQUIRE(log.commit(&err));
  }
  EventsRead r = read_events(path);
  REQUIRE(r.ok);
  REQUIRE(r.events.size() == 3);
  CHECK(r.events[0]["seq"] == 1);
  CHECK(r.events[2]["seq"] == 3);
  CHECK(r.events[1]["step"] == "a");
  CHECK(r.events[0]["ts"].get<std::string>().size() == 24);  // 2026-11-21T10:15:00.123Z
  CHECK(r.events[0].contains("ms"));
}

TEST_CASE("a truncated last line (a crash mid-write) is ignored and repaired") {
  testing::TempDir tmp;
  std::string path = tmp.path + "/events.jsonl";
  write_raw(path, "{\"seq\":1,\"event\":\"run_start\"}\n{\"seq\":2,\"event\":\"do");
  EventsRead r = read_events(path);
  REQUIRE(r.ok);
  CHECK(r.events.size() == 1);
  std::string err;
  EventLog log;
  REQUIRE(log.open(path, 2, &err));
  log.emit(ev::RunResume{});
  REQUIRE(log.commit(&err));
  r = read_events(path);
  REQUIRE(r.ok);
  REQUIRE(r.events.size() == 2);
  CHECK(r.events[1]["event"] == "run_resume");
}

TEST_CASE("a complete last line without its newline is not trusted") {
  testing::TempDir tmp;
  std::string path = tmp.path + "/events.jsonl";
  write_raw(path, "{\"seq\":1,\"event\":\"run_start\"}\n{\"seq\":2,\"event\":\"done\"}");
  EventsRead r = read_events(path);
  REQUIRE(r.ok);
  CHECK(r.events.size() == 1);
}

TEST_CASE("a damaged line in the middle is an error, not silently skipped") {
  testing::TempDir tmp;
  std::string path = tmp.path + "/events.jsonl";
  write_raw(path, "{\"seq\":1,\"event\":\"run_start\"}\ngarbage\n{\"seq\":3,\"event\":\"done\"}\n");
  EventsRead r = read_events(path);
  CHECK_FALSE(r.ok);
  CHECK(r.error == path + ":2: damaged event line");
}

TEST_CASE("run ids sort by time and file names never hold a slash") {
  std::string id = new_run_id();
  CHECK(id.size() == 20);
  CHECK(id[8] == '-');
  CHECK(id[15] == '-');
  CHECK(file_safe("plan/gate") == "plan~gate");
  CHECK(output_hash("") == "fnv1a64:cbf29ce484222325");
}

TEST_CASE("the run lock tells a live run from a dead one") {
  testing::TempDir tmp;
  CHECK_FALSE(run_is_locked(tmp.path));
  {
    RunLock lock;
    REQUIRE(lock.try_lock(tmp.path));
    CHECK(run_is_locked(tmp.path));
  }
  CHECK_FALSE(run_is_locked(tmp.path));
}

TEST_CASE("file names of long step names stay within NAME_MAX and distinct") {
  std::string a(300, 'a'), b = a + "b", c = "plan/gate";
  std::string fa = file_safe(a), fb = file_safe(b);
  CHECK(fa.size() == kMaxFileStem);
  CHECK(fa != fb);
  CHECK(fa.rfind(std::string(100, 'a'), 0) == 0);  // still readable
  CHECK(file_safe(c) == "plan~gate");
  std::string utf8;
  for (int i = 0; i < 150; ++i) utf8 += "\xc3\xa9";  // 300 bytes of e-acute
  std::string fu = file_safe(utf8);
  CHECK(fu.size() <= kMaxFileStem);
  CHECK(fu[fu.size() - 18] != '\xc3');  // not cut inside a character
  testing::TempDir tmp;
  std::string err;
  CHECK(write_file(tmp.path + "/" + fa + ".a1.i99.prompt.md", "x", &err));
}

TEST_CASE("writes replace a planted symlink instead of following it, and are private") {
  testing::TempDir tmp;
  std::string victim = tmp.path + "/victim", link = tmp.path + "/out.md";
  write_raw(victim, "precious");
  std::filesystem::create_symlink(victim, link);
  mode_t old = ::umask(0);
  std::string err;
  bool ok = write_file(link, "output", &err);
  bool ok2 = write_file_atomic(tmp.path + "/run.json", "{}", false, &err);
  ::umask(old);
  REQUIRE(ok);
  REQUIRE(ok2);
  std::string text;
  REQUIRE(read_file(victim, &text));
  CHECK(text == "precious");
  CHECK_FALSE(std::filesystem::is_symlink(link));
  REQUIRE(read_file(link, &text));
  CHECK(text == "output");
  using std::filesystem::perms;
  CHECK((std::filesystem::status(link).permissions() & perms::all) == (perms::owner_read | perms::owner_write));
  CHECK((std::filesystem::status(tmp.path + "/run.json").permissions() & perms::all) ==
        (perms::owner_read | perms::owner_write));
}

TEST_CASE("a failed write says which file and why") {
  std::string err;
  CHECK_FALSE(write_file("/nonexistent-flow-dir/x", "x", &err));
  CHECK(err == "cannot create /nonexistent-flow-dir/x: No such file or directory");
}
