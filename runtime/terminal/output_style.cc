#include "runtime/terminal/output_style.h"

namespace flow::rt {
namespace {

OutputStyle style;  // set once by main, before any thread starts

}  // namespace

void set_output_style(const OutputStyle& s) { style = s; }
const OutputStyle& output_style() { return style; }
bool color_on(int fd) { return use_color(style.color, fd); }

}  // namespace flow::rt
