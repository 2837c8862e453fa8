#pragma once
// The DAG of `flow report` as inline SVG, laid out by flow itself, top to bottom: a node's
// row is the length of the longest dependency path to it, nodes of one such layer stand side by
// side (wrapped after four, so the drawing is never wider than a page), stages named on the
// left.
#include <map>
#include <string>

#include <nlohmann/json.hpp>

namespace flow::rt {

// `ir` is the run's ir.json; `status` maps a step's name to its outcome (done, passed,
// failed, skipped, sent back, ...). One <g class="node"> per IR node, carrying data-step and
// data-status, and a link to the step's section of the page.
std::string dag_svg(const nlohmann::json& ir, const std::map<std::string, std::string>& status);

// The fill colour of an outcome; unknown outcomes get a neutral colour.
const char* outcome_colour(const std::string& status);

}  // namespace flow::rt
