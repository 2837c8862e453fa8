#pragma once
// The programs `flow` is running now, and the supervisor process that kills them if `flow`
// itself dies (supervise.h). Used by run_subprocess() (subprocess.cc) around each start.
#include <sys/types.h>

#include <mutex>
#include <string>

namespace flow::rt {

// A token unique to one program start, put into its environment as kSpawnTokenVar: the
// supervisor finds by it a program that started just before `flow` died, before `flow` could
// tell it the program's id.
std::string spawn_token();

// Held from before a program exists until it is listed, so kill_all_children() never misses a
// program that has started. The *_locked functions need it.
std::unique_lock<std::mutex> lock_running_programs();

// A program with this token is about to start; it did not start after all. The first also
// starts the supervisor, before the first program.
void announce_start_locked(const std::string& token);
void announce_failed_start_locked(const std::string& token);

// A program started: known to the supervisor and to kill_all_children().
void add_running_locked(pid_t pgid, const std::string& token, const std::string& record_dir);

// Called before the program is reaped: after that, its id may be reused.
void forget_running(pid_t pgid);

}  // namespace flow::rt
