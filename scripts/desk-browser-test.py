#!/usr/bin/env python3
"""The ward officer's desk and the citizen's page in a real browser (issue 15): headless Chromium over DevTools.

Starts the embedded demo with agencies that pull (`--simulate off`: this script plays the agencies and the national
portal through the API) and works the desk as an officer would, typing with the keyboard:
  - a birth dossier with a bad phone: the 422's problem is shown at that field (aria-invalid, aria-describedby,
    in Vietnamese), nothing typed is lost; corrected (typed the Vietnamese way, 0912 345 678) → the receipt, printed;
  - a task the agency rejects appears live with its reason; corrected and resubmitted from its form;
  - a supplement the agency asks for appears live; supplied from its form;
  - the results, once every agency completed, returned from the page;
  - an online dossier from the portal accepted;
  - the citizen's page read (status, every agency's timeline, no personal data); an unknown code → 404 page;
  - the pages' security headers, HEAD on the pages, and no console error or CSP report anywhere.
Screenshots in --out (default /tmp/lienthong-desk); --docs DIR also writes desk.png, desk-receipt.png, track.png there.
"""
import argparse
import os
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from browser import Browser, call, cleanup, wait_for  # noqa: E402
from harness import start_server  # noqa: E402

WARD, PORTAL = "demo-ward-00004-token", "demo-portal-token"
JUSTICE, POLICE, INSURANCE = "demo-justice-token", "demo-police-token", "demo-insurance-token"
FORM = "#f-birth-3in1"   # the birth form's field ids: f-birth-3in1 + the JSON Pointer with / as -
BIRTH = 'form[data-procedure=\\"birth-3in1\\"]'   # (inside a JavaScript string in double quotes)


