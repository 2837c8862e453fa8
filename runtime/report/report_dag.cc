#include "runtime/report/report_dag.h"

#include <algorithm>
#include <numeric>
#include <vector>

#include <fmt/format.h>

#include "ir/topo_order.h"
#include "lang/text.h"
#include "runtime/report/report_html.h"

namespace flow::rt {
namespace {

using json = nlohmann::json;

// A text field of an ir.json node: its JSON text when not a string (a damaged IR); "" when
// missing.
std::string node_text(const json& node, const char* key) {
  auto it = node.find(key);
  if (it == node.end() || it->is_null()) return "";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

// Top to bottom: a layer is a band of rows, at most kDagPerRow boxes wide, so that a page
// 1400 px wide shows the whole DAG without sideways scrolling however long the flow is. The
// gutter on the left names the stages.
constexpr int kDagColWidth = 270, kDagRowHeight = 54, kDagBoxWidth = 250, kDagBoxHeight = 30;
constexpr int kDagMargin = 10, kDagGutter = 150, kDagPerRow = 4;

// Longest-path layers over a topological order (deps may point forward in the IR); nodes on
// a cycle (a damaged IR) stay in layer 0 rather than looping.
std::vector<int> layers(const std::vector<std::vector<int>>& deps) {
  std::vector<int> layer(deps.size(), 0);
  auto of = [&](size_t i) -> const std::vector<int>& { return deps[i]; };
  for (uint32_t u : ir::topo_order(deps.size(), of))
    for (int d : deps[u]) layer[u] = std::max(layer[u], layer[static_cast<size_t>(d)] + 1);
  return layer;
}

// Where each box goes: its top-left corner.
struct DagLayout {
  std::vector<int> x, y;
  int width = 0, height = 0;
};

// Each layer's nodes in the order of the mean x of what they wait for (fewer crossing edges),
// wrapped after kDagPerRow and centred.
DagLayout place_nodes(const std::vector<std::vector<int>>& deps, const std::vector<int>& layer) {
  size_t n = deps.size();
  int max_layer = n ? *std::max_element(layer.begin(), layer.end()) : 0;
  std::vector<std::vector<int>> by_layer(static_cast<size_t>(max_layer) + 1);
  for (size_t i = 0; i < n; ++i) by_layer[static_cast<size_t>(layer[i])].push_back(static_cast<int>(i));
  size_t widest = 1;
  for (const auto& l : by_layer) widest = std::max(widest, l.size());
  const int columns = static_cast<int>(std::min<size_t>(widest, kDagPerRow));
  DagLayout out;
  out.x.assign(n, 0);
  out.y.assign(n, 0);
  out.width = kDagGutter + columns * kDagColWidth + 2 * kDagMargin;
  int row = 0;
  for (std::vector<int>& nodes : by_layer) {
    auto mean_x = [&](int i) {
      const auto& d = deps[static_cast<size_t>(i)];
      if (d.empty()) return static_cast<double>(i);  // sources keep the flow's order
      double sum = 0;
      for (int j : d) sum += out.x[static_cast<size_t>(j)];
      return sum / static_cast<double>(d.size());
    };
    std::vector<double> key(nodes.size());
    for (size_t k = 0; k < nodes.size(); ++k) key[k] = mean_x(nodes[k]);
    std::vector<size_t> order(nodes.size());
    std::iota(order.begin(), order.end(), size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return key[a] < key[b]; });
    for (size_t k = 0; k < order.size(); ++k) {
      size_t in_row = std::min<size_t>(kDagPerRow, order.size() - k / kDagPerRow * kDagPerRow);
      int left = (columns - static_cast<int>(in_row)) * kDagColWidth / 2;
      size_t i = static_cast<size_t>(nodes[order[k]]);
      out.x[i] = kDagMargin + kDagGutter + left + static_cast<int>(k % kDagPerRow) * kDagColWidth;
      out.y[i] = kDagMargin + (row + static_cast<int>(k / kDagPerRow)) * kDagRowHeight;
    }
    row += std::max(1, static_cast<int>((nodes.size() + kDagPerRow - 1) / kDagPerRow));
  }
  out.height = 2 * kDagMargin + row * kDagRowHeight;
  return out;
}

std::string label(const std::string& name) {
  // Long names are cut for the box; the full name is in the node's <title>.
  if (name.size() <= 46) return name;
  size_t cut = text::utf8_boundary(name, 44);
  return name.substr(0, cut) + "…";
}

// The stages down the left gutter, each beside the rows its nodes take, when no two stages
// share a row (stages that run side by side get no band rather than a wrong one).
std::string stage_bands(const json& nodes, const DagLayout& at) {
  struct Band {
    std::string stage;
    int top, bottom;
  };
  std::vector<Band> bands;
  for (size_t i = 0; i < nodes.size(); ++i) {
    std::string stage = nodes[i].is_object() ? node_text(nodes[i], "stage") : "";
    auto it = std::find_if(bands.begin(), bands.end(), [&](const Band& b) { return b.stage == stage; });
    if (it == bands.end()) bands.push_back({stage, at.y[i], at.y[i]});
    else it->top = std::min(it->top, at.y[i]), it->bottom = std::max(it->bottom, at.y[i]);
  }
  std::sort(bands.begin(), bands.end(), [](const Band& a, const Band& b) { return a.top < b.top; });
  for (size_t k = 1; k < bands.size(); ++k)
    if (bands[k].top <= bands[k - 1].bottom) return "";
  std::string out;
  for (size_t k = 0; k < bands.size(); ++k) {
    const Band& b = bands[k];
    int top = b.top - (kDagRowHeight - kDagBoxHeight) / 2;
    int height = b.bottom - b.top + kDagRowHeight;
    out += fmt::format(
        "<g class=\"stage\" data-stage=\"{0}\"><rect x=\"{1}\" y=\"{2}\" width=\"{3}\" height=\"{4}\" "
        "fill=\"{5}\" stroke=\"none\"/><text x=\"{6}\" y=\"{7}\" class=\"stage-name\">{0}</text></g>\n",
        html_escape(b.stage), kDagMargin / 2, top, at.width - kDagMargin, height,
        k % 2 ? "#ffffff" : "#f4f6f8", kDagMargin + 4, top + 20);
  }
  return out;
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
    names[i] = nodes[i].is_object() ? node_text(nodes[i], "name") : "";
    if (nodes[i].is_object() && nodes[i].contains("deps") && nodes[i]["deps"].is_array())
      for (const json& d : nodes[i]["deps"])
        if (d.is_number_integer() && d.get<int64_t>() >= 0 && d.get<uint64_t>() < n)
          deps[i].push_back(d.get<int>());
  }
  DagLayout at = place_nodes(deps, layers(deps));
  // Scaled down, never cut, in a window narrower than the drawing (viewBox and max-width).
  std::string out = fmt::format(
      "<svg id=\"dag\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" "
      "role=\"img\" aria-label=\"the flow's steps and their dependencies, top to bottom\">\n"
      "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" "
      "markerHeight=\"7\" orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#888\"/></marker></defs>\n",
      at.width, at.height);
  out += stage_bands(nodes, at);
  for (size_t i = 0; i < n; ++i)
    for (int d : deps[i]) {
      size_t j = static_cast<size_t>(d);
      int x1 = at.x[j] + kDagBoxWidth / 2, y1 = at.y[j] + kDagBoxHeight;
      int x2 = at.x[i] + kDagBoxWidth / 2, y2 = at.y[i];
      int bend = std::max(12, (y2 - y1) / 2);
      out += fmt::format("<path class=\"edge\" d=\"M{},{} C{},{} {},{} {},{}\" fill=\"none\" "
                         "marker-end=\"url(#arrow)\"/>\n",
                         x1, y1, x1, y1 + bend, x2, y2 - bend, x2, y2);
    }
  for (size_t i = 0; i < n; ++i) {
    auto it = status.find(names[i]);
    std::string s = it == status.end() ? "not run" : it->second;
    std::string kind = nodes[i].is_object() ? node_text(nodes[i], "kind") : "";
    std::string shown = label(names[i]);
    // A long name is squeezed to the box rather than cut further.
    std::string fit = shown.size() > 36 ? fmt::format(" textLength=\"{}\" lengthAdjust=\"spacingAndGlyphs\"",
                                                      kDagBoxWidth - 16)
                                        : "";
    out += fmt::format(
        "<a href=\"#step-{0}\"><g class=\"node\" data-step=\"{0}\" data-kind=\"{1}\" data-status=\"{2}\">"
        "<title>{0} ({1}): {2}</title><rect x=\"{3}\" y=\"{4}\" width=\"{5}\" height=\"{6}\" rx=\"{11}\" "
        "fill=\"{7}\"/><text x=\"{8}\" y=\"{9}\"{12}>{10}</text></g></a>\n",
        html_escape(names[i]), html_escape(kind), html_escape(s), at.x[i], at.y[i], kDagBoxWidth, kDagBoxHeight,
        outcome_colour(s), at.x[i] + 8, at.y[i] + 20, html_escape(shown), kind == "gate" ? 14 : 4, fit);
  }
  out += "</svg>\n";
  return out;
}

}  // namespace flow::rt
