#include "runtime/run_store.h"

#include <catch2/catch.hpp>
#include <filesystem>

#include "runtime/testing.h"

using namespace flow::rt;

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
    log.emit({{"event", "run_start"}});
    log.emit({{"event", "done"}, {"step", "a"}});
    REQUIRE(log.commit(&err));
  }
  {
    EventLog log;
    REQUIRE(log.open(path, 3, &err));
    log.emit({{"event", "run_end"}});
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
  log.emit({{"event", "run_resume"}});
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
