#!/usr/bin/env python3
"""Saves the public pages of a --demo-still site, to show that a change renders the same pages.

    scripts/page-snapshot.py snapshot DIR [--binary PATH] [--at "YYYY-MM-DD HH:MM:SS"]
                                          [--real-clock] [--database URL] [--keep]
    scripts/page-snapshot.py compare DIR_A DIR_B

`snapshot` starts `tribune serve --demo --demo-still` from the binary given (default:
target/debug/tribune) on a free port over an empty temporary data directory, fetches the home
page, every article, topic, author, match, comment thread and feed page, the topic index, the
transparency report, the sitemaps, robots.txt and the stylesheet and script (found from the
sitemaps and from the pages' own links), and writes each into DIR: the status, the headers a
reader's browser or a CDN acts on, and the body with what legitimately differs between two
runs masked (see MASKS). `compare` says which pages differ and how; it exits 0 only when both
directories hold the same pages with the same bytes.

Use it around a change: build the old binary, snapshot, build the new one, snapshot, compare.

The demo's times are relative to the moment it is loaded. With faketime installed (Debian:
`apt-get install faketime`) the site starts with its clock set to --at (UTC; it ticks on
from there), so the demo lands on the same minute in every run: only seconds and
milliseconds are masked, and a change that shifts a time, a date or a day heading shows.
Without faketime (or with --real-clock) every clock time, date and day heading is masked,
and an article a few minutes from a Brussels midnight can still move between the ticker's
days from one run to the next.

Only the Python standard library is needed.
"""

import argparse
import difflib
import hashlib
import html
import html.parser
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

# Where a crawl may go: the public pages and what they are made of.
FOLLOW = (
    "/nieuws/",
    "/onderwerp/",
    "/onderwerpen",
    "/auteur/",
    "/wedstrijden",
    "/reacties/",
    "/peilingen/",
    "/transparantie",
    "/feed.xml",
    "/atom.xml",
    "/sitemap.xml",
    "/sitemaps/",
    "/robots.txt",
    "/assets/",
)
# Never fetched: live streams never end, and the rest is personal, the desk's, or depends on
# the search index being built in the background.
SKIP = ("/live/", "/api/", "/redactie", "/moderatie", "/zoeken", "/media/", "/melden")
# A comment's reply and report links only send an anonymous reader to the login page.
SKIP_PATTERN = re.compile(r"^/reacties/\d+/")
# The pages a crawl starts from.
SEEDS = (
    "/",
    "/sitemap.xml",
    "/robots.txt",
    "/feed.xml",
    "/atom.xml",
    "/onderwerpen",
    "/wedstrijden",
    "/transparantie",
)
# Headers a browser or a CDN acts on; ETag and Last-Modified follow from the (masked) times.
HEADERS = ("content-type", "cache-control", "surrogate-key", "location", "vary")
MAX_PAGES = 5000

WEEKDAYS = "maandag|dinsdag|woensdag|donderdag|vrijdag|zaterdag|zondag"
MONTHS = "januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december"
EN_DAYS = "Mon|Tue|Wed|Thu|Fri|Sat|Sun"
EN_MONTHS = "Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec"

