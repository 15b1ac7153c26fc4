#!/usr/bin/env python3
"""check_pages.py — drives headless Chromium over the DevTools protocol to check the pages
netlabd serves. Every page (index, helloWorld, status, the 404 page, and the status page on
a classroom fixture) is loaded at 1280x720 and 1024x768 in the light and the dark theme:
no console errors, no horizontal overflow, no address or path broken inside itself, the
summary cards in even rows, and no axe-core violation (WCAG 2.1 A/AA + best practice);
a screenshot of each goes to --out. Then the functions: helloWorld.html's client box and
its example command (run as printed), index.html's echo commands (the Python one-liner
is run), status.html's numbers while we send echo traffic, the Gilbert-Elliott mean loss
and burst length, round chart ticks that fit, dashboard polls left out of the HTTP
chart, chart text summaries, data tables and line patterns, live regions that stay quiet
unless the state changes, the pause control, and the page once netlabd is stopped.

Languages (issue 19): before that, every page is loaded in a browser started with
--lang=zh-CN and in one with --lang=en-US: <html lang>, headings and labels in that
language, the status page's numbers and units formatted for it, no console errors,
layout and axe-core at both viewports, a screenshot of each (lang-zh-CN-*.png,
lang-en-US-*.png), and the switch in the header, which overrides the browser's
language and is remembered across pages.

The classroom fixture is a status document rewritten once a second into --fixtures (a
directory below the served root), read by the page as ?api=/fixtures/status.json.

Uses --remote-debugging-pipe (fd 3 in, fd 4 out, NUL-separated JSON), so it needs only
the Python standard library: no websocket module, no open debugging port. axe-core
(--axe, the pinned axe.min.js) is injected into each page with Runtime.evaluate.

Exit status: 0 all checks passed, 1 a check failed, 77 Chromium could not start (skip)."""

import argparse
import base64
import json
import os
import select
import shlex
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time


class CdpError(Exception):
    pass


