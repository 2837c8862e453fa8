"""Pages loaded in a real headless browser (Debian's `chromium`), for the tests of `flow
report`: the dumped DOM as a list of elements, and every console message the page caused."""
import html.parser
import shutil
import subprocess

CHROMIUM = shutil.which("chromium")


def chromium(page, *extra):
    """Loads `page` headless; returns (dumped DOM, console messages). Chromium writes every
    console message, uncaught errors and CSP refusals included, as an INFO:CONSOLE log line."""
    args = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--enable-logging=stderr", "--v=0", *extra, "file://" + page]
    r = subprocess.run(args, capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        raise RuntimeError(f"chromium exited {r.returncode}: {r.stderr[-2000:]}")
    console = [line for line in r.stderr.splitlines() if ":CONSOLE" in line]
    return r.stdout, console


class Dom(html.parser.HTMLParser):
    """The elements of the dumped DOM: (tag, attributes) in document order."""
    def __init__(self):
        super().__init__()
        self.elements = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    def all(self, tag, **want):
        return [a for t, a in self.elements if t == tag and all(a.get(k) == v for k, v in want.items())]


def parse(dom):
    p = Dom()
    p.feed(dom)
    return p
