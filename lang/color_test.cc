#include "lang/color.h"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <optional>
#include <string>
#include <unistd.h>

namespace flow {
namespace {

// Sets or clears an environment variable for one test, restoring it afterwards.
struct EnvVar {
  const char* name;
  std::optional<std::string> old;
  EnvVar(const char* n, const char* value) : name(n) {
    if (const char* v = std::getenv(n)) old = v;
    if (value) setenv(n, value, 1); else unsetenv(n);
  }
  ~EnvVar() {
    if (old) setenv(name, old->c_str(), 1); else unsetenv(name);
  }
};

TEST_CASE("the colour modes auto, always and never") {
  CHECK(parse_color_mode("auto") == ColorMode::Auto);
  CHECK(parse_color_mode("always") == ColorMode::Always);
  CHECK(parse_color_mode("never") == ColorMode::Never);
  CHECK_FALSE(parse_color_mode("yes"));
  CHECK_FALSE(parse_color_mode(""));
}

TEST_CASE("always and never win over the environment, auto follows FORCE_COLOR, NO_COLOR, then the terminal") {
  int fds[2];
  REQUIRE(pipe(fds) == 0);  // a pipe is not a terminal
  {
    EnvVar force("FORCE_COLOR", "1"), no("NO_COLOR", "1");
    CHECK_FALSE(use_color(ColorMode::Never, fds[1]));
    CHECK(use_color(ColorMode::Always, fds[1]));
    CHECK(use_color(ColorMode::Auto, fds[1]));  // FORCE_COLOR beats NO_COLOR
  }
  {
    EnvVar force("FORCE_COLOR", "0"), no("NO_COLOR", nullptr);
    CHECK_FALSE(use_color(ColorMode::Auto, fds[1]));  // "0" is not a request; a pipe is no terminal
  }
  {
    EnvVar force("FORCE_COLOR", nullptr), no("NO_COLOR", "");
    CHECK_FALSE(use_color(ColorMode::Auto, fds[1]));
    CHECK(use_color(ColorMode::Always, fds[1]));
  }
  close(fds[0]);
  close(fds[1]);
}

}  // namespace
}  // namespace flow
