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
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from browser import Browser, call, cleanup, wait_for  # noqa: E402
from harness import birth_dossier, start_server  # noqa: E402

SUPERVISOR = "demo-supervisor-token"
WARD = "demo-ward-00004-token"
JUSTICE = "demo-justice-token"


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
        # The ward resubmits (the demo's story plays the ward only for its own dossiers); the resolved alert leaves the page.
        call(port, "POST", f"/v1/dossiers/{dossier['id']}/tasks/{justice['id']}/resubmit", WARD,
             {"data": {"child": {"placeOfBirth": {"country": "VN", "province": "01", "text": "Bệnh viện Bạch Mai"}}}, "note": "đã sửa"})
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
        browser.assert_clean()
        print("browser test: PASS")
    finally:
        cleanup(browser, server, workdir)


if __name__ == "__main__":
    main()
