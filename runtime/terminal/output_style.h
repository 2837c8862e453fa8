#pragma once
// How `flow` prints, chosen once on its command line (--color, -q) before any command runs.
// The progress views, the end-of-run summary and the compiler's messages follow it.
#include "lang/color.h"

namespace flow::rt {

struct OutputStyle {
  ColorMode color = ColorMode::Auto;
  bool quiet = false;  // -q: errors, what needs the user, and the final result only
};

void set_output_style(const OutputStyle& style);
const OutputStyle& output_style();

// Whether what goes to `fd` is coloured (--color, NO_COLOR, FORCE_COLOR, a terminal).
bool color_on(int fd);

}  // namespace flow::rt
