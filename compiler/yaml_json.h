#pragma once
// A YAML value of an agent file's frontmatter (mcpServers, hooks) as JSON text, for the IR.
#include <string>

#include <yaml-cpp/yaml.h>

namespace flow {

// Compact JSON text with sorted keys, so the same YAML always gives the same bytes and the
// IR's reader gives back exactly this text. Plain scalars are typed by YAML 1.2's core schema
// (null, booleans, numbers); quoted ones are strings. A YAML escape such as "\xFF" can decode
// to bytes that are not UTF-8; they are replaced.
std::string yaml_to_json_text(const YAML::Node& node);

}  // namespace flow
