#pragma once
// The supervisor: one small process per `flow` process that kills the process groups of the
// programs `flow` runs when `flow` dies — even by `kill -9`, which no signal handler sees
// (PR_SET_PDEATHSIG would reach only the direct child, not what it started).
//
// `flow` starts its own executable again (/proc/self/exe) with kSuperviseArg as argv[1] the
// first time it runs a program; that mode is taken before main() runs, so every program linked
// with the runtime (flow and the test binaries) has it. It costs one process per run, not one
// per program: starting a program stays one posix_spawn.
//
// fd 3 of the supervisor is a socket to `flow`, which writes one line per event:
//   "?TOKEN"           a program is about to start with TOKEN in its environment
//                      (kSpawnTokenVar); "!TOKEN": it could not be started
//   "+PGID TOKEN DIR"  it started, leading group PGID; DIR is where to record the group for
//                      `flow resume` (proc_track.h), "-" for nowhere
//   "-PGID"            the program ended; `flow` sends this before it reaps the program, so a
//                      group the supervisor knows is never one whose id may have been reused
// End of file means `flow` is gone: the supervisor sends SIGTERM to every group it knows whose
// leader is still the process that was started (pid, start time) — and to the group of any
// process carrying a token that was announced but never followed by its "+" line, since `flow`
// may die between starting a program and naming it — SIGKILL after the grace, and exits.
// The supervisor reads in batches (at most 50 a second): a program that starts and ends within
// one batch costs it nothing. It ignores SIGTERM, SIGINT and SIGHUP, and leads its own process group. If it is
// killed, `flow` starts another at its next message and sends it every running group.
// Usage: EXE kSuperviseArg GRACE_MS
namespace flow::rt {

inline constexpr const char* kSuperviseArg = "--flow-internal-supervise";
inline constexpr int kSupervisorFd = 3;
inline constexpr const char* kSpawnTokenVar = "FLOW_SPAWN_TOKEN";

// Makes sure the supervisor entry point is linked into the program.
void link_supervisor();

}  // namespace flow::rt
