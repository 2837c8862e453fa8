#pragma once
// `flow report RUN`: one self-contained HTML page about a run (docs/report.md) — first whether
// agents were simulated and what stopped a run that failed, then the timeline of every call,
// the DAG coloured by outcome, each call's prompt, output, verdict and feedback, cost and
// tokens per step, agent and stage, the flow's rules as written and every event. No network: the
// page carries its own CSS, a few lines of JS and an inline SVG. Everything agent-made is
// escaped; a Content-Security-Policy lets only the page's own script run.
#include <string>
#include <string_view>

#include "runtime/report/run_view.h"

namespace flow::rt {

// `text` for HTML element content or a quoted attribute: & < > " ' escaped, control
// characters, bidi overrides and invalid UTF-8 cleaned as printable() does.
std::string html_escape(std::string_view text);

// The page. `nonce` marks the page's own script (the CSP allows only it); any token of
// base64 characters.
std::string report_html(const RunView& run, const std::string& nonce);

}  // namespace flow::rt