class Browser:
    def __init__(self, chromium, profile, log_path, lang="en-US"):
        # Our pipe ends: we write commands to w_cmd, read answers from r_evt.
        r_cmd, w_cmd = os.pipe()
        r_evt, w_evt = os.pipe()
        args = [
            chromium,
            "--headless", "--no-sandbox", "--disable-gpu",
            "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run", "--no-default-browser-check",
            "--disable-extensions", "--mute-audio", "--hide-scrollbars",
            "--window-size=1280,1000", "--force-device-scale-factor=1",
            "--user-data-dir=" + profile,
            "--lang=" + lang, "--accept-lang=" + lang,
            "--remote-debugging-pipe",
            "about:blank",
        ]

        def child_fds():
            # Chromium wants the pipe at fds 3 and 4. Park both ends on high numbers
            # first, so no dup2() clobbers a source that already sits on 3 or 4.
            hi_a = os.dup2(r_cmd, 100)
            hi_b = os.dup2(w_evt, 101)
            os.dup2(hi_a, 3, inheritable=True)
            os.dup2(hi_b, 4, inheritable=True)
            os.close(hi_a)
            os.close(hi_b)

        self.log = open(log_path, "wb")
        # close_fds=False: subprocess would close 3 and 4 after preexec_fn; Python's own
        # descriptors are close-on-exec anyway (PEP 446).
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=self.log,
                                     stderr=subprocess.STDOUT, preexec_fn=child_fds,
                                     close_fds=False, start_new_session=True)
        os.close(r_cmd)
        os.close(w_evt)
        self.w = w_cmd
        self.r = r_evt
        self.buf = b""
        self.next_id = 1
        self.events = []

    def close(self):
        try:
            self.send("Browser.close", timeout=5)
        except Exception:
            pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        os.close(self.w)
        os.close(self.r)
        self.log.close()

    def _read_message(self, deadline):
        while b"\0" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select([self.r], [], [], left)
            if not ready:
                return None
            chunk = os.read(self.r, 1 << 20)
            if not chunk:
                raise CdpError("Chromium closed the DevTools pipe (crashed?)")
            self.buf += chunk
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def send(self, method, params=None, session=None, timeout=15):
        mid = self.next_id
        self.next_id += 1
        msg = {"id": mid, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        data = json.dumps(msg).encode() + b"\0"
        while data:
            n = os.write(self.w, data)
            data = data[n:]
        deadline = time.monotonic() + timeout
        while True:
            m = self._read_message(deadline)
            if m is None:
                raise CdpError("no answer to %s within %s s" % (method, timeout))
            if m.get("id") == mid:
                if "error" in m:
                    raise CdpError("%s failed: %s" % (method, m["error"]))
                return m.get("result", {})
            self.events.append(m)

    def pump(self, seconds):
        """Collects events for @seconds."""
        deadline = time.monotonic() + seconds
        while True:
            m = self._read_message(deadline)
            if m is None:
                return
            self.events.append(m)

    def wait_event(self, method, session, timeout):
        deadline = time.monotonic() + timeout
        seen = 0
        while True:
            for m in self.events[seen:]:
                if m.get("method") == method and m.get("sessionId") == session:
                    return m
            seen = len(self.events)
            m = self._read_message(deadline)
            if m is None:
                raise CdpError("no %s within %s s" % (method, timeout))
            self.events.append(m)


class Page:
    def __init__(self, browser):
        self.b = browser
        target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = browser.send("Target.attachToTarget",
                                    {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            self.send(domain + ".enable")

    def send(self, method, params=None, timeout=15):
        return self.b.send(method, params, session=self.session, timeout=timeout)

    def view(self, width, height, theme):
        """Viewport size and prefers-color-scheme for what follows."""
        self.send("Emulation.setDeviceMetricsOverride", {"width": width, "height": height,
                                                         "deviceScaleFactor": 1, "mobile": False})
        self.send("Emulation.setEmulatedMedia", {"features": [
            {"name": "prefers-color-scheme", "value": theme}]})

    def navigate(self, url):
        self.b.events.clear()
        self.send("Page.navigate", {"url": url})
        self.b.wait_event("Page.loadEventFired", self.session, 15)

    def eval(self, expr):
        r = self.send("Runtime.evaluate", {"expression": expr, "returnByValue": True,
                                           "awaitPromise": True})
        if "exceptionDetails" in r:
            # A missing element on a broken page: the check using the value fails.
            d = r["exceptionDetails"]
            print("   (evaluating %r threw %s)" % (expr[:80], d.get("exception", {}).get("description", d)))
            return None
        return r["result"].get("value")

    def errors(self):
        """Console errors, uncaught exceptions and failed loads seen since navigate()."""
        out = []
        for m in self.b.events:
            if m.get("sessionId") != self.session:
                continue
            p = m.get("params", {})
            if m.get("method") == "Runtime.exceptionThrown":
                d = p.get("exceptionDetails", {})
                out.append("exception: %s %s" % (d.get("text", ""),
                                                 d.get("exception", {}).get("description", "")))
            elif m.get("method") == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                out.append("console.%s: %s" % (p["type"], " ".join(
                    str(a.get("value", a.get("description", ""))) for a in p.get("args", []))))
            elif m.get("method") == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
                e = p["entry"]
                out.append("log: %s %s" % (e.get("text", ""), e.get("url", "")))
        return out

    def screenshot(self, path):
        data = self.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True},
                         timeout=30)["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))


def send_echo(addr, count, duration):
    """Sends @count netlab probes (doc/protocol.md) spread over @duration seconds;
    returns how many replies came back."""
    host, port = addr.rsplit(":", 1)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    s.setblocking(False)
    replies = 0
    session = int.from_bytes(os.urandom(8), "big")
    for seq in range(count):
        probe = struct.pack(">4sBBHQQQ", b"NLAB", 1, 0, 0, session, seq,
                            time.time_ns() // 1000) + bytes(32)
        s.sendto(probe, (host, int(port)))
        end = time.monotonic() + duration / count
        while time.monotonic() < end:
            if select.select([s], [], [], max(0, end - time.monotonic()))[0]:
                try:
                    s.recv(2048)
                    replies += 1
                except BlockingIOError:
                    pass
    end = time.monotonic() + 1
    while time.monotonic() < end and replies < count:
        if select.select([s], [], [], 0.1)[0]:
            s.recv(2048)
            replies += 1
    s.close()
    return replies


def number(text):
    """'1,234' -> 1234; anything else -> None."""
    try:
        return int(str(text).replace(",", ""))
    except ValueError:
        return None


FAILED = []


def check(cond, what):
    print(("ok: " if cond else "FAIL: ") + what, flush=True)
    if not cond:
        FAILED.append(what)


def wait_for(page, expr, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if page.eval(expr):
            return True
        page.b.pump(0.2)
    return False


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--chromium", default=shutil.which("chromium") or "chromium")
    ap.add_argument("--base", required=True, help="http://127.0.0.1:PORT")
    ap.add_argument("--echo", required=True, help="127.0.0.1:PORT of the echo service")
    ap.add_argument("--out", required=True, help="directory for screenshots")
    ap.add_argument("--axe", required=True, help="axe-core's axe.min.js")
    ap.add_argument("--fixtures", required=True,
                    help="directory served as /fixtures/ for the classroom status document")
    ap.add_argument("--daemon-pid", type=int, help="netlabd to stop for the offline check")
    args = ap.parse_args()

    os.makedirs(args.out, exist_ok=True)
    for lang in ("zh-CN", "en-US"):
        r = run_lang_checks(args, lang)
        if r is not None:
            return r
    profile = tempfile.mkdtemp(prefix="netlab-chromium-")
    try:
        try:
            browser = Browser(args.chromium, profile, os.path.join(args.out, "chromium.log"))
            browser.send("Browser.getVersion", timeout=30)
        except (OSError, CdpError) as e:
            print("SKIP: cannot start Chromium: %s" % e)
            return 77
        try:
            run_checks(browser, args)
        finally:
            browser.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)

    if FAILED:
        print("%d check(s) failed" % len(FAILED))
        return 1
    return 0


VIEWPORTS = ((1280, 720), (1024, 768))
THEMES = ("light", "dark")
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


def fixture_status(n):
    """The status document a classroom daemon would serve after @n seconds: Gilbert-Elliott
    loss, long listen lists and paths, status_allow set, and the optional
    http.dashboard_requests counter. Every counter is linear in @n, so each rate the page
    derives from two documents is exact: 100 received, 85 replied, 15 dropped, 10 HTTP
    requests of which 4 are dashboard polls, 50000 response bytes (48.8 KiB) per second."""
    return {
        "version": "0.1.0-fixture", "start_time": 1700000000.0, "now": 1700000100.0 + n,
        "uptime_seconds": 100.0 + n,
        "daemon": {"reloads": 2, "reload_failures": 1, "oom": 0},
        "config": {
            "path": "/etc/netlab/classroom/networking-lab-2025-autumn.conf",
            "echo": {
                "enabled": True,
                "listen": ["127.0.0.1:28080", "192.168.100.200:28081",
                           "[2001:db8:1234:5678::abcd]:28080"],
                "loss": 0, "loss_model": "gilbert-elliott",
                "gilbert_elliott": {"p": 0.05, "r": 0.3, "loss_good": 0, "loss_bad": 1},
                "delay_ms": 20, "jitter_ms": 5, "distribution": "uniform", "duplicate": 0,
                "reorder": 0, "reorder_gap": 3, "max_queue": 65536, "rate_limit": 0,
                "rate_burst": 1000, "allow_low_ports": False, "seed": "1",
                "max_payload": 65507, "lab_compat": "off", "max_flows": 16384,
            },
            "http": {
                "enabled": True,
                "listen": ["127.0.0.1:28080", "[2001:db8:1234:5678::abcd]:28080"],
                "root": "/usr/local/share/netlab/www/course-pages/networking-2025",
                "index": "index.html", "max_connections": 4096,
                "header_timeout_ms": 10000, "keepalive_timeout_ms": 15000,
                "status_path": "/api/status",
                "status_allow": ["127.0.0.0/8", "192.168.100.0/24", "2001:db8:1234::/48"],
            },
        },
        "echo": {
            "received": 100 * n, "replied": 85 * n,
            "dropped": {"loss": 15 * n, "rate_limit": 0, "low_port": 0, "self": 0,
                        "queue_full": 0, "too_big": 0, "truncated": 0, "send_error": 0},
            "duplicated": 0, "reordered": 0, "delayed": 85 * n, "probes": 100 * n,
            "bytes_in": 6400 * n, "bytes_out": 5440 * n, "queued_replies": 3, "flows": 12,
            "profiles": fixture_profiles(n),
        },
        "http": {
            "connections_accepted": 10 * n, "connections_rejected": 0, "open_connections": 2,
            "requests": 10 * n, "dashboard_requests": 4 * n, "response_bytes": 50000 * n,
            "timeouts": 0, "bad_requests": 0,
            "responses_by_class": {"1xx": 0, "2xx": 7 * n, "3xx": n, "4xx": n, "5xx": n},
            "responses_by_code": {"200": 7 * n, "304": n, "404": n, "503": n},
        },
    }


def fixture_profiles(n):
    """Three groups sending and the default one: per second group-a 40 received, 40
    replied; group-b 30, 21 replied, 9 lost; group-c (Gilbert-Elliott, 20 ms) 30, 24, 6."""
    def imp(loss_model="random", loss=0.0, delay=0, jitter=0):
        return {"summary": "", "loss": loss, "loss_model": loss_model, "ge_p": 0.05, "ge_r": 0.3,
                "ge_loss_good": 0, "ge_loss_bad": 1, "delay_ms": delay, "jitter_ms": jitter,
                "distribution": "uniform", "duplicate": 0, "reorder": 0, "reorder_gap": 3,
                "rate_limit": 0, "rate_burst": 1000, "lab_compat": False}

    def prof(name, match, impairment, mean_loss, mean_burst, flows, rx, tx, lost):
        return {"name": name, "match": match, "impairment": impairment, "mean_loss": mean_loss,
                "mean_burst": mean_burst, "flows": flows, "received": rx * n, "replied": tx * n,
                "dropped": {"loss": lost * n, "rate_limit": 0, "queue_full": 0}}
    return [
        prof("default", "everyone else", imp(), 0, 0, 0, 0, 0, 0),
        prof("group-a", "sources 10.0.1.0/24", imp(), 0, 0, 2, 40, 40, 0),
        prof("group-b", "sources 10.0.2.0/24, 2001:db8:2::/48", imp(loss=0.3), 0.3, 1.4285714, 2, 30, 21, 9),
        prof("group-c", "ports 28081", imp("gilbert-elliott", 0, 20, 5), 0.14285714, 3.3333333, 1, 30, 24, 6),
    ]


def fixture_flows(n):
    """/api/flows of the classroom fixture: five clients (one silent) and, for 10.0.2.7,
    a record with a dropped text ping."""
    now = 1700000100.0 + n

    def flow(peer, profile, kind, rx, tx, idle, seq=None):
        return {"peer": peer, "profile": profile, "kind": kind, "received": rx * n, "replied": tx * n,
                "dropped": {"loss": (rx - tx) * n, "rate_limit": 0, "queue_full": 0},
                "first_seen": now - 100, "last_seen": now - idle, "last_seq": seq, "idle_seconds": idle}
    record = []
    for k in range(12):
        lost = k % 4 == 1
        record.append({"time": now - k, "peer": "10.0.2.7:53001", "profile": "group-b", "bytes": 20,
                       "seq": None, "payload": "Ping %d 1700000%03d.5" % (30 - k, k),
                       "verdict": "dropped" if lost else "replied", "reason": "loss" if lost else None,
                       "delay_ms": 0.0, "duplicated": False, "reordered": False})
    return {
        "max_flows": 512, "truncated": False,
        "flows": [
            flow("10.0.1.11:40001", "group-a", "probe", 20, 20, 0.2, 20 * n),
            flow("10.0.1.12:40002", "group-a", "probe", 20, 20, 0.4, 20 * n),
            flow("10.0.2.7:53001", "group-b", "plain", 30, 21, 0.1),
            flow("192.168.100.31:28081", "group-c", "probe", 30, 24, 0.3, 30 * n),
            flow("[2001:db8:2::9]:50000", "group-b", "plain", 1, 1, 42.0),
        ],
        "record": {"size": 65536, "max_entries": 4096, "truncated": False, "entries": record},
    }


class FixtureWriter(threading.Thread):
    """Rewrites fixtures/status.json once a second (atomically, by rename) while the
    checks run; the page reads it through the real server as ?api=/fixtures/status.json."""

    def __init__(self, directory):
        super().__init__(daemon=True)
        self.path = os.path.join(directory, "status.json")
        self.stop = threading.Event()
        self.t0 = time.monotonic()
        self.write(1)

    def write(self, n):
        for path, doc in ((self.path, fixture_status(n)),
                          (os.path.join(os.path.dirname(self.path), "flows.json"), fixture_flows(n))):
            tmp = path + ".tmp"
            with open(tmp, "w") as f:
                json.dump(doc, f)
            os.rename(tmp, path)

    def run(self):
        last = 1
        while not self.stop.wait(0.2):
            n = 1 + int(time.monotonic() - self.t0)
            if n != last:
                self.write(n)
                last = n


def axe_check(page, axe_src, what):
    """Injects axe-core (once per document) and fails on any violation."""
    if not page.eval("typeof window.axe === 'object'"):
        page.send("Runtime.evaluate", {"expression": axe_src}, timeout=30)
    res = page.eval("""axe.run(document, {runOnly: {type: 'tag', values: %s},
                                          resultTypes: ['violations']})
        .then(r => r.violations.map(v => ({id: v.id, impact: v.impact,
              nodes: v.nodes.map(n => n.target.join(' ') + ': ' +
                                 (n.failureSummary || '').replace(/\\s+/g, ' ').slice(0, 160))})))"""
                    % json.dumps(AXE_TAGS))
    if res is None:
        check(False, "%s: axe-core ran" % what)
        return
    detail = "; ".join("%s (%s) on %s" % (v["id"], v["impact"], " | ".join(v["nodes"][:3]))
                       for v in res)
    check(not res, "%s: no axe-core violations%s" % (what, (": " + detail) if detail else ""))


LAYOUT_JS = """(() => {
    const out = [];
    const de = document.documentElement;
    if (de.scrollWidth > window.innerWidth)
        out.push('page scrolls sideways: ' + de.scrollWidth + ' > ' + window.innerWidth);
    for (const el of document.querySelectorAll('pre, .card, .stat, dd, td'))
        if (el.scrollWidth > el.clientWidth + 1)
            out.push((el.id || el.className || el.tagName) + ' overflows: ' +
                     el.scrollWidth + ' > ' + el.clientWidth);
    /* An address or path token never wraps inside itself. */
    for (const el of document.querySelectorAll('.tok'))
        if (el.getClientRects().length > 1)
            out.push('token broken across lines: ' + el.textContent);
    /* The summary cards fill their rows evenly: no card alone on the last row. */
    const tops = {};
    for (const el of document.querySelectorAll('.stats > .stat'))
        tops[el.offsetTop] = (tops[el.offsetTop] || 0) + 1;
    const rows = Object.values(tops);
    if (rows.length > 1 && rows[rows.length - 1] !== rows[0])
        out.push('summary cards in uneven rows: ' + rows.join('+'));
    return out; })()"""


def layout_check(page, what):
    problems = page.eval(LAYOUT_JS)
    check(problems == [], "%s: layout (no overflow, no broken tokens, even card rows)%s" %
          (what, (": " + "; ".join(problems)) if problems else ""))


def status_ready(page, samples=2):
    """Waits until status.html is connected and every chart has @samples points."""
    return wait_for(page, """document.getElementById('conn').classList.contains('ok') &&
        window.netlab && Object.values(window.netlab.charts).every(
            c => c.data[0].length >= %d)""" % samples, 8)


def sweep(page, url, name, axe_src, out, ready=None):
    """Every viewport and theme: load, layout, axe, screenshot. (The 404 page's own
    status is the one console error expected on it.)"""
    for w, h in VIEWPORTS:
        for theme in THEMES:
            page.view(w, h, theme)
            page.navigate(url)
            if ready:
                ready(page)
            else:
                page.b.pump(0.3)
            what = "%s %dx%d %s" % (name, w, h, theme)
            errs = [e for e in page.errors()
                    if not (name == "404" and "status of 404" in e and e.endswith(url))]
            check(not errs, "%s: no console errors %s" % (what, errs or ""))
            layout_check(page, what)
            axe_check(page, axe_src, what)
            page.screenshot(os.path.join(out, "%s-%dx%d-%s.png" % (name, w, h, theme)))


LIVE_WATCH_JS = """(() => {
    window.__liveMutations = [];
    const obs = new MutationObserver(ms => {
        for (const m of ms)
            window.__liveMutations.push((m.target.id || m.target.parentElement.id || '?') + ': ' +
                                        (m.target.textContent || '').slice(0, 60));
    });
    for (const el of document.querySelectorAll('[aria-live], [role=status], [role=alert], [role=log]'))
        obs.observe(el, {childList: true, subtree: true, characterData: true});
    return document.querySelectorAll('[aria-live], [role=status], [role=alert], [role=log]').length;
})()"""


def run_checks(browser, args):
    page = Page(browser)
    base = args.base.rstrip("/")
    host = base.split("//", 1)[1]
    with open(args.axe, encoding="utf-8") as f:
        axe_src = f.read()
    fixtures = FixtureWriter(args.fixtures)
    fixtures.start()
    fixture_url = base + "/status.html?api=/fixtures/status.json"

    # ---- every page, both viewports, both themes -------------------------------------------
    sweep(page, base + "/helloWorld.html", "helloWorld", axe_src, args.out)
    sweep(page, base + "/index.html", "index", axe_src, args.out,
          lambda p: wait_for(p, "document.getElementById('cfg-loss').textContent.includes('%')", 5))
    sweep(page, base + "/no/such/page.html", "404", axe_src, args.out)
    sweep(page, base + "/status.html", "status", axe_src, args.out, status_ready)
    sweep(page, fixture_url, "status-classroom", axe_src, args.out, lambda p: status_ready(p, 3))

    page.view(1280, 720, "light")

    # ---- helloWorld.html: the lab page, at exactly this path ---------------------------------
    page.navigate(base + "/helloWorld.html")
    page.b.pump(0.3)
    check(page.eval("document.querySelector('h1') && document.querySelector('h1').textContent") == "Hello, World!",
          "helloWorld.html: heading 'Hello, World!'")
    check(page.eval("document.querySelectorAll('main p').length") >= 1, "helloWorld.html: has a paragraph")
    check(page.eval("document.querySelectorAll('main ul li a').length") >= 3, "helloWorld.html: has a list of links")
    check(page.eval("[...document.styleSheets].some(s => s.href && s.href.endsWith('/style.css') && s.cssRules.length > 10)"),
          "helloWorld.html: style.css loaded and parsed")
    check(page.eval("getComputedStyle(document.querySelector('.site-header')).borderBottomStyle") == "solid",
          "helloWorld.html: CSS applied")
    box = page.eval("(document.getElementById('own-client') || {}).textContent") or ""
    for need in ("Host:", "CRLF", "Connection: close", "Content-Length"):
        check(need in box, "helloWorld.html: 'writing your own client?' box mentions %s" % need)
    cmd = page.eval("document.getElementById('hello-curl').textContent") or ""
    check(("http://%s/helloWorld.html" % host) in cmd,
          "helloWorld.html: example command names the host and port it was served from (%s)" % cmd)
    res = subprocess.run(shlex.split(cmd.replace("curl -v", "curl -sS")), capture_output=True,
                         timeout=10) if cmd.startswith("curl ") else None
    check(res is not None and res.returncode == 0 and b"Hello, World!" in res.stdout,
          "helloWorld.html: its example command works as printed")

    # ---- index.html: live impairment from the API, commands that work -----------------------
    page.navigate(base + "/index.html")
    ok = wait_for(page, "document.getElementById('cfg-loss').textContent.includes('%')", 5)
    check(ok, "index.html: impairment filled from /api/status (%s)" %
          page.eval("document.getElementById('cfg-loss').textContent"))
    check("not reachable" not in str(page.eval("document.getElementById('impair-state').textContent")),
          "index.html: status API reachable")
    port = args.echo.rsplit(":", 1)[1]
    target = page.eval("document.querySelector('.js-ping-target').textContent")
    check(target == ("127.0.0.1" if port == "8080" else "127.0.0.1:" + port),
          "index.html: netlab-ping hint names this host and echo port (%s)" % target)
    check("netcat-openbsd" in str(page.eval("document.getElementById('nc-hint').textContent")),
          "index.html: names the package that has nc")
    py = page.eval("document.getElementById('py-echo').textContent") or ""
    res = subprocess.run(shlex.split(py), capture_output=True, timeout=10) if py.startswith("python3 ") else None
    check(res is not None and res.returncode == 0 and b"hello" in res.stdout,
          "index.html: the Python one-liner gets its echo back (%r)" % (res.stdout if res else py))
    page.eval(LIVE_WATCH_JS)
    page.b.pump(6)
    muts = page.eval("window.__liveMutations")
    check(muts == [], "index.html: live regions stay quiet while nothing changes %s" % (muts or ""))

    # ---- status.html: numbers move with the traffic we send -----------------------------------
    page.navigate(base + "/status.html")
    check(status_ready(page), "status.html: connected to the API")
    before = number(page.eval("document.getElementById('echo-received').textContent"))
    check(before is not None, "status.html: echo received counter shown (%s)" % before)
    replies = send_echo(args.echo, 200, 3.0)
    check(replies == 200, "echo answered %d/200 probes" % replies)
    expr = "document.getElementById('echo-received').textContent"
    deadline = time.monotonic() + 5
    after = before
    while time.monotonic() < deadline:
        after = number(page.eval(expr))
        if after is not None and before is not None and after >= before + 200:
            break
        page.b.pump(0.25)
    check(before is not None and after is not None and after >= before + 200,
          "status.html: echo received went from %s to %s (+200 expected)" % (before, after))
    rate = page.eval("document.getElementById('echo-rx-rate').textContent")
    check(isinstance(rate, str) and rate.endswith("per second"), "status.html: receive rate shown (%s)" % rate)
    drawn = page.eval("""(() => {
        const c = document.getElementById('chart-echo');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
        return n; })()""")
    check((drawn or 0) > 500, "status.html: echo chart drawn (%d painted pixels)" % (drawn or 0))
    legend = page.eval("document.querySelector('#legend-echo li .legend-value').textContent")
    check(isinstance(legend, str) and legend.endswith("/s"),
          "status.html: chart legend carries the latest rate (%s)" % legend)
    check(page.eval("document.getElementById('cfg-loss').textContent.includes('%')"),
          "status.html: configuration summary filled")
    errs = page.errors()
    check(not errs, "status.html: no console errors %s" % (errs or ""))

    # ---- status.html on the classroom fixture -----------------------------------------------
    page.navigate(fixture_url)
    check(status_ready(page, 3), "status.html (fixture): connected, three samples")
    loss = (page.eval("document.getElementById('cfg-loss').textContent") or "").replace("\u00a0", " ")
    check("14.3 %" in loss and "burst" in loss and "3.3 datagrams" in loss,
          "status.html: Gilbert-Elliott shows the model's mean loss and burst length (%s)" % loss)
    http_rate = page.eval("window.netlab.charts.http.data[0].slice(-1)[0]")
    check(http_rate == 6, "status.html: HTTP chart leaves out dashboard polls (6/s expected, %s)" % http_rate)
    req_rate = page.eval("document.getElementById('http-req-rate').textContent") or ""
    check(req_rate.startswith("6.00 per second"), "status.html: request rate leaves out dashboard polls (%s)" % req_rate)
    lay = page.eval("""(() => { const c = window.netlab.charts.bytes; return {ticks: c.layout.ticks,
        left: c.layout.left, font: c.layout.fontPx, widths: c.layout.tickWidths}; })()""") or {}
    ticks = lay.get("ticks") or []
    check(ticks == ["0 B/s", "10 KiB/s", "20 KiB/s", "30 KiB/s", "40 KiB/s", "50 KiB/s"],
          "status.html: bytes axis at 48.8 KiB/s has round 1-2-5 ticks (%s)" % ticks)
    check(lay.get("widths") and max(lay["widths"]) + 4 <= lay.get("left", 0),
          "status.html: bytes axis labels fit left of the plot (widths %s, margin %s)" %
          (lay.get("widths"), lay.get("left")))
    check((lay.get("font") or 0) >= 14, "status.html: chart text at least 14 px (%s)" % lay.get("font"))
    summary = page.eval("document.getElementById('summary-bytes').textContent") or ""
    check("48.8 KiB/s" in summary and "0 to 50 KiB/s" in summary,
          "status.html: bytes chart has a text summary with the scale (%s)" % summary)
    summary = page.eval("document.getElementById('summary-echo').textContent") or ""
    check("steady" in summary and "100/s" in summary,
          "status.html: echo chart summary gives the trend (%s)" % summary)
    cues = page.eval("""window.netlab.charts.echo.series.map(s => (s.dash || []).join(',') + '/' + s.marker)""")
    check(isinstance(cues, list) and len(set(cues)) == 3,
          "status.html: received, replied, dropped differ in dash and marker, not only hue (%s)" % cues)
    swatches = page.eval("""[...document.querySelectorAll('#legend-echo li svg line')]
        .map(l => l.getAttribute('stroke-dasharray') || 'solid')""")
    check(isinstance(swatches, list) and len(set(swatches)) == 3,
          "status.html: the legend shows the same line patterns (%s)" % swatches)
    # the Groups and Clients tables: three groups sending, one client silent
    check(wait_for(page, "document.querySelectorAll('#clients .peer-button').length === 5", 4),
          "status.html: the Clients table lists the fixture's five clients")
    groups = page.eval("""[...document.querySelectorAll('#groups tr')].map(
        tr => [...tr.cells].map(c => c.textContent.replace(/\\u00a0/g, ' ')))""") or []
    check([g[0][:7] for g in groups] == ["default", "group-a", "group-b", "group-c"],
          "status.html: one Groups row per profile (%s)" % [g[0] for g in groups])
    gc = groups[3] if len(groups) == 4 else [""] * 6
    check("14.3 %" in gc[1] and "3.3 datagrams" in gc[1] and "20 ms" in gc[1],
          "status.html: group-c's link shows the GE mean, burst length and delay (%s)" % gc[1])
    gb = groups[2] if len(groups) == 4 else [""] * 6
    check(gb[2] == "2" and gb[3].endswith("30.0/s") and gb[5].endswith("9.00/s"),
          "status.html: group-b's clients and per-second counts (%s)" % gb)
    rows = page.eval("""[...document.querySelectorAll('#clients tr')].map(
        tr => [...tr.cells].map(c => c.textContent))""") or []
    silent = [r for r in rows if r and "silent for 42 s" in r[-1]]
    check(len(silent) == 1 and silent[0][0] == "[2001:db8:2::9]:50000",
          "status.html: the silent client is marked in words (%s)" % [r[-1] for r in rows])
    page.eval("document.querySelector('#clients .peer-button[data-peer=\"10.0.2.7:53001\"]').click()")
    check(wait_for(page, "!document.getElementById('client-record').hidden", 3),
          "status.html: clicking a client opens its record")
    rec = page.eval("""[...document.querySelectorAll('#record tr')].map(
        tr => [...tr.cells].map(c => c.textContent))""") or []
    check(len(rec) == 12 and rec[1][1].startswith("Ping 29 ") and rec[1][3] == "dropped (emulated loss)"
          and rec[0][3] == "replied",
          "status.html: the record shows the client's decisions, newest first (%s)" % rec[:2])
    check(page.eval("document.activeElement && document.activeElement.id") == "record-title",
          "status.html: focus moves to the record's heading")
    for w, h in VIEWPORTS:
        for theme in THEMES:
            page.view(w, h, theme)
            page.b.pump(1.2)
            what = "status.html classroom tables %dx%d %s" % (w, h, theme)
            layout_check(page, what)
            axe_check(page, axe_src, what)
            page.screenshot(os.path.join(args.out, "status-classroom-groups-%dx%d-%s.png" % (w, h, theme)))
    page.view(1280, 720, "light")
    page.b.pump(1.2)

    page.eval(LIVE_WATCH_JS)
    page.b.pump(4)
    muts = page.eval("window.__liveMutations")
    check(muts == [], "status.html: live regions announce nothing while the state is steady %s" % (muts or ""))

    # data tables behind a toggle
    page.eval("document.querySelector('#card-echo .table-toggle').click()")
    page.b.pump(1.3)
    rows = page.eval("""(() => { const b = document.querySelector('#card-echo .table-toggle');
        const t = document.getElementById(b.getAttribute('aria-controls'));
        return [b.getAttribute('aria-expanded'), t.hidden, t.querySelectorAll('tbody tr').length,
                t.querySelectorAll('thead th').length]; })()""")
    check(rows and rows[0] == "true" and rows[1] is False and rows[2] >= 1 and rows[3] == 4,
          "status.html: the echo chart's data table opens (%s)" % rows)
    for theme in THEMES:
        page.view(1280, 720, theme)
        page.b.pump(1.2)
        axe_check(page, axe_src, "status.html with a data table open, %s" % theme)
    page.screenshot(os.path.join(args.out, "status-classroom-table.png"))
    page.view(1280, 720, "light")

    # pause (WCAG 2.2.2): values freeze, one announcement, resume catches up
    page.eval("document.getElementById('pause').click()")
    page.b.pump(0.3)
    frozen = page.eval("document.getElementById('echo-received').textContent")
    pressed = page.eval("document.getElementById('pause').getAttribute('aria-pressed')")
    page.b.pump(2.5)
    still = page.eval("document.getElementById('echo-received').textContent")
    check(pressed == "true" and frozen == still,
          "status.html: pause freezes the live values (%s, %s -> %s)" % (pressed, frozen, still))
    said = page.eval("window.__liveMutations.join(' / ')") or ""
    check("Paused" in said and len(page.eval("window.__liveMutations")) <= 2,
          "status.html: pausing is announced once (%s)" % said)
    page.screenshot(os.path.join(args.out, "status-classroom-paused.png"))
    page.eval("document.getElementById('pause').click()")
    check(wait_for(page, "document.getElementById('echo-received').textContent !== %s" % json.dumps(still), 3),
          "status.html: resume shows fresh values again")
    fixtures.stop.set()

    # ---- the status page degrades to a clear message when the API goes away -------------------
    if args.daemon_pid:
        page.navigate(base + "/status.html")
        status_ready(page)
        page.eval(LIVE_WATCH_JS)
        os.kill(args.daemon_pid, signal.SIGTERM)
        ok = wait_for(page, "document.getElementById('conn').classList.contains('error')", 8)
        msg = page.eval("document.getElementById('conn').textContent")
        check(ok and "Cannot read the status API" in str(msg),
              "status.html: says the API is unreachable after netlabd stopped (%r)" % msg)
        page.b.pump(3)
        muts = page.eval("window.__liveMutations")
        check(isinstance(muts, list) and 1 <= len(muts) <= 2,
              "status.html offline: the loss of the API is announced once, not every retry (%s)" % muts)
        exceptions = [e for e in page.errors() if e.startswith("exception")]
        check(not exceptions, "status.html offline: no exceptions %s" % (exceptions or ""))
        for theme in THEMES:
            page.view(1280, 720, theme)
            page.b.pump(0.5)
            axe_check(page, axe_src, "status.html offline, %s" % theme)
            page.screenshot(os.path.join(args.out, "status-offline-%s.png" % theme))

# What each page says in each language: <html lang>, the h1, and one more text that must
# be translated (selector, text).
LANG_PAGES = {
    "zh-CN": {
        "lang": "zh-CN",
        "pages": [
            ("index", "/index.html", "{host} 上的 netlab", "#measure-title", "动手测量"),
            ("helloWorld", "/helloWorld.html", "Hello, World!", "#own-client-title", "自己写客户端？"),
            ("status", "/status.html", "实时状态", "#codes-title", "HTTP 状态码"),
            ("404", "/no/such/page.html", "未找到", "main a", "前往首页"),
        ],
        "switch": "English",
    },
    "en-US": {
        "lang": "en",
        "pages": [
            ("index", "/index.html", "netlab on {host}", "#measure-title", "Measure it"),
            ("helloWorld", "/helloWorld.html", "Hello, World!", "#own-client-title", "Writing your own client?"),
            ("status", "/status.html", "Live status", "#codes-title", "HTTP status codes"),
            ("404", "/no/such/page.html", "Not Found", "main a", "Go to the start page"),
        ],
        "switch": "中文",
    },
}


def run_lang_checks(args, lang):
    """The pages in a browser whose language is @lang (a fresh profile: nothing chosen
    yet). Returns 77 if Chromium cannot start, else None (failures go to FAILED)."""
    want = LANG_PAGES[lang]
    base = args.base.rstrip("/")
    host = base.split("//", 1)[1]
    with open(args.axe, encoding="utf-8") as f:
        axe_src = f.read()
    profile = tempfile.mkdtemp(prefix="netlab-chromium-")
    try:
        try:
            browser = Browser(args.chromium, profile, os.path.join(args.out, "chromium-%s.log" % lang), lang)
            browser.send("Browser.getVersion", timeout=30)
        except (OSError, CdpError) as e:
            print("SKIP: cannot start Chromium: %s" % e)
            return 77
        try:
            page = Page(browser)
            langs = None
            for name, path, h1, sel, text in want["pages"]:
                for w, h in VIEWPORTS:
                    page.view(w, h, "light")
                    page.navigate(base + path)
                    if name == "status":
                        status_ready(page)
                    else:
                        page.b.pump(0.3)
                    what = "%s %s %dx%d" % (lang, name, w, h)
                    if langs is None:
                        langs = page.eval("navigator.languages")
                        print("   (%s: navigator.languages %s)" % (lang, langs))
                    got = page.eval("""[document.documentElement.lang,
                        document.querySelector('h1').textContent.trim(),
                        document.querySelector(%s).textContent.trim(),
                        document.getElementById('lang-switch') && document.getElementById('lang-switch').textContent]"""
                                    % json.dumps(sel)) or [None] * 4
                    check(got[0] == want["lang"], "%s: <html lang=%r> (%r)" % (what, want["lang"], got[0]))
                    check(got[1] == h1.format(host=host), "%s: h1 %r (%r)" % (what, h1.format(host=host), got[1]))
                    check(got[2] == text, "%s: %s says %r (%r)" % (what, sel, text, got[2]))
                    check(got[3] == want["switch"], "%s: the switch offers %r (%r)" % (what, want["switch"], got[3]))
                    errs = [e for e in page.errors()
                            if not (name == "404" and "status of 404" in e and e.endswith(base + path))]
                    check(not errs, "%s: no console errors %s" % (what, errs or ""))
                    layout_check(page, what)
                    axe_check(page, axe_src, what)
                    page.screenshot(os.path.join(args.out, "lang-%s-%s-%dx%d.png" % (lang, name, w, h)))

            # The status page's labels, numbers and units in the page's language.
            page.view(1280, 720, "light")
            page.navigate(base + "/status.html")
            status_ready(page, 3)
            # The charts start from the server's history; the rates need a second poll.
            wait_for(page, "document.getElementById('echo-rx-rate').textContent !== '\u2014'", 4)
            st = page.eval("""({label: document.querySelector('.stat .label').textContent,
                uptime: document.getElementById('uptime').textContent,
                rate: document.getElementById('echo-rx-rate').textContent,
                timeout: document.getElementById('cfg-header-timeout').textContent,
                when: document.getElementById('conn-time').textContent,
                legend: document.getElementById('legend-echo').textContent,
                th: document.querySelector('#table-echo th').textContent})""") or {}
            if lang == "zh-CN":
                check(st.get("label") == "运行时间", "zh-CN status: labels translated (%r)" % st.get("label"))
                check(str(st.get("uptime", "")).endswith("秒"), "zh-CN status: uptime in 秒 (%r)" % st.get("uptime"))
                check(str(st.get("rate", "")).endswith("次/秒"), "zh-CN status: rate per 秒 (%r)" % st.get("rate"))
                check(str(st.get("timeout", "")).endswith("秒"), "zh-CN status: timeout in 秒 (%r)" % st.get("timeout"))
                check(str(st.get("when", "")).startswith("更新于 "), "zh-CN status: update time (%r)" % st.get("when"))
                check("已接收" in str(st.get("legend")), "zh-CN status: chart legend (%r)" % st.get("legend"))
                check(st.get("th") == "几秒前", "zh-CN status: data table header (%r)" % st.get("th"))
            else:
                check(st.get("label") == "Uptime", "en-US status: labels (%r)" % st.get("label"))
                check(str(st.get("rate", "")).endswith("per second"), "en-US status: rate (%r)" % st.get("rate"))
                check(str(st.get("timeout", "")).endswith(" s"), "en-US status: timeout (%r)" % st.get("timeout"))
            # Intl.NumberFormat for the page's language, not the browser's default: the
            # same number the page formats, formatted by Intl for that language.
            fmt = page.eval("""[new Intl.NumberFormat(document.documentElement.lang, {minimumFractionDigits: 1,
                maximumFractionDigits: 1}).format(12345.67), document.documentElement.lang]""")
            print("   (%s: Intl formats 12345.67 as %r for lang %r)" % (lang, fmt and fmt[0], fmt and fmt[1]))

            # The switch overrides the browser, is remembered, and goes back.
            other = "en" if lang == "zh-CN" else "zh-CN"
            page.navigate(base + "/helloWorld.html")
            page.b.pump(0.3)
            page.eval("document.getElementById('lang-switch').click()")
            ok = wait_for(page, "document.documentElement.lang === %s && !!document.getElementById('lang-switch')"
                          % json.dumps(other), 5)
            check(ok, "%s: the switch reloads the page in %s" % (lang, other))
            page.navigate(base + "/index.html")
            page.b.pump(0.3)
            check(page.eval("document.documentElement.lang") == other,
                  "%s: the choice is remembered on the next page (%s)" % (lang, page.eval("document.documentElement.lang")))
            page.screenshot(os.path.join(args.out, "lang-%s-switched-index.png" % lang))
            page.eval("document.getElementById('lang-switch').click()")
            ok = wait_for(page, "document.documentElement.lang === %s" % json.dumps(want["lang"]), 5)
            check(ok, "%s: switching back gives %s again" % (lang, want["lang"]))
            check(not page.errors(), "%s: no console errors while switching %s" % (lang, page.errors() or ""))
        finally:
            browser.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    return None


if __name__ == "__main__":
    sys.exit(main())
