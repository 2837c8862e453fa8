#pragma once
// Whether a command colours what it prints: `--color auto|always|never` and the conventions
// of https://no-color.org and https://force-color.org, shared by flowc and flow.
#include <optional>
#include <string_view>

namespace flow {

enum class ColorMode { Auto, Always, Never };

// "auto", "always" or "never"; nullopt for anything else.
std::optional<ColorMode> parse_color_mode(std::string_view text);

// Always and Never win. Auto: FORCE_COLOR set to anything but "" or "0" turns colour on, else
// NO_COLOR set to anything but "" turns it off, else colour when `fd` is a terminal.
bool use_color(ColorMode mode, int fd);

}  // namespace flow
