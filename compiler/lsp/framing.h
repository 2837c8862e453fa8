#pragma once
// The Language Server Protocol's base layer on a byte stream: each message is a header block
// (`Content-Length: N`, other headers ignored) ending in an empty line, then N bytes of JSON.
#include <cstdio>
#include <string>

namespace flow::lsp {

enum class ReadStatus { Message, End, BadHeader };

// Reads one message's body. End: the stream ended (between messages or inside one).
// BadHeader: a header block without a usable Content-Length (`error` says why); the block has
// been consumed, so the caller may go on reading.
ReadStatus read_message(std::FILE* in, std::string* body, std::string* error);

// Writes one message with its header and flushes. False when the stream is broken.
bool write_message(std::FILE* out, const std::string& body);

}  // namespace flow::lsp
