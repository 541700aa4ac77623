"""Headless Chromium over the DevTools protocol, and small HTTP helpers, for the browser tests."""
import base64
import json
import re
import shutil
import subprocess
import sys
import time
import urllib.request

import websocket


def call(port, method, path, token=None, body=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=10) as response:
        text = response.read().decode()
        return json.loads(text) if text and response.headers.get("content-type", "").startswith("application/") else text


def wait_for(what, check, timeout=30.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    sys.exit(f"FAIL: {what} (waited {timeout:.0f} s)")


class Browser:
    """One headless Chromium tab over the DevTools protocol."""

    def __init__(self, workdir):
        chromium = shutil.which("chromium") or shutil.which("chromium-browser")
        if not chromium:
            sys.exit("chromium is not installed (apt-get install chromium)")
        self.proc = subprocess.Popen([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--remote-debugging-port=0",
                                      f"--user-data-dir={workdir}/profile", "--window-size=1366,900", "about:blank"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        port = None
        for line in self.proc.stderr:
            found = re.search(r"DevTools listening on ws://127\.0\.0\.1:(\d+)/", line)
            if found:
                port = found.group(1)
                break
        if not port:
            sys.exit("chromium did not start its DevTools endpoint")
        targets = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list").read())
        page = next(t for t in targets if t["type"] == "page")
        self.ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=30)
        self.next_id = 0
        self.events = []   # DevTools events seen while waiting for answers (console and log entries)
        self.send("Page.enable")
        self.send("Log.enable")
        self.send("Runtime.enable")
        self.send("Emulation.setDeviceMetricsOverride", width=1366, height=900, deviceScaleFactor=1, mobile=False)

    def send(self, method, tolerate=False, **params):
        """One DevTools call; `tolerate`: an error answer is returned as None instead of failing the test."""
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if "method" in message and message["method"] in ("Log.entryAdded", "Runtime.consoleAPICalled", "Runtime.exceptionThrown"):
                self.events.append(message)
            if message.get("id") == self.next_id:
                if "error" in message:
                    if tolerate:
                        return None
                    sys.exit(f"FAIL: DevTools {method}: {message['error']}")
                return message.get("result", {})

    def js(self, expression, polling=False):
        """The expression's value. `polling`: the page may be navigating, so a script error, or a context torn down
        by the navigation, reads as None (the poll tries again) instead of failing the test."""
        result = self.send("Runtime.evaluate", tolerate=polling, expression=expression, returnByValue=True, awaitPromise=True)
        if result is None or "exceptionDetails" in result:
            if polling:
                return None
            sys.exit(f"FAIL: script error in {expression!r}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def probe(self, expression):
        """`js` for polling while the page may be navigating."""
        return self.js(expression, polling=True)

    def problems(self):
        """Console errors, uncaught exceptions and Content-Security-Policy reports seen so far."""
        out = []
        for e in self.events:
            p = e["params"]
            if e["method"] == "Log.entryAdded" and p["entry"]["level"] == "error":
                out.append(p["entry"]["text"])
            elif e["method"] == "Runtime.exceptionThrown":
                out.append(json.dumps(p["exceptionDetails"])[:300])
            elif e["method"] == "Runtime.consoleAPICalled" and p["type"] == "error":
                out.append(json.dumps(p["args"])[:300])
        return out

    def assert_clean(self):
        """Fails on any console error, uncaught exception or CSP report. A 4xx the test asked for (a 422 it provoked,
        a 404 page) shows up as a failed load and is not counted."""
        problems = [p for p in self.problems() if not p.startswith("Failed to load resource: the server responded with a status of 4")]
        assert not problems, f"console errors or CSP reports: {problems}"

    def type(self, selector, text):
        """Focuses the element and types `text` as a keyboard would (the DevTools Input domain)."""
        if not self.js(f"(() => {{ const el = document.querySelector({json.dumps(selector)}); if (!el) return false; el.focus(); return true; }})()"):
            sys.exit(f"FAIL: no element {selector}")
        self.send("Input.insertText", text=text)

    def press(self, key, code=None, keycode=13):
        """One key press (Enter by default) on the focused element."""
        for kind in ("keyDown", "keyUp"):
            self.send("Input.dispatchKeyEvent", type=kind, key=key, code=code or key, windowsVirtualKeyCode=keycode,
                      text="\r" if key == "Enter" and kind == "keyDown" else "")

    def media(self, media):
        self.send("Emulation.setEmulatedMedia", media=media)

    def open(self, url):
        self.send("Page.navigate", url=url)

    def screenshot(self, path, full=True):
        metrics = self.send("Page.getLayoutMetrics")
        height = int(metrics["cssContentSize"]["height"]) if full else 900
        self.send("Emulation.setDeviceMetricsOverride", width=1366, height=min(height, 2400), deviceScaleFactor=1, mobile=False)
        data = self.send("Page.captureScreenshot", format="png")["data"]
        self.send("Emulation.setDeviceMetricsOverride", width=1366, height=900, deviceScaleFactor=1, mobile=False)
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))

    def close(self):
        self.ws.close()
        self.proc.terminate()
        self.proc.wait(timeout=10)




def cleanup(browser, server, workdir):
    """Closes the browser, stops the server, removes its working folder."""
    if browser:
        browser.close()
    server.terminate()
    server.wait(timeout=20)
    shutil.rmtree(workdir, ignore_errors=True)
