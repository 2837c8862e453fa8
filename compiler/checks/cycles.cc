// Dependency cycles (E0200), and the special case of a `uses` that points at a later step
// (E0401). Tarjan's algorithm, iteratively (a 100k-step chain must not overflow the stack):
// one pass over nodes and edges finds every strongly connected component; each one that is a
// cycle is reported once, with one concrete cycle through it.
#include <algorithm>
#include <unordered_map>

#include <fmt/format.h>

#include "compiler/checks/checks.h"
#include "compiler/diagnostic_registry.h"

namespace flow {
namespace {

// Components with more than one node, or one node that waits for itself.
std::vector<std::vector<uint32_t>> cyclic_components(const ir::Flow& f) {
  const uint32_t n = static_cast<uint32_t>(f.nodes.size());
  std::vector<uint32_t> index(n, kNone), low(n, 0);
  std::vector<bool> on_stack(n, false);
  std::vector<uint32_t> stack;
  std::vector<std::pair<uint32_t, size_t>> work;  // (node, next dep to visit)
  std::vector<std::vector<uint32_t>> out;
  uint32_t counter = 0;
  for (uint32_t root = 0; root < n; ++root) {
    if (index[root] != kNone) continue;
    work.push_back({root, 0});
    while (!work.empty()) {
      auto& [v, next] = work.back();
      if (next == 0 && index[v] == kNone) {
        index[v] = low[v] = counter++;
        stack.push_back(v);
        on_stack[v] = true;
      }
      const std::vector<uint32_t>& deps = f.nodes[v].deps;
      if (next < deps.size()) {
        uint32_t w = deps[next++];
        if (index[w] == kNone)
          work.push_back({w, 0});
        else if (on_stack[w])
          low[v] = std::min(low[v], index[w]);
        continue;
      }
      uint32_t done = v;
      work.pop_back();
      if (!work.empty()) low[work.back().first] = std::min(low[work.back().first], low[done]);
      if (low[done] != index[done]) continue;
      std::vector<uint32_t> comp;
      uint32_t w;
      do {
        w = stack.back();
        stack.pop_back();
        on_stack[w] = false;
        comp.push_back(w);
      } while (w != done);
      bool self = std::find(f.nodes[done].deps.begin(), f.nodes[done].deps.end(), done) !=
                  f.nodes[done].deps.end();
      if (comp.size() > 1 || self) out.push_back(std::move(comp));
    }
  }
  return out;
}

// One cycle inside a component, as a list of nodes where each waits for the next and the
// last waits for the first. Breadth-first, so the cycle shown is a shortest one.
std::vector<uint32_t> one_cycle(const ir::Flow& f, std::vector<uint32_t> comp) {
  std::sort(comp.begin(), comp.end());
  uint32_t start = comp.front();
  std::unordered_map<uint32_t, uint32_t> parent;
  std::vector<uint32_t> queue{start};
  parent[start] = kNone;
  for (size_t qi = 0; qi < queue.size(); ++qi) {
    uint32_t v = queue[qi];
    for (uint32_t w : f.nodes[v].deps) {
      if (!std::binary_search(comp.begin(), comp.end(), w)) continue;
      if (w == start) {
        std::vector<uint32_t> path;
        for (uint32_t x = v; x != kNone; x = parent[x]) path.push_back(x);
        std::reverse(path.begin(), path.end());
        return path;
      }
      if (parent.emplace(w, v).second) queue.push_back(w);
    }
  }
  return {start};
}

std::string show_path(const ir::Flow& f, const std::vector<uint32_t>& nodes) {
  constexpr size_t kShown = 12;
  std::string s;
  for (size_t i = 0; i < nodes.size() && i < kShown; ++i)
    s += (i ? " -> `" : "`") + f.nodes[nodes[i]].name + "`";
  if (nodes.size() > kShown) s += fmt::format(" -> ... ({} more)", nodes.size() - kShown);
  return s;
}

}  // namespace

void check_cycles(const CheckContext& ctx) {
  const ir::Flow& f = ctx.lowered.flow;
  std::vector<std::vector<uint32_t>> cyclic = cyclic_components(f);
  if (cyclic.empty()) return;  // the usual case: the edge table below is not needed
  std::unordered_map<uint64_t, const RefEdge*> edges;
  for (const RefEdge& e : ctx.lowered.ref_edges)
    edges.emplace(uint64_t(e.from) << 32 | e.to, &e);
  for (std::vector<uint32_t>& comp : cyclic) {
    std::vector<uint32_t> waits = one_cycle(f, std::move(comp));  // each waits for the next
    // In running order: the reverse of "waits for", closed back to where it started.
    std::vector<uint32_t> order(waits.rbegin(), waits.rend());
    order.push_back(order.front());
    const RefEdge* uses = nullptr;
    const RefEdge* after = nullptr;
    for (size_t i = 0; i < waits.size(); ++i) {
      uint32_t from = waits[i], to = waits[(i + 1) % waits.size()];
      auto it = edges.find(uint64_t(from) << 32 | to);
      if (it == edges.end()) continue;
      if (it->second->uses && !uses) uses = it->second;
      if (!it->second->uses && !after) after = it->second;
    }
    if (uses) {
      const std::string& user = f.nodes[uses->from].name;
      const std::string& used = f.nodes[uses->to].name;
      Diagnostic d = make_diagnostic(
          "E0401", uses->span,
          fmt::format("`{}` uses the output of `{}`, which runs after it", user, used));
      // The path from the user to the used step, in running order.
      std::vector<uint32_t> path;
      size_t k = std::find(waits.begin(), waits.end(), uses->to) - waits.begin();
      for (size_t i = 0; i < waits.size(); ++i) path.push_back(waits[(k + i) % waits.size()]);
      std::reverse(path.begin(), path.end());
      d.notes.push_back(fmt::format("`{}` waits for `{}`: {}", used, user, show_path(f, path)));
      d.help = fmt::format("move `{}` after `{}`, or drop `uses {}`", user, used, used);
      ctx.diags.push_back(std::move(d));
      continue;
    }
    Span at = after ? after->span : ctx.lowered.node_spans[waits.front()];
    Diagnostic d = make_diagnostic("E0200", at,
                                   fmt::format("dependency cycle: {}", show_path(f, order)));
    d.notes.push_back("each must finish before the next starts, so none of them can start");
    d.help = "remove one of the `after` or `uses` edges in the cycle";
    ctx.diags.push_back(std::move(d));
  }
}

}  // namespace flow
