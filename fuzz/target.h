#pragma once
// The entry point every fuzz target defines (libFuzzer's name). Built with -DFLOW_FUZZ=ON it is
// linked with libFuzzer; in every build with tests, with replay_main.cc, which feeds it saved
// inputs. A target must not write files, must free what it allocates, and must do work bounded
// by the input's size: an input it crashes on, leaks on or hangs on is a bug.
#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

// Stops the process the way a crash does, so that a broken property (not only a memory error)
// counts as a finding; `what` says which property.
[[noreturn]] void fuzz_fail(const char* what);
