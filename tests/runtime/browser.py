"""Pages loaded in a real headless browser (Debian's `chromium`), for the tests of `flow
report`: the dumped DOM as a list of elements, every console message the page caused, and how
wide the page lays out in a window of a given width."""
import html
import html.parser
import os
import re
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


def page_widths(page, width, base):
    """(scrollWidth, clientWidth) of `page`'s document in a window `width` px wide: a copy in
    `base` gets one more script, carrying the page's own nonce (its CSP refuses any other),
    that writes both onto <body> for --dump-dom."""
    with open(page, encoding="utf-8") as f:
        text = f.read()
    nonce = re.search(r'<script nonce="([^"]+)"', text)
    if not nonce:
        raise RuntimeError(f"{page} has no script with a nonce")
    probe = (f'<script nonce="{nonce.group(1)}">var d = document.documentElement;'
             'document.body.setAttribute("data-widths", d.scrollWidth + " " + d.clientWidth);</script>')
    copy = os.path.join(base, "measured-" + os.path.basename(page))
    with open(copy, "w", encoding="utf-8") as f:
        f.write(text.replace("</body>", probe + "</body>"))
    dom, console = chromium(copy, f"--window-size={width},900", "--dump-dom")
    if console:
        raise RuntimeError(f"the measured page logged: {console}")
    found = parse(dom).all("body")
    widths = found[0].get("data-widths", "") if found else ""
    if not re.fullmatch(r"\d+ \d+", widths):
        raise RuntimeError(f"no widths measured: {widths!r}")
    scroll, client = widths.split()
    return int(scroll), int(client)


def text_of(dom, tag, element_id):
    """The text of the first <tag id="element_id"> of the dumped DOM, tags removed, entities
    decoded, runs of white space as one space; None when there is no such element."""
    found = re.search(rf'<{tag} id="{re.escape(element_id)}"[^>]*>(.*?)</{tag}>', dom, re.S)
    if not found:
        return None
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", found.group(1))).split())
