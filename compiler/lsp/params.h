#pragma once
// Reading request parameters: a missing or mistyped field is a RequestError (InvalidParams)
// naming the field, never an exception of the JSON library.
#include <cstdint>
#include <string>

#include "compiler/lsp/position.h"
#include "compiler/lsp/protocol.h"
#include "compiler/lsp/session.h"

namespace flow::lsp {

const nlohmann::json& field(const nlohmann::json& object, const char* name);
std::string string_field(const nlohmann::json& object, const char* name);
int64_t integer_field(const nlohmann::json& object, const char* name);
Position position_field(const nlohmann::json& object, const char* name);
// params.textDocument.uri
std::string document_uri(const nlohmann::json& params);

}  // namespace flow::lsp
