#include "compiler/lsp/session.h"

#include "compiler/lsp/features.h"
#include "compiler/lsp/framing.h"
#include "compiler/lsp/params.h"

namespace flow::lsp {

Session::Session(std::FILE* out, std::FILE* log, CompileOptions options, std::string version)
    : out_(out), log_(log), options_(std::move(options)), version_(std::move(version)) {}

void Session::log(const std::string& line) const {
  std::fprintf(log_, "flowc lsp: %s\n", line.c_str());
  std::fflush(log_);
}

void Session::send(const nlohmann::json& msg) {
  // Text that is not UTF-8 (a file name, a file's bytes) is replaced, never a reason to fail.
  std::string body = msg.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (!write_message(out_, body)) log("cannot write to the client");
}

void Session::respond(const nlohmann::json& id, nlohmann::json result) {
  send({{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}});
}

void Session::respond_error(const nlohmann::json& id, int code, const std::string& message) {
  send({{"jsonrpc", "2.0"}, {"id", id}, {"error", {{"code", code}, {"message", message}}}});
}

bool Session::handle(const std::string& body) {
  nlohmann::json msg = nlohmann::json::parse(body, nullptr, false);
  if (msg.is_discarded()) {
    log("a message is not valid JSON");
    respond_error(nullptr, kParseError, "the message is not valid JSON");
    return false;
  }
  handle_message(msg);
  return exit_;
}

void Session::handle_message(const nlohmann::json& msg) {
  const bool has_id = msg.is_object() && msg.contains("id");
  nlohmann::json id = has_id ? msg["id"] : nlohmann::json(nullptr);
  if (has_id && !id.is_string() && !id.is_number_integer()) id = nullptr;
  if (!msg.is_object() || !msg.contains("method") || !msg["method"].is_string()) {
    // A response to a request of ours (we send none) is dropped; anything else is invalid.
    if (msg.is_object() && has_id && (msg.contains("result") || msg.contains("error"))) return;
    respond_error(id, kInvalidRequest, "a message needs a string `method`");
    return;
  }
  const std::string method = msg["method"];
  const nlohmann::json params = msg.value("params", nlohmann::json::object());
  try {
    if (!has_id) {
      notification(method, params);
    } else if (id.is_null()) {
      respond_error(nullptr, kInvalidRequest, "a request's `id` must be a string or an integer");
    } else {
      respond(id, request(method, params));
    }
  } catch (const RequestError& e) {
    if (has_id && !id.is_null()) respond_error(id, e.code, e.message);
    else log(method + ": " + e.message);
  } catch (const std::exception& e) {
    // A mistyped field the handlers did not check, or a bug: answer, never die.
    log(method + ": " + e.what());
    if (has_id && !id.is_null()) respond_error(id, kInternalError, method + " failed: " + e.what());
  }
}

nlohmann::json Session::request(const std::string& method, const nlohmann::json& params) {
  if (method == "initialize") {
    if (initialized_) throw RequestError{kInvalidRequest, "the server is already initialized"};
    initialized_ = true;
    return initialize(params);
  }
  if (!initialized_) throw RequestError{kServerNotInitialized, "send `initialize` first"};
  if (shutdown_) throw RequestError{kInvalidRequest, "the server is shutting down"};
  if (method == "shutdown") {
    shutdown_ = true;
    return nullptr;
  }
  return feature(method, params);
}

void Session::notification(const std::string& method, const nlohmann::json& params) {
  if (method == "exit") {
    exit_ = true;
    return;
  }
  if (!initialized_ || shutdown_) return;  // dropped, as the protocol asks
  if (method == "textDocument/didOpen") did_open(params);
  else if (method == "textDocument/didChange") did_change(params);
  else if (method == "textDocument/didClose") did_close(params);
  // Everything else (initialized, didSave, $/cancelRequest, ...) needs nothing from us.
}

nlohmann::json Session::initialize(const nlohmann::json& params) {
  encoding_ = Encoding::Utf16;
  if (params.is_object()) {
    const nlohmann::json caps = params.value("capabilities", nlohmann::json::object());
    const nlohmann::json general =
        caps.is_object() ? caps.value("general", nlohmann::json::object()) : nlohmann::json();
    if (general.is_object() && general.contains("positionEncodings") &&
        general["positionEncodings"].is_array())
      for (const nlohmann::json& e : general["positionEncodings"])
        if (e == "utf-8") encoding_ = Encoding::Utf8;
  }
  nlohmann::json caps = {
      {"positionEncoding", encoding_ == Encoding::Utf8 ? "utf-8" : "utf-16"},
      {"textDocumentSync", {{"openClose", true}, {"change", 1}}},
      {"hoverProvider", true},
      {"definitionProvider", true},
      {"referencesProvider", true},
      {"completionProvider", {{"triggerCharacters", {"/", " "}}}},
      {"documentSymbolProvider", true},
      {"renameProvider", {{"prepareProvider", true}}},
      {"documentFormattingProvider", true},
  };
  return {{"capabilities", caps}, {"serverInfo", {{"name", "flowc"}, {"version", version_}}}};
}

}  // namespace flow::lsp
