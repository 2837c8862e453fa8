#include "runtime/report_dag.h"

#include <algorithm>
#include <deque>
#include <vector>

#include <fmt/format.h>

#include "runtime/report_html.h"

namespace flow::rt {
namespace {

using json = nlohmann::json;

constexpr int kColWidth = 250, kRowHeight = 46, kBoxWidth = 210, kBoxHeight = 30, kMargin = 10;

// Longest-path layers by Kahn's algorithm (deps may point forward in the IR); nodes on a cycle
// (a damaged IR) stay in layer 0 rather than looping.
std::vector<int> layers(const std::vector<std::vector<int>>& deps) {
  size_t n = deps.size();
  std::vector<int> layer(n, 0), indegree(n, 0);
  std::vector<std::vector<int>> users(n);
  for (size_t i = 0; i < n; ++i)
    for (int d : deps[i]) {
      users[static_cast<size_t>(d)].push_back(static_cast<int>(i));
      ++indegree[i];
    }
  std::deque<int> ready;
  for (size_t i = 0; i < n; ++i)
    if (indegree[i] == 0) ready.push_back(static_cast<int>(i));
  while (!ready.empty()) {
    int i = ready.front();
    ready.pop_front();
    for (int u : users[static_cast<size_t>(i)]) {
      layer[static_cast<size_t>(u)] = std::max(layer[static_cast<size_t>(u)], layer[static_cast<size_t>(i)] + 1);
      if (--indegree[static_cast<size_t>(u)] == 0) ready.push_back(u);
    }
  }
  return layer;
}

std::string label(const std::string& name) {
  // Long names are cut for the box; the full name is in the node's <title>.
  if (name.size() <= 30) return name;
  size_t cut = 28;
  while (cut > 0 && (static_cast<unsigned char>(name[cut]) & 0xC0) == 0x80) --cut;
  return name.substr(0, cut) + "…";
}

}  // namespace

const char* outcome_colour(const std::string& s) {
  if (s == "done") return "#9be29b";
  if (s == "passed") return "#5fc98a";
  if (s == "failed" || s == "exhausted" || s == "interrupted") return "#f08c8c";
  if (s == "skipped") return "#d5d5d5";
  if (s == "sent back" || s == "unapproved") return "#f5d06f";
  if (s == "running" || s == "unfinished") return "#9cc7f0";
  return "#e8e0f5";
}

std::string dag_svg(const json& ir, const std::map<std::string, std::string>& status) {
  const json& nodes = ir.is_object() && ir.contains("nodes") && ir["nodes"].is_array() ? ir["nodes"] : json::array();
  size_t n = nodes.size();
  std::vector<std::string> names(n);
  std::vector<std::vector<int>> deps(n);
  for (size_t i = 0; i < n; ++i) {
    names[i] = nodes[i].is_object() ? nodes[i].value("name", "") : "";
    if (nodes[i].is_object() && nodes[i].contains("deps") && nodes[i]["deps"].is_array())
      for (const json& d : nodes[i]["deps"])
        if (d.is_number_integer() && d.get<int64_t>() >= 0 && d.get<uint64_t>() < n)
          deps[i].push_back(d.get<int>());
  }
  std::vector<int> layer = layers(deps);
  std::vector<int> row(n, 0), rows_in(n + 1, 0);
  int max_layer = 0, max_row = 0;
  for (size_t i = 0; i < n; ++i) {
    row[i] = rows_in[static_cast<size_t>(layer[i])]++;
    max_layer = std::max(max_layer, layer[i]);
    max_row = std::max(max_row, row[i]);
  }
  auto x = [&](size_t i) { return kMargin + layer[i] * kColWidth; };
  auto y = [&](size_t i) { return kMargin + row[i] * kRowHeight; };
  std::string out = fmt::format(
      "<svg id=\"dag\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" role=\"img\" "
      "aria-label=\"the flow's steps and their dependencies\">\n",
      2 * kMargin + (max_layer + 1) * kColWidth, 2 * kMargin + (max_row + 1) * kRowHeight);
  for (size_t i = 0; i < n; ++i)
    for (int d : deps[i]) {
      size_t j = static_cast<size_t>(d);
      out += fmt::format("<line class=\"edge\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/>\n", x(j) + kBoxWidth,
                         y(j) + kBoxHeight / 2, x(i), y(i) + kBoxHeight / 2);
    }
  for (size_t i = 0; i < n; ++i) {
    auto it = status.find(names[i]);
    std::string s = it == status.end() ? "not run" : it->second;
    std::string kind = nodes[i].is_object() ? nodes[i].value("kind", "") : "";
    out += fmt::format(
        "<a href=\"#step-{0}\"><g class=\"node\" data-step=\"{0}\" data-kind=\"{1}\" data-status=\"{2}\">"
        "<title>{0} ({1}): {2}</title><rect x=\"{3}\" y=\"{4}\" width=\"{5}\" height=\"{6}\" rx=\"5\" "
        "fill=\"{7}\"/><text x=\"{8}\" y=\"{9}\">{10}</text></g></a>\n",
        html_escape(names[i]), html_escape(kind), html_escape(s), x(i), y(i), kBoxWidth, kBoxHeight,
        outcome_colour(s), x(i) + 8, y(i) + 20, html_escape(label(names[i])));
  }
  out += "</svg>\n";
  return out;
}

}  // namespace flow::rt
