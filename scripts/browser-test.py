#!/usr/bin/env python3
"""The dashboard in a real browser (issue #6): headless Chromium, driven over the DevTools protocol.

Starts the embedded demo (simulated agencies, demo story) on a fresh database, opens `/#token=…` and checks
what only the page's script can produce: the token moved out of the address bar into session storage, the
alert rows listed, the server-rendered panels fetched, an alert raised after the page loaded appearing live
(and leaving when the demo ward resolves it), a redrive from the button, the search, and the English page.
Keeps screenshots in the output folder (default /tmp/lienthong-browser).

Usage: python3 scripts/browser-test.py [--binary .build/debug/lienthong] [--out DIR] [--screenshot docs/dashboard.png]
"""
import argparse
import base64
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

import websocket

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import birth_dossier, start_server  # noqa: E402

SUPERVISOR = "demo-supervisor-token"
WARD = "demo-ward-00004-token"
JUSTICE = "demo-justice-token"


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
        self.send("Page.enable")
        self.send("Emulation.setDeviceMetricsOverride", width=1366, height=900, deviceScaleFactor=1, mobile=False)

    def send(self, method, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self.next_id:
                if "error" in message:
                    sys.exit(f"FAIL: DevTools {method}: {message['error']}")
                return message.get("result", {})

    def js(self, expression):
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            sys.exit(f"FAIL: script error in {expression!r}: {result['exceptionDetails']}")
        return result["result"].get("value")

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


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=".build/debug/lienthong")
    parser.add_argument("--port", type=int, default=18480)
    parser.add_argument("--out", default="/tmp/lienthong-browser")
    parser.add_argument("--screenshot", help="also write the page's first screen here (for the README)")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    workdir = tempfile.mkdtemp(prefix="lienthong-browser-")
    server = start_server(os.path.abspath(args.binary), args.port, workdir, None)
    browser = None
    try:
        port = args.port
        # The demo story files its dossiers at start; wait until its alerts are there.
        story = {"task-overdue", "task-at-risk", "dossier-overdue", "awaiting-supplement", "delivery-dead-lettered"}
        wait_for("the demo story's alerts", lambda: story <= {a["type"] for a in call(port, "GET", "/v1/alerts?limit=200", SUPERVISOR)["items"]})
        expected = {a["id"] for a in call(port, "GET", "/v1/alerts?limit=200", SUPERVISOR)["items"]}

        browser = Browser(workdir)
        browser.open(f"http://127.0.0.1:{port}/#token={SUPERVISOR}")
        rows = wait_for("alert rows rendered by the page's script",
                        lambda: browser.js("[...document.querySelectorAll('#alert-rows tr[data-alert-id]')].map(r => r.dataset.alertId)"))
        assert expected <= set(rows), f"page shows {sorted(rows)}, API has {sorted(expected)}"
        assert browser.js("location.hash") == "", "the token stayed in the address bar"
        assert browser.js("sessionStorage.getItem('lienthong.supervisorToken')") == SUPERVISOR, "token not kept in session storage"
        wait_for("the live indicator", lambda: browser.js("document.getElementById('live').classList.contains('on')"))
        assert "Trực tiếp" in browser.js("document.getElementById('live').textContent")
        panels = wait_for("server-rendered panels", lambda: browser.js("document.getElementById('panels').innerHTML"))
        for needle in ['id="alert-matrix"', 'id="overdue-tasks"', 'id="at-risk-tasks"', 'id="agency-performance"', "<svg", 'id="dead-letters"',
                       "Nhiệm vụ quá hạn", "ngày làm việc", "Hiệu quả từng cơ quan",
                       'id="portal-sync"', "Đồng bộ Cổng Dịch vụ công quốc gia", 'data-ward="00004"']:
            assert needle in panels, f"panels lack {needle!r}"
        types = set(browser.js("[...document.querySelectorAll('#alert-rows tr')].map(r => r.dataset.type)"))
        for t in story:
            assert t in types, f"no {t} row on the page: {types}"
        browser.screenshot(os.path.join(args.out, "dashboard.png"))
        if args.screenshot:
            browser.screenshot(args.screenshot, full=False)
        print(f"page: {len(rows)} alert rows, panels rendered, live stream on")

        # An alert raised after the page loaded arrives through the stream, without a reload.
        dossier = call(port, "POST", "/v1/dossiers", WARD, birth_dossier(1, 201195000000 + int(time.time()) % 100000, given="Lý Thị"))
        justice = next(t for t in dossier["tasks"] if t["agency"] == "justice")
        call(port, "POST", f"/v1/tasks/{justice['id']}/events", JUSTICE, {"eventId": "bt-ack", "type": "acknowledged"})
        call(port, "POST", f"/v1/tasks/{justice['id']}/events", JUSTICE,
             {"eventId": "bt-reject", "type": "rejected", "reason": "Giấy chứng sinh không rõ (kiểm thử trình duyệt)"})
        selector = f"#alert-rows tr[data-type='task-rejected'] a[data-search='{dossier['id']}']"
        wait_for("the new task-rejected alert row, live", lambda: browser.js(f"!!document.querySelector(\"{selector}\")"), timeout=10)
        print("live: a task-rejected alert raised after load appeared without a reload")
        # The demo's ward officer resubmits within seconds; the resolved alert leaves the page.
        wait_for("the resolved alert leaving the page", lambda: browser.js(f"!document.querySelector(\"{selector}\")"), timeout=30)
        print("live: the alert left the page when the ward resubmitted")

        # Redrive a dead letter from its button.
        wait_for("a redrive button", lambda: browser.js("!!document.querySelector('[data-redrive]')"))
        delivery = browser.js("document.querySelector('[data-redrive]').dataset.redrive")
        browser.js("document.querySelector('[data-redrive]').click()")
        wait_for("the redriven delivery to leave the dead letters",
                 lambda: all(d["id"] != delivery for d in call(port, "GET", "/v1/deliveries?status=dead", SUPERVISOR)["items"]))
        wait_for("the dead-letter row to leave the page", lambda: browser.js(f"!document.querySelector('[data-redrive=\"{delivery}\"]')"))
        print("redrive: the button sent the dead letter again")

        # Search by tracking code.
        code = dossier["trackingCode"]
        browser.js(f"document.getElementById('q').value = '{code}'; document.getElementById('search').requestSubmit(); true")
        found = wait_for("the search result", lambda: browser.js("document.querySelector('#search-result dl')?.dataset.dossierId"))
        assert found == dossier["id"], f"search found {found}"
        print("search: tracking code found its dossier")

        # English, with the token already in the session.
        browser.open(f"http://127.0.0.1:{port}/?lang=en")
        wait_for("English alert rows", lambda: browser.js("document.querySelectorAll('#alert-rows tr[data-alert-id]').length"))
        heading = browser.js("document.querySelector('h1').textContent")
        assert heading.startswith("Linked dossiers"), heading
        wait_for("English panels", lambda: "Overdue tasks" in (browser.js("document.getElementById('panels').innerHTML") or ""))
        browser.screenshot(os.path.join(args.out, "dashboard-en.png"))
        print(f"english: page and panels in English; screenshots in {args.out}")
        print("browser test: PASS")
    finally:
        if browser:
            browser.close()
        server.terminate()
        server.wait(timeout=20)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
