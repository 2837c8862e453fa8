#include "lang/color.h"

#include <cstdlib>
#include <cstring>
#include <unistd.h>

namespace flow {

std::optional<ColorMode> parse_color_mode(std::string_view text) {
  if (text == "auto") return ColorMode::Auto;
  if (text == "always") return ColorMode::Always;
  if (text == "never") return ColorMode::Never;
  return std::nullopt;
}

bool use_color(ColorMode mode, int fd) {
  if (mode != ColorMode::Auto) return mode == ColorMode::Always;
  const char* force = std::getenv("FORCE_COLOR");
  if (force && *force && std::strcmp(force, "0") != 0) return true;
  const char* no_color = std::getenv("NO_COLOR");
  if (no_color && *no_color) return false;
  return isatty(fd) == 1;
}

}  // namespace flow
