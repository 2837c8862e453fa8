#pragma once
// Text that agents and commands made (outputs, feedback, errors, stderr tails), made safe to
// print on the user's terminal. An agent's output is data: it must not retitle the window,
// clear the screen, move the cursor or reorder what is shown (docs/runtime.md, "Progress").
#include <string>
#include <string_view>

namespace flow::rt {

// `text` with every control sequence removed and invalid UTF-8 replaced:
// * escape sequences are dropped whole: CSI (`ESC [` ... final byte), OSC (`ESC ]` ... BEL or
//   `ESC \`), DCS/SOS/PM/APC (`ESC P`, `ESC X`, `ESC ^`, `ESC _` ... `ESC \`), and the other
//   `ESC` + intermediates + final forms; an unterminated one is dropped to the end;
// * C0 controls except newline and tab are dropped (CR too: it would overwrite a line), and DEL;
// * C1 controls (U+0080..U+009F) and the bidirectional overrides and isolates (U+202A..U+202E,
//   U+2066..U+2069) are dropped;
// * each byte that does not start a valid UTF-8 sequence becomes U+FFFD.
// Everything else is kept byte for byte.
std::string printable(std::string_view text);

}  // namespace flow::rt
