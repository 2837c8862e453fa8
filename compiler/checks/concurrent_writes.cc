// E0500: two agent steps that may run at the same time and may write the same files.
//
// Two agent steps may run at the same time exactly when neither reaches the other in the
// dependency graph (gates included): block structure does not matter, so two stages that both
// wait only for the same stage are concurrent, and `parallel < a; b after a >` is not.
//
// Near-linear: writers are first grouped by overlapping `writes` patterns (only patterns whose
// literal starts and ends are compatible are compared: overlapping_pairs), and each group of two or
// more steps is tested by a walk over the graph in topological order (up to 16 groups share
// one walk): sorted by that order, the group's steps are pairwise ordered iff each one reaches
// the next, and "the latest group member among my ancestors" is one max per node and group. A group that is not a chain (a real
// conflict, the rare case) is searched again pattern pair by pattern pair to name the steps.
#include <algorithm>
#include <deque>
#include <numeric>
#include <set>

#include <fmt/format.h>

#include "compiler/checks/checks.h"
#include "compiler/diagnostic_registry.h"
#include "ir/glob.h"
#include "ir/topo_order.h"

namespace flow {
namespace {

constexpr size_t kMaxReports = 10;

struct Writer {
  std::string_view prefix, pattern;
  uint32_t node;
  bool unscoped = false;  // the agent may write but declares no `writes`: "**" stands for it
};

// Each node's position in the topological order (ir/topo_order.h); kNone for nodes on a
// cycle (reported by check_cycles; they are left out here).
std::vector<uint32_t> topo_positions(const ir::Flow& f, std::vector<uint32_t>& order) {
  order = ir::topo_order(f);
  std::vector<uint32_t> pos(f.nodes.size(), kNone);
  for (uint32_t i = 0; i < order.size(); ++i) pos[order[i]] = i;
  return pos;
}

struct Concurrency {
  const ir::Flow& f;
  std::vector<uint32_t> order, pos;

  explicit Concurrency(const ir::Flow& flow) : f(flow) { pos = topo_positions(f, order); }

  // For each group of nodes (distinct, each with a position): whether its nodes are pairwise
  // ordered. Groups go through the graph together, up to kBatch at a time, each node keeping
  // per group "1 + the index of the latest member among my ancestors" (0: none) in a row of
  // its own, so that one walk over the edges serves every group of the batch.
  std::vector<bool> chains(std::vector<std::vector<uint32_t>>& groups) {
    constexpr size_t kBatch = 16;
    std::vector<bool> ordered(groups.size(), true);
    std::vector<uint32_t> up;
    for (size_t b0 = 0; b0 < groups.size(); b0 += kBatch) {
      const size_t k = std::min(kBatch, groups.size() - b0);
      uint32_t from = UINT32_MAX, to = 0;
      for (size_t g = 0; g < k; ++g) {
        std::vector<uint32_t>& nodes = groups[b0 + g];
        std::sort(nodes.begin(), nodes.end(),
                  [&](uint32_t a, uint32_t b) { return pos[a] < pos[b]; });
        from = std::min(from, pos[nodes.front()]);
        to = std::max(to, pos[nodes.back()]);
      }
      const size_t rows = to - from + 1;
      // Per node, a row of kBatch columns, one per group (unused columns stay 0): before the
      // walk reaches it, 1 + its index as a member (0: not one); after, the larger of that and
      // the latest member among its ancestors (what the nodes that wait for it see). Rows of a
      // constant width let the compiler vectorize the inner loops.
      up.assign(rows * kBatch, 0);
      for (size_t g = 0; g < k; ++g)
        for (uint32_t i = 0; i < groups[b0 + g].size(); ++i)
          up[(pos[groups[b0 + g][i]] - from) * kBatch + g] = i + 1;
      uint32_t broken[kBatch] = {};  // per group: a member without the one before above it
      for (uint32_t p = from; p <= to; ++p) {
        uint32_t best[kBatch] = {};
        for (uint32_t d : f.nodes[order[p]].deps) {
          if (pos[d] < from) continue;  // before every member: no member above it
          uint32_t above[kBatch];
          std::copy_n(&up[(pos[d] - from) * kBatch], kBatch, above);
          for (size_t g = 0; g < kBatch; ++g) best[g] = std::max(best[g], above[g]);
        }
        uint32_t here[kBatch];  // a copy, so that the compiler sees it alias nothing
        std::copy_n(&up[(p - from) * kBatch], kBatch, here);
        for (size_t g = 0; g < kBatch; ++g) {
          // The member with index m (stored m + 1) must have member m - 1 (stored m) above it.
          broken[g] |= static_cast<uint32_t>(here[g] > 1) &
                       static_cast<uint32_t>(best[g] + 1 != here[g]);
          here[g] = std::max(here[g], best[g]);
        }
        std::copy_n(here, kBatch, &up[(p - from) * kBatch]);
      }
      for (size_t g = 0; g < k; ++g)
        if (broken[g]) ordered[b0 + g] = false;
    }
    return ordered;
  }