# What differs between two runs of the same binary, and why. Always: the demo is loaded a
# moment after the site starts, and that moment's seconds and milliseconds vary.
MASKS = (
    # RFC 3339 / W3C times (<time datetime>, Atom, sitemaps): seconds and fraction.
    (r"(T\d{2}:\d{2}):\d{2}(?:\.\d+)?", r"\1:<SS>"),
    # RFC 822 times (RSS): seconds.
    (rf"((?:{EN_DAYS}), \d{{1,2}} (?:{EN_MONTHS}) \d{{4}} \d{{2}}:\d{{2}}):\d{{2}}", r"\1:<SS>"),
    # Unix milliseconds: comment-page cursors ("MILLIS.ID").
    (r"\b1\d{12}\b", "<MS>"),
)
# With a real clock the demo lands on another minute, maybe another day, in every run.
REAL_CLOCK_MASKS = (
    (r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}", "<TIME>"),
    (rf"(?:{EN_DAYS}), \d{{1,2}} (?:{EN_MONTHS}) \d{{4}} \d{{2}}:\d{{2}}", "<TIME>"),
    (r"\b\d{4}-\d{2}-\d{2}\b", "<DATE>"),
    # Day headings and labels: "Vandaag", "gisteren", "maandag 21/11".
    (rf"\b(?:[Vv]andaag|[Gg]isteren|(?:{WEEKDAYS}) \d{{2}}/\d{{2}})\b", "<DAY>"),
    # "zondag 22 november 2026 om 16:30"
    (rf"\b(?:{WEEKDAYS})\b", "<WEEKDAY>"),
    (rf"\b\d{{1,2}} (?:{MONTHS})(?: \d{{4}})?", "<DAY MONTH>"),
    (r"\b\d{2}/\d{2}\b", "<DD/MM>"),
    # Clock times, but not UTC offsets ("+01:00"), which do not move with the minute.
    (r"(?<![+-])\b\d{2}:\d{2}\b", "<HH:MM>"),
)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url, timeout=60):
    """(status, headers, body) without following redirects."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(url, headers={"Accept-Encoding": "identity"})
    try:
        with opener.open(request, timeout=timeout) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


class Links(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if value and (name == "href" or (name == "src" and tag == "script")):
                self.found.append(value)


def links_in(content_type, text):
    if "html" in content_type:
        parser = Links()
        parser.feed(text)
        return parser.found
    if "xml" in content_type or "text/plain" in content_type:
        found = re.findall(r"<loc>\s*([^<\s]+)\s*</loc>", text)
        found += re.findall(r"<link>\s*([^<\s]+)\s*</link>", text)
        found += re.findall(r'href="([^"]+)"', text)
        found += re.findall(r"^Sitemap:\s*(\S+)", text, re.M)
        return [html.unescape(u) for u in found]
    if "css" in content_type:
        return re.findall(r"url\(['\"]?(/[^'\")]+)", text)
    return []


def local_path(base, link):
    """The path and query of a link into the site, or None for one that leads elsewhere."""
    url = urllib.parse.urljoin(base + "/", link)
    parts = urllib.parse.urlsplit(url)
    if f"{parts.scheme}://{parts.netloc}" != base:
        return None
    path = parts.path or "/"
    return path + (f"?{parts.query}" if parts.query else "")


def wanted(path):
    bare = path.split("?", 1)[0]
    if any(bare.startswith(p) for p in SKIP) or SKIP_PATTERN.match(bare):
        return False
    return bare == "/" or any(bare.startswith(p) for p in FOLLOW)


def mask(text, base, real_clock):
    text = text.replace(base, "http://SITE")
    for pattern, replacement in MASKS + (REAL_CLOCK_MASKS if real_clock else ()):
        text = re.sub(pattern, replacement, text)
    return text


def file_name(path):
    return urllib.parse.quote(path, safe="") + ".page"


def start_site(binary, database, data_dir, port, at):
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRIBUNE_")}
    env.setdefault("RUST_LOG", "warn")
    args = [binary, "--data-dir", data_dir]
    if at:
        # The wall clock starts at `at` and ticks on; timers keep the real monotonic clock.
        env["TZ"] = "UTC"
        env["FAKETIME_DONT_FAKE_MONOTONIC"] = "1"
        args = ["faketime", "-m", at] + args
    if database:
        args += ["--database", database]
    args += ["serve", "--listen", f"127.0.0.1:{port}", "--demo", "--demo-still"]
    log = open(os.path.join(data_dir, "serve.log"), "wb")
    return subprocess.Popen(args, env=env, stdout=log, stderr=subprocess.STDOUT)


def wait_ready(site, base, log_path, limit=300):
    started = time.monotonic()
    while time.monotonic() - started < limit:
        if site.poll() is not None:
            sys.exit(f"the site stopped (exit {site.returncode}); its log:\n{open(log_path).read()}")
        try:
            if fetch(base + "/readyz", timeout=5)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    sys.exit(f"the site was not ready within {limit} s; its log:\n{open(log_path).read()}")


def stop_site(site):
    if site.poll() is None:
        site.send_signal(signal.SIGTERM)
        try:
            site.wait(timeout=20)
        except subprocess.TimeoutExpired:
            site.kill()
            site.wait()


def crawl(base, out, real_clock):
    seen = set()
    queue = list(SEEDS)
    index = []
    while queue:
        path = queue.pop(0)
        if path in seen or not wanted(path):
            continue
        seen.add(path)
        if len(seen) > MAX_PAGES:
            sys.exit(f"more than {MAX_PAGES} pages: is the crawl running in circles?")
        status, headers, body = fetch(base + path)
        content_type = headers.get("content-type", "")
        textual = content_type.startswith("text/") or "xml" in content_type or "json" in content_type
        lines = [f"{status} {path}"]
        for h in HEADERS:
            for value in headers.get_all(h) or []:
                lines.append(f"{h}: {mask(value, base, real_clock)}")
        lines.append("")
        if textual:
            text = body.decode("utf-8", errors="replace")
            lines.append(mask(text, base, real_clock))
            for link in links_in(content_type, text):
                target = local_path(base, link.strip())
                if target and target not in seen:
                    queue.append(target)
        else:
            lines.append(f"{len(body)} bytes, sha256 {hashlib.sha256(body).hexdigest()}")
        with open(os.path.join(out, file_name(path)), "w", encoding="utf-8") as f:
            f.write("\n".join(lines))
        index.append(f"{status} {path}")
    with open(os.path.join(out, "INDEX"), "w", encoding="utf-8") as f:
        f.write("\n".join(sorted(index)) + "\n")
    return index


def snapshot(args):
    binary = os.path.abspath(args.binary)
    if not os.access(binary, os.X_OK):
        sys.exit(f"{binary} is not an executable: build it first (cargo build -p tribune)")
    if os.path.exists(args.dir) and os.listdir(args.dir):
        sys.exit(f"{args.dir} is not empty: snapshots go into a new directory")
    os.makedirs(args.dir, exist_ok=True)
    data_dir = tempfile.mkdtemp(prefix="tribune-snapshot-")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    real_clock = args.real_clock or shutil.which("faketime") is None
    if real_clock and not args.real_clock:
        print("faketime not found: the site runs on the real clock and every time is masked")
    site = start_site(binary, args.database, data_dir, port, None if real_clock else args.at)
    try:
        wait_ready(site, base, os.path.join(data_dir, "serve.log"))
        index = crawl(base, args.dir, real_clock)
    finally:
        stop_site(site)
        if args.keep:
            print(f"data directory kept: {data_dir}")
        else:
            shutil.rmtree(data_dir, ignore_errors=True)
    kinds = {}
    for line in index:
        path = line.split(" ", 1)[1]
        kind = "/" + path.split("?", 1)[0].strip("/").split("/", 1)[0]
        kinds[kind] = kinds.get(kind, 0) + 1
    summary = ", ".join(f"{k} {n}" for k, n in sorted(kinds.items()))
    clock = "the real clock" if real_clock else f"a clock set to {args.at} UTC"
    print(f"{len(index)} pages from {binary} on {clock} in {args.dir} ({summary})")
    not_ok = [line for line in index if not line.startswith(("200 ", "301 "))]
    if not_ok:
        print("answered other than 200/301:\n  " + "\n  ".join(not_ok))


def compare(args):
    a = set(f for f in os.listdir(args.a) if f.endswith(".page"))
    b = set(f for f in os.listdir(args.b) if f.endswith(".page"))
    name = lambda f: urllib.parse.unquote(f[: -len(".page")])
    different = 0
    for f in sorted(a - b):
        print(f"only in {args.a}: {name(f)}")
    for f in sorted(b - a):
        print(f"only in {args.b}: {name(f)}")
    for f in sorted(a & b):
        with open(os.path.join(args.a, f), encoding="utf-8") as fa, open(
            os.path.join(args.b, f), encoding="utf-8"
        ) as fb:
            left, right = fa.read(), fb.read()
        if left != right:
            different += 1
            print(f"differs: {name(f)}")
            diff = difflib.unified_diff(
                left.splitlines(), right.splitlines(), args.a, args.b, lineterm="", n=1
            )
            for i, line in enumerate(diff):
                if i >= args.lines:
                    print("  ...")
                    break
                print("  " + line)
    same = len(a & b) - different
    print(
        f"{same} pages the same, {different} different, "
        f"{len(a - b)} only in {args.a}, {len(b - a)} only in {args.b}"
    )
    return 0 if different == 0 and a == b else 1


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    snap = sub.add_parser("snapshot", help="save the pages of a fresh demo site into DIR")
    snap.add_argument("dir")
    snap.add_argument("--binary", default="target/debug/tribune", help="the tribune binary to run")
    snap.add_argument(
        "--database",
        help="an empty database to use instead of SQLite in the temporary data directory "
        "(postgres://USER@HOST/DB)",
    )
    snap.add_argument(
        "--at",
        default="2026-11-22 14:00:00",
        help="the UTC time the site's clock starts at (with faketime); a match-day Sunday by default",
    )
    snap.add_argument(
        "--real-clock", action="store_true", help="run on the real clock even if faketime is there"
    )
    snap.add_argument("--keep", action="store_true", help="keep the temporary data directory")
    cmp_ = sub.add_parser("compare", help="report the differences between two snapshots")
    cmp_.add_argument("a")
    cmp_.add_argument("b")
    cmp_.add_argument("--lines", type=int, default=40, help="diff lines shown per page")
    args = parser.parse_args()
    if args.command == "snapshot":
        snapshot(args)
        return 0
    return compare(args)


if __name__ == "__main__":
    sys.exit(main())
