"""A fake OpenTelemetry collector on 127.0.0.1 for `flow run --otlp-endpoint`: it keeps every
POST (path, content type, body) and answers 200 with `{}`."""
import http.server
import threading


class Collector(http.server.BaseHTTPRequestHandler):
    received = []

    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        Collector.received.append((self.path, self.headers.get("Content-Type"), body))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


def start_collector():
    """A running collector; its URL is f"http://127.0.0.1:{server.server_port}/". Call
    `server.shutdown()` when done."""
    Collector.received = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Collector)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
