#pragma once
// The server's state and its handling of one message at a time (JSON-RPC 2.0): lifecycle,
// document synchronization and the dispatch of requests to the features.
#include <cstdio>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "compiler/lsp/analysis.h"
#include "compiler/lsp/documents.h"
#include "compiler/lsp/protocol.h"

namespace flow::lsp {

// JSON-RPC and LSP error codes.
enum ErrorCode {
  kParseError = -32700,
  kInvalidRequest = -32600,
  kMethodNotFound = -32601,
  kInvalidParams = -32602,
  kInternalError = -32603,
  kServerNotInitialized = -32002,
  kRequestFailed = -32803,
};

// Thrown by a handler to answer its request with an error; caught in Session::handle.
struct RequestError {
  int code;
  std::string message;
};

class Session {
 public:
  Session(std::FILE* out, std::FILE* log, CompileOptions options, std::string version);
  // Handles one message body. Returns true when the client sent `exit`.
  bool handle(const std::string& body);
  int exit_status() const { return shutdown_ ? 0 : 1; }
  void log(const std::string& line) const;

 private:
  void handle_message(const nlohmann::json& msg);
  nlohmann::json request(const std::string& method, const nlohmann::json& params);
  nlohmann::json feature(const std::string& method, const nlohmann::json& params);
  nlohmann::json format_document(const std::string& uri);
  void notification(const std::string& method, const nlohmann::json& params);
  nlohmann::json initialize(const nlohmann::json& params);
  void did_open(const nlohmann::json& params);
  void did_change(const nlohmann::json& params);
  void did_close(const nlohmann::json& params);

  const Analysis& analysis(const std::string& uri);
  void document_changed(const std::string& uri);
  void recheck(const std::string& uri);
  void publish(const std::string& uri, const std::map<std::string, nlohmann::json>& by_uri);

  void send(const nlohmann::json& msg);
  void respond(const nlohmann::json& id, nlohmann::json result);
  void respond_error(const nlohmann::json& id, int code, const std::string& message);

  std::FILE* out_;
  std::FILE* log_;
  CompileOptions options_;
  std::string version_;
  bool initialized_ = false;
  bool shutdown_ = false;
  bool exit_ = false;
  Encoding encoding_ = Encoding::Utf16;
  DocumentStore store_;
  std::map<std::string, std::unique_ptr<Analysis>> analyses_;  // by URI; absent = stale
  std::map<std::string, std::set<std::string>> published_;     // URIs each document published to
  std::map<std::string, std::set<std::string>> reads_;  // paths each document's compile read
};

}  // namespace flow::lsp