  // The first pair of `nodes` (distinct, all with a position) that may run at the same time,
  // or {kNone, kNone} when every pair is ordered. Sorted by position, each node must have the
  // one before it among its ancestors.
  std::pair<uint32_t, uint32_t> first_concurrent(std::vector<uint32_t> nodes) {
    std::sort(nodes.begin(), nodes.end(), [&](uint32_t a, uint32_t b) { return pos[a] < pos[b]; });
    // The walk of chains() for one group, stopping at the first break.
    std::vector<uint32_t> latest(pos[nodes.back()] - pos[nodes.front()] + 1, 0);
    std::vector<uint32_t> member(latest.size(), 0);
    const uint32_t from = pos[nodes.front()];
    for (uint32_t i = 0; i < nodes.size(); ++i) member[pos[nodes[i]] - from] = i + 1;
    for (uint32_t p = from; p < from + latest.size(); ++p) {
      uint32_t best = 0;
      for (uint32_t d : f.nodes[order[p]].deps)
        if (pos[d] >= from) best = std::max({best, member[pos[d] - from], latest[pos[d] - from]});
      latest[p - from] = best;
      uint32_t m = member[p - from];
      if (m > 1 && best != m - 1) return {nodes[m - 2], order[p]};
    }
    return {kNone, kNone};
  }
};
struct UnionFind {
  std::vector<uint32_t> up;
  explicit UnionFind(size_t n) : up(n) { std::iota(up.begin(), up.end(), 0u); }
  uint32_t find(uint32_t x) {
    while (up[x] != x) x = up[x] = up[up[x]];
    return x;
  }
};

// Every (step, pattern) pair of the agent steps that may write, sorted by literal prefix,
// pattern and step. Built per writing agent (there are few) and its steps, in node order, so
// that only the patterns are sorted, not one entry per step and pattern. An agent that may
// write and declares no `writes` may write anything ("**"); `{item}` in a pattern stands for
// any item ("*"), since another step cannot know which. `owned` keeps such rewritten patterns.
std::vector<Writer> collect_writers(const CheckContext& ctx, std::deque<std::string>& owned) {
  const std::vector<AgentDef>& agents = ctx.program.agents;
  std::vector<bool> writes(agents.size());
  for (size_t a = 0; a < agents.size(); ++a) writes[a] = writing_tool(agents[a].agent) != nullptr;
  std::vector<std::vector<uint32_t>> steps_of(agents.size());
  const std::vector<uint32_t>& node_agents = ctx.lowered.node_agents;
  for (uint32_t id = 0; id < node_agents.size(); ++id)
    if (node_agents[id] != kNoAgent && writes[node_agents[id]])
      steps_of[node_agents[id]].push_back(id);
  struct Pattern {
    std::string_view prefix, pattern;
    uint32_t agent;
    bool unscoped;
  };
  static const std::string kAnywhere = "**";
  std::vector<Pattern> patterns;
  for (uint32_t a = 0; a < agents.size(); ++a) {
    if (steps_of[a].empty()) continue;
    const std::vector<std::string>& ws = agents[a].agent.writes;
    if (ws.empty()) patterns.push_back({glob_prefix(kAnywhere), kAnywhere, a, true});
    for (const std::string& w : ws) {
      std::string_view p = w;
      if (w.find(ir::kItemPlaceholder) != std::string::npos)
        p = owned.emplace_back(ir::writes_for_any_item(w));
      patterns.push_back({glob_prefix(p), p, a, false});
    }
  }
  std::sort(patterns.begin(), patterns.end(), [](const Pattern& x, const Pattern& y) {
    return x.prefix != y.prefix ? x.prefix < y.prefix : x.pattern < y.pattern;
  });
  std::vector<Writer> writers;
  for (size_t i = 0; i < patterns.size();) {
    size_t j = i + 1;
    while (j < patterns.size() && patterns[j].pattern == patterns[i].pattern) ++j;
    const size_t start = writers.size();
    for (size_t k = i; k < j; ++k)
      for (uint32_t node : steps_of[patterns[k].agent])
        writers.push_back({patterns[i].prefix, patterns[i].pattern, node, patterns[k].unscoped});
    if (j - i > 1)  // the pattern of several agents (or written twice): steps in node order
      std::sort(writers.begin() + start, writers.end(),
                [](const Writer& x, const Writer& y) { return x.node < y.node; });
    i = j;
  }
  return writers;
}

void report(const CheckContext& ctx, const Writer& first, const Writer& second) {
  const ir::Flow& f = ctx.lowered.flow;
  const ir::Node& a = ctx.lowered.flow.nodes[first.node];
  const ir::Node& b = ctx.lowered.flow.nodes[second.node];
  if (first.unscoped || second.unscoped) {  // nothing to compare: said as a warning
    const ir::Node& open = first.unscoped ? a : b;
    Diagnostic d = make_diagnostic(
        "W0107", ctx.lowered.node_spans[b.id],
        fmt::format("steps `{}` and `{}` may run at the same time and may write the same files",
                    a.name, b.name));
    d.secondary.push_back({ctx.lowered.node_spans[a.id], "may run at the same time"});
    d.notes.push_back(fmt::format("`{}` holds a writing tool but declares no `writes`, so it may "
                                  "write anywhere", f.agent_name(open.agent_call().agent)));
    d.help = "declare where each agent writes (`writes \"src/api/**\"`), so that flowc can tell "
             "their files apart, or make one step wait for the other with `after`";
    ctx.diags.push_back(std::move(d));
    return;
  }
  Diagnostic d = make_diagnostic(
      "E0500", ctx.lowered.node_spans[b.id],
      fmt::format("steps `{}` and `{}` may run at the same time and write the same files", a.name,
                  b.name));
  d.secondary.push_back({ctx.lowered.node_spans[a.id],
                         fmt::format("`{}` writes \"{}\"", f.agent_name(a.agent_call().agent),
                                     first.pattern)});
  d.notes.push_back(fmt::format("`{}` writes \"{}\", and neither step waits for the other",
                                f.agent_name(b.agent_call().agent), second.pattern));
  d.help = "narrow the `writes` patterns so they cannot meet, or make one step wait for the other "
           "with `after`";
  ctx.diags.push_back(std::move(d));
}

}  // namespace

void check_concurrent_writes(const CheckContext& ctx) {
  const ir::Flow& f = ctx.lowered.flow;
  std::deque<std::string> owned;
  std::vector<Writer> writers = collect_writers(ctx, owned);
  if (writers.size() < 2) return;
  // Distinct patterns, each with its writers' range in `writers`.
  std::vector<std::pair<size_t, size_t>> patterns;
  for (size_t i = 0; i < writers.size();) {
    size_t j = i + 1;
    while (j < writers.size() && writers[j].pattern == writers[i].pattern) ++j;
    patterns.push_back({i, j});
    i = j;
  }
  // Overlapping pattern pairs (ir/glob.h says how they are found), each pattern's
  // after the pattern itself.
  UnionFind groups(patterns.size());
  std::vector<std::string_view> texts;
  for (const auto& p : patterns) texts.push_back(writers[p.first].pattern);
  std::vector<std::pair<uint32_t, uint32_t>> pairs = overlapping_pairs(texts), overlaps;
  for (uint32_t i = 0, next = 0; i < patterns.size(); ++i) {
    overlaps.push_back({i, i});
    for (; next < pairs.size() && pairs[next].first == i; ++next) {
      overlaps.push_back(pairs[next]);
      groups.up[groups.find(pairs[next].second)] = groups.find(i);
    }
  }
  std::vector<std::vector<uint32_t>> group_nodes(patterns.size());
  for (uint32_t i = 0; i < patterns.size(); ++i)
    for (size_t k = patterns[i].first; k < patterns[i].second; ++k)
      group_nodes[groups.find(i)].push_back(writers[k].node);

  std::optional<Concurrency> mhp;
  std::vector<bool> group_ordered(patterns.size(), true);
  auto nodes_of = [&](std::vector<uint32_t> v) {
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
    v.erase(std::remove_if(v.begin(), v.end(), [&](uint32_t n) { return mhp->pos[n] == kNone; }),
            v.end());
    return v;
  };
  std::vector<std::vector<uint32_t>> to_test;
  std::vector<uint32_t> tested;  // the group of each entry of to_test
  for (uint32_t g = 0; g < patterns.size(); ++g) {
    if (group_nodes[g].size() < 2) continue;
    if (!mhp) mhp.emplace(f);
    std::vector<uint32_t> nodes = nodes_of(std::move(group_nodes[g]));
    if (nodes.size() < 2) continue;
    to_test.push_back(std::move(nodes));
    tested.push_back(g);
  }
  if (!to_test.empty()) {
    std::vector<bool> ordered = mhp->chains(to_test);
    for (size_t t = 0; t < tested.size(); ++t) group_ordered[tested[t]] = ordered[t];
  }
  // Only groups with a conflict: find it pattern pair by pattern pair, to name the patterns.
  std::set<std::pair<uint32_t, uint32_t>> reported;
  for (const auto& overlap : overlaps) {
    // Not a structured binding: writer_of captures these, which clang 14 refuses for bindings.
    const uint32_t i = overlap.first, j = overlap.second;
    if (reported.size() >= kMaxReports) break;
    if (group_ordered[groups.find(i)]) continue;
    std::vector<uint32_t> both;
    for (uint32_t p : {i, j})
      for (size_t k = patterns[p].first; k < patterns[p].second; ++k) both.push_back(writers[k].node);
    both = nodes_of(std::move(both));
    if (both.size() < 2) continue;
    auto [u, v] = mhp->first_concurrent(both);
    if (u == kNone || !reported.insert(std::minmax(u, v)).second) continue;
    auto writer_of = [&](uint32_t node) {
      for (uint32_t p : {i, j})
        for (size_t k = patterns[p].first; k < patterns[p].second; ++k)
          if (writers[k].node == node) return writers[k];
      return writers[patterns[i].first];
    };
    Writer wu = writer_of(u), wv = writer_of(v);
    if (u < v) report(ctx, wu, wv); else report(ctx, wv, wu);
  }
}

}  // namespace flow
