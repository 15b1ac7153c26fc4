#!/usr/bin/env python3
"""check_pages.py — drives headless Chromium over the DevTools protocol to check the pages
netlabd serves: each page loads without console errors or exceptions, helloWorld.html has
its heading, paragraph, links and stylesheet, index.html shows the live impairment, and
status.html's numbers move while we send echo traffic; then netlabd is stopped and the
status page must say that the API is unreachable. Screenshots go to --out.

Uses --remote-debugging-pipe (fd 3 in, fd 4 out, NUL-separated JSON), so it needs only
the Python standard library: no websocket module, no open debugging port.

Exit status: 0 all checks passed, 1 a check failed, 77 Chromium could not start (skip)."""

import argparse
import base64
import json
import os
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time


class CdpError(Exception):
    pass


class Browser:
    def __init__(self, chromium, profile, log_path):
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
    ap.add_argument("--daemon-pid", type=int, help="netlabd to stop for the offline check")
    args = ap.parse_args()

    os.makedirs(args.out, exist_ok=True)
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


def run_checks(browser, args):
    page = Page(browser)
    base = args.base.rstrip("/")

    # helloWorld.html: the lab page, at exactly this path.
    page.navigate(base + "/helloWorld.html")
    page.b.pump(0.5)
    errs = page.errors()
    check(not errs, "helloWorld.html: no console errors %s" % (errs or ""))
    check(page.eval("document.querySelector('h1') && document.querySelector('h1').textContent") == "Hello, World!",
          "helloWorld.html: heading 'Hello, World!'")
    check(page.eval("document.querySelectorAll('main p').length") >= 1, "helloWorld.html: has a paragraph")
    check(page.eval("document.querySelectorAll('main ul li a').length") >= 3, "helloWorld.html: has a list of links")
    check(page.eval("[...document.styleSheets].some(s => s.href && s.href.endsWith('/style.css') && s.cssRules.length > 10)"),
          "helloWorld.html: style.css loaded and parsed")
    check(page.eval("getComputedStyle(document.querySelector('.site-header')).borderBottomStyle") == "solid",
          "helloWorld.html: CSS applied")
    page.screenshot(os.path.join(args.out, "helloWorld.png"))

    # index.html: live impairment from the API.
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
    errs = page.errors()
    check(not errs, "index.html: no console errors %s" % (errs or ""))
    page.screenshot(os.path.join(args.out, "index.png"))

    # status.html: numbers move with the traffic we send.
    page.navigate(base + "/status.html")
    check(wait_for(page, "document.getElementById('conn').classList.contains('ok')", 5),
          "status.html: connected to the API")
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
    legend = page.eval("document.querySelector('#legend-echo li span').textContent")
    check(isinstance(legend, str) and legend.endswith("/s"),
          "status.html: chart legend carries the latest rate (%s)" % legend)
    check(page.eval("document.getElementById('cfg-loss').textContent.includes('%')"),
          "status.html: configuration summary filled")
    errs = page.errors()
    check(not errs, "status.html: no console errors %s" % (errs or ""))
    page.screenshot(os.path.join(args.out, "status.png"))

    # 404 page through a missing path.
    page.navigate(base + "/no/such/page.html")
    check(page.eval("document.querySelector('h1') && document.querySelector('h1').textContent") == "Not Found",
          "404.html served for a missing page")
    check(page.eval("getComputedStyle(document.querySelector('.site-header')).borderBottomStyle") == "solid",
          "404.html: stylesheet found from a nested path")
    page.screenshot(os.path.join(args.out, "404.png"))

    # The status page degrades to a clear message when the API goes away.
    if args.daemon_pid:
        page.navigate(base + "/status.html")
        wait_for(page, "document.getElementById('conn').classList.contains('ok')", 5)
        os.kill(args.daemon_pid, signal.SIGTERM)
        ok = wait_for(page, "document.getElementById('conn').classList.contains('error')", 8)
        msg = page.eval("document.getElementById('conn').textContent")
        check(ok and "Cannot read the status API" in str(msg),
              "status.html: says the API is unreachable after netlabd stopped (%r)" % msg)
        exceptions = [e for e in page.errors() if e.startswith("exception")]
        check(not exceptions, "status.html offline: no exceptions %s" % (exceptions or ""))
        page.screenshot(os.path.join(args.out, "status-offline.png"))


if __name__ == "__main__":
    sys.exit(main())