def field(pointer):
    return FORM + pointer.replace("/", "-")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=".build/debug/lienthong")
    parser.add_argument("--port", type=int, default=18580)
    parser.add_argument("--out", default="/tmp/lienthong-desk")
    parser.add_argument("--docs", help="also write the README's screenshots here")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    workdir = tempfile.mkdtemp(prefix="lienthong-desk-")
    port = args.port
    server = start_server(os.path.abspath(args.binary), port, workdir, None, extra=["--simulate", "off"])
    browser = None

    def shot(name, docs=False, full=True):
        browser.screenshot(os.path.join(args.out, name), full=full)
        if docs and args.docs:
            browser.screenshot(os.path.join(args.docs, name), full=full)

    try:
        # The pages' hardening, from outside.
        for path in ["/desk", "/track", "/"]:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}") as r:
                csp, body = r.headers["Content-Security-Policy"], r.read().decode()
                assert "script-src 'nonce-" in csp and "frame-ancestors 'none'" in csp and "default-src 'self'" in csp, csp
                assert r.headers["X-Content-Type-Options"] == "nosniff" and r.headers["Referrer-Policy"] == "no-referrer"
                nonce = csp.split("'nonce-")[1].split("'")[0]
                assert f'<script nonce="{nonce}">' in body or path == "/track", f"{path}: inline script without the nonce"
                assert " onclick=" not in body and " onsubmit=" not in body and " onload=" not in body, f"{path}: inline handler"
                assert "src=\"http" not in body and "href=\"http" not in body, f"{path}: an external resource"
            head = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method="HEAD")
            with urllib.request.urlopen(head) as r:
                assert r.status == 200 and r.read() == b"", f"HEAD {path}"
        print("pages: CSP with a nonce, nosniff, no-referrer, frame-ancestors 'none', HEAD 200, no inline handler")

        browser = Browser(workdir)
        browser.open(f"http://127.0.0.1:{port}/desk#token={WARD}")
        wait_for("the ward's work list", lambda: browser.js("!!document.querySelector('#work[data-ward=\"00004\"]')"))
        assert browser.js("location.hash") == "", "the token stayed in the address bar"
        wait_for("the live indicator", lambda: browser.js("document.getElementById('live').classList.contains('on')"))

        # A birth dossier, typed field by field; the phone is wrong.
        dob = time.strftime("%d/%m/%Y", time.localtime(time.time() - 9 * 86400))
        mother_id = "0011950" + str(int(time.time()) % 100000).zfill(5)
        browser.js(f"document.querySelector('{field('/child/sex')}').value = 'female'; true")
        browser.js(f"document.querySelector('{field('/mother/nationality')}').value = 'VN'; true")
        for pointer, text in [("/child/fullName", "Nguyễn Thị Bàn Phím"), ("/child/dateOfBirth", dob), ("/child/ethnicity", "Kinh"),
                              ("/child/nationality", "VN"), ("/child/placeOfBirth/province", "01"),
                              ("/child/placeOfBirth/text", "Bệnh viện Phụ sản Hà Nội"), ("/child/hometown/province", "01"),
                              ("/mother/fullName", "Trần Thị Gõ"), ("/mother/dateOfBirth", "20/8/1994"), ("/mother/personalId", mother_id),
                              ("/declarant/fullName", "Trần Thị Gõ"), ("/declarant/relationship", "mẹ"),
                              ("/declarant/personalId", mother_id), ("/declarant/phone", "12345"),
                              ("/residence/address", "12 ngõ 5 Minh Khai"), ("/residence/commune", "00004"),
                              ("/insurance/medicalFacilityCode", "01-001")]:
            browser.type(field(pointer), text)
        # Keyboard only: Enter on the submit button.
        browser.js(f"document.querySelector(\"{BIRTH} button[type=submit]\").focus(); true")
        browser.press("Enter")
        phone = field("/declarant/phone")
        wait_for("the phone's problem at its field", lambda: browser.js(f"document.querySelector('{phone}').getAttribute('aria-invalid') === 'true'"))
        described = browser.js(f"document.querySelector('{phone}').getAttribute('aria-describedby')")
        problem = browser.js(f"document.getElementById('{described}').textContent")
        assert "Số điện thoại" in problem, f"problem text: {problem!r}"
        assert browser.js(f"document.querySelector('{field('/child/fullName')}').value") == "Nguyễn Thị Bàn Phím", "typed text lost"
        assert browser.js("document.activeElement.id") == "summary", "focus not on the problem summary"
        assert browser.js(f"document.querySelectorAll(\"{BIRTH} [aria-invalid=true]\").length") == 1
        shot("desk-problem.png")
        print(f"intake: the bad phone is shown at its field ({problem!r}), nothing typed lost")

        browser.js(f"document.querySelector('{phone}').value = ''; true")
        browser.type(phone, "0912 345 678")
        browser.js(f"document.querySelector(\"{BIRTH} button[type=submit]\").focus(); true")
        browser.press("Enter")
        wait_for("the receipt", lambda: browser.js("!!document.querySelector('#receipt-doc')"))
        receipt = browser.js("document.getElementById('receipt-doc').innerText")
        code = browser.js("document.querySelector('#receipt-doc [data-tracking-code]').dataset.trackingCode")
        for needle in ["GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", code, "Hẹn trả kết quả", "+842438253536", f"/track/{code}"]:
            assert needle in receipt, f"receipt lacks {needle!r}: {receipt}"
        assert browser.js("document.getElementById('aria-invalid') === null && !document.querySelector('[aria-invalid=\"true\"]')")
        listed = next(d for d in call(port, "GET", "/v1/dossiers?limit=5", WARD)["items"] if d["trackingCode"] == code)
        dossier = call(port, "GET", f"/v1/dossiers/{listed['id']}", WARD)
        assert dossier["declarant"]["phone"] == "+84912345678", dossier["declarant"]
        assert dossier["child"]["dateOfBirth"] == time.strftime("%Y-%m-%d", time.localtime(time.time() - 9 * 86400))
        browser.media("print")
        shot("desk-receipt.png", docs=True, full=False)
        browser.media("")
        print(f"receipt: {code} printed (print stylesheet), phone stored as +84912345678, date typed dd/mm/yyyy")
        browser.js("document.querySelector('[data-close-receipt]').click(); true")

        # The agency rejects: the task appears live with its reason; the officer corrects and resubmits.
        justice = next(t for t in dossier["tasks"] if t["agency"] == "justice")
        call(port, "GET", "/v1/tasks", JUSTICE)
        call(port, "POST", f"/v1/tasks/{justice['id']}/events", JUSTICE, {"eventId": "d-ack", "type": "acknowledged"})
        call(port, "POST", f"/v1/tasks/{justice['id']}/events", JUSTICE,
             {"eventId": "d-rej", "type": "rejected", "reason": "Tên người mẹ không khớp giấy chứng sinh"})
        item = f"#work-rejected [data-task-id='{justice['id']}']"
        wait_for("the rejected task, live", lambda: browser.js(f"!!document.querySelector(\"{item}\")"), timeout=15)
        assert "không khớp giấy chứng sinh" in browser.js(f"document.querySelector(\"{item}\").innerText")
        browser.js(f"document.querySelector(\"{item} details\").open = true; true")
        name = f"#fix-{justice['id']}-mother-fullName"
        assert browser.js(f"document.querySelector('{name}').value") == "Trần Thị Gõ", "the correction form is not filled in"
        browser.js(f"document.querySelector('{name}').value = ''; true")
        browser.type(name, "Trần Thị Gấm")
        browser.js(f"document.querySelector(\"{item} button[type=submit]\").click(); true")
        wait_for("the resubmitted task to leave the list", lambda: browser.js(f"!document.querySelector(\"{item}\")"))
        after = call(port, "GET", f"/v1/dossiers/{dossier['id']}", WARD)
        assert after["tasks"][0]["status"] == "pending" and after["mother"]["fullName"] == "Trần Thị Gấm", after["tasks"][0]
        print("rejection: shown live with the agency's reason, corrected and resubmitted from the page")

        # The agency asks for a supplement: supplied from its form.
        call(port, "GET", "/v1/tasks", JUSTICE)
        call(port, "POST", f"/v1/tasks/{justice['id']}/events", JUSTICE, {"eventId": "d-ack2", "type": "acknowledged"})
        call(port, "POST", f"/v1/tasks/{justice['id']}/events", JUSTICE,
             {"eventId": "d-sup", "type": "supplement-requested", "reason": "Ghi rõ nơi sinh", "fields": ["child.placeOfBirth"]})
        item = f"#work-supplements [data-task-id='{justice['id']}']"
        wait_for("the supplement asked for, live", lambda: browser.js(f"!!document.querySelector(\"{item}\")"), timeout=15)
        place = f"#sup-{justice['id']}-child-placeOfBirth-text"
        browser.js(f"document.querySelector('{place}').value = ''; true")
        browser.type(place, "Bệnh viện Bạch Mai, 78 Giải Phóng")
        browser.js("window.scrollTo(0, 0); true")
        shot("desk.png", docs=True, full=False)
        browser.js(f"document.querySelector(\"{item} button[type=submit]\").click(); true")
        wait_for("the supplied task to leave the list", lambda: browser.js(f"!document.querySelector(\"{item}\")"))
        after = call(port, "GET", f"/v1/dossiers/{dossier['id']}", WARD)
        assert after["child"]["placeOfBirth"]["text"] == "Bệnh viện Bạch Mai, 78 Giải Phóng"
        print("supplement: shown live, supplied from the page")

        # Every agency completes; the result is returned from the page.
        call(port, "POST", f"/v1/tasks/{justice['id']}/events", JUSTICE,
             {"eventId": "d-done", "type": "completed", "result": {"personalId": "001326000123", "birthCertificateNo": "12/2026"}})
        for token, result in [(POLICE, {"residenceRegisteredAt": time.strftime("%Y-%m-%dT%H:%M:%S+07:00", time.gmtime(time.time() + 7 * 3600))}),
                              (INSURANCE, {"healthInsuranceCardNo": "TE1010123456789", "validFrom": time.strftime("%Y-%m-%d")})]:
            task = next(t for t in call(port, "GET", "/v1/tasks?limit=50", token)["items"] if t["dossierId"] == dossier["id"])
            call(port, "POST", f"/v1/tasks/{task['id']}/events", token, {"eventId": f"d-ack-{token}", "type": "acknowledged"})
            call(port, "POST", f"/v1/tasks/{task['id']}/events", token, {"eventId": f"d-done-{token}", "type": "completed", "result": result})
        item = f"#work-return [data-dossier-id='{dossier['id']}']"
        wait_for("the result to return, live", lambda: browser.js(f"!!document.querySelector(\"{item}\")"), timeout=15)
        browser.js(f"document.querySelector(\"{item} select\").value = 'post'; document.querySelector(\"{item} button[type=submit]\").click(); true")
        wait_for("the dossier returned", lambda: call(port, "GET", f"/v1/dossiers/{dossier['id']}", WARD)["status"] == "returned")
        print("return: the result returned from the page (by post)")

        # An online dossier from the national portal: accepted from the page.
        online = call(port, "POST", "/v1/dossiers", PORTAL, {**{k: dossier[k] for k in ["mother", "declarant", "residence", "insurance"]},
                      "procedure": "birth-3in1", "ward": "00004", "channel": "online",
                      "child": {**dossier["child"], "fullName": "Lê Văn Trực Tuyến"}})
        item = f"#work-online [data-dossier-id='{online['id']}']"
        wait_for("the online dossier, live", lambda: browser.js(f"!!document.querySelector(\"{item}\")"), timeout=15)
        browser.js(f"document.querySelector(\"{item} form[data-action=accept] button\").click(); true")
        wait_for("the online dossier accepted", lambda: call(port, "GET", f"/v1/dossiers/{online['id']}", WARD)["status"] == "in-progress")
        print("online: accepted from the page")

        # Found by its tracking code, then withdrawn (the citizen changed their mind).
        browser.type("#q", online["trackingCode"])
        browser.press("Enter")
        wait_for("the dossier found", lambda: browser.js(f"!!document.querySelector(\"#found [data-dossier-id='{online['id']}']\")"))
        browser.type(f"#withdraw-{online['id']}", "Công dân xin rút hồ sơ")
        browser.js(f"document.querySelector(\"#found form[data-action=withdraw] button\").click(); true")
        wait_for("the dossier withdrawn", lambda: call(port, "GET", f"/v1/dossiers/{online['id']}", WARD)["status"] == "withdrawn")
        wait_for("the card to show it withdrawn", lambda: browser.js("document.querySelector('#found [data-status]')?.dataset.status") == "withdrawn")
        print("search: found by tracking code and withdrawn from the page")

        # The citizen's page.
        browser.open(f"http://127.0.0.1:{port}/track/{code}")
        wait_for("the citizen's page", lambda: browser.probe("!!document.querySelector('.agencies')"))
        text = browser.js("document.body.innerText")
        for needle in [code, "Đã trả kết quả", "Tư pháp", "Công an", "BHXH", "Đã giải quyết xong", "Hẹn trả kết quả"]:
            assert needle in text, f"the citizen's page lacks {needle!r}"
        for personal in ["Nguyễn Thị Bàn Phím", "Trần Thị Gấm", mother_id, "+84912345678", "Minh Khai"]:
            assert personal not in text, f"personal data on the citizen's page: {personal}"
        shot("track.png", docs=True, full=False)
        browser.open(f"http://127.0.0.1:{port}/track")
        wait_for("the tracking form", lambda: browser.probe("!!document.getElementById('code')"))
        browser.type("#code", "LT-KHONG-CO")
        browser.press("Enter")
        wait_for("the 404 page", lambda: "Không tìm thấy hồ sơ" in (browser.probe("document.body.innerText") or ""))
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/track/LT-KHONG-CO")
            sys.exit("FAIL: an unknown code answered 200")
        except urllib.error.HTTPError as e:
            assert e.code == 404 and "text/html" in e.headers["Content-Type"]
        print("citizen: status and each agency's timeline, no personal data; an unknown code is a 404 page")

        browser.assert_clean()
        print(f"desk browser test: PASS (screenshots in {args.out})")
    finally:
        cleanup(browser, server, workdir)


if __name__ == "__main__":
    main()
