// Linked into every executable of a sanitizer build (-DFLOW_SANITIZE=...): the options the test
// suite relies on, built in so that ctest in such a build needs no environment. ASAN_OPTIONS
// and UBSAN_OPTIONS still override any of them.
//
// Each report goes to a file in the build's sanitizer-reports/ directory, never to stderr: a
// test that captures a child's stderr, compares it with a golden file, or expects a failing
// exit code would otherwise swallow a `flow` child's report. The test sanitizer.reports runs
// after the others and fails, printing them, when any report is there.
#ifndef FLOW_SANITIZER_REPORTS
#error "FLOW_SANITIZER_REPORTS must name the reports directory"
#endif

extern "C" const char* __asan_default_options() {
  return "detect_leaks=1:log_exe_name=1:log_path=" FLOW_SANITIZER_REPORTS "/asan";
}

extern "C" const char* __ubsan_default_options() {
  return "print_stacktrace=1:halt_on_error=1:log_exe_name=1:log_path=" FLOW_SANITIZER_REPORTS
         "/ubsan";
}
