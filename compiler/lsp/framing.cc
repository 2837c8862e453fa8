#include "compiler/lsp/framing.h"

#include <cctype>
#include <cstdlib>
#include <string_view>

namespace flow::lsp {
namespace {

// Larger messages are refused rather than buffered: no .flow file comes near this.
constexpr size_t kMaxBody = size_t{64} << 20;

// One header line without its CR LF; false at the end of the stream.
bool read_line(std::FILE* in, std::string* line) {
  line->clear();
  for (int c; (c = std::fgetc(in)) != EOF;) {
    if (c == '\n') {
      if (!line->empty() && line->back() == '\r') line->pop_back();
      return true;
    }
    if (line->size() < 4096) line->push_back(static_cast<char>(c));
  }
  return false;
}

// The value of a `Content-Length` header line, -1 for another header, -2 when malformed.
long long content_length(std::string_view line) {
  constexpr std::string_view kName = "content-length:";
  if (line.size() < kName.size()) return -1;
  for (size_t i = 0; i < kName.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(line[i])) != kName[i]) return -1;
  std::string_view v = line.substr(kName.size());
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  if (v.empty() || v.size() > 12) return -2;
  long long n = 0;
  for (char c : v) {
    if (c < '0' || c > '9') return -2;
    n = n * 10 + (c - '0');
  }
  return n;
}

}  // namespace

ReadStatus read_message(std::FILE* in, std::string* body, std::string* error) {
  std::string line;
  long long length = -1;
  bool bad = false, any = false;
  while (true) {
    if (!read_line(in, &line)) return ReadStatus::End;
    if (line.empty()) {
      if (!any) continue;  // stray blank lines between messages
      break;
    }
    any = true;
    long long n = content_length(line);
    if (n == -2) bad = true;
    if (n >= 0) length = n;
  }
  if (bad || length < 0) {
    *error = bad ? "the Content-Length header is not a number"
                 : "a message has no Content-Length header";
    return ReadStatus::BadHeader;
  }
  if (static_cast<unsigned long long>(length) > kMaxBody) {
    // Skip the body so that the next message can still be read.
    for (long long i = 0; i < length; ++i)
      if (std::fgetc(in) == EOF) return ReadStatus::End;
    *error = "a message is larger than 64 MiB";
    return ReadStatus::BadHeader;
  }
  body->resize(static_cast<size_t>(length));
  if (length > 0 && std::fread(body->data(), 1, body->size(), in) != body->size())
    return ReadStatus::End;
  return ReadStatus::Message;
}

bool write_message(std::FILE* out, const std::string& body) {
  std::string header = "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  if (std::fwrite(header.data(), 1, header.size(), out) != header.size()) return false;
  if (std::fwrite(body.data(), 1, body.size(), out) != body.size()) return false;
  return std::fflush(out) == 0;
}

}  // namespace flow::lsp
