#pragma once
// Drawings of a flow's DAG for Graphviz (dot) and Mermaid. Stages are clusters; agent steps,
// commands, human approvals and gates have distinct shapes; gate edges are bold and the rework
// edges (gate back to the work it sends back) are dashed and red. A stage or node that runs only
// when a condition holds says `when CONDITION` under its name and has a dashed outline.
#include <string>

#include "ir/ir.h"

namespace flow {

std::string graph_dot(const ir::Flow& flow);
std::string graph_mermaid(const ir::Flow& flow);

}  // namespace flow
