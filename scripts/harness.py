"""Helpers shared by the scripts that drive the real binary (crash test, multi-instance test, benchmarks)."""
import base64
import hashlib
import hmac
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request


def start_server(binary, port, workdir, config, cwd=None, extra=(), database=None, log_name="serve.log"):
    """Starts `lienthong serve` on `port` with the database in `workdir`, or `database` (a file or a postgres://
    URL); config None: the embedded demo. Returns once /healthz answers."""
    log = open(os.path.join(workdir, log_name), "a")
    args = [binary, "serve", "--port", str(port), "--database", database or os.path.join(workdir, "db.sqlite")]
    if config:
        args += ["--config", config]
    args += list(extra)
    proc = subprocess.Popen(args, stdout=log, stderr=log, cwd=cwd)
    for _ in range(200):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return proc
        except Exception:
            time.sleep(0.05)
    sys.exit("server did not start")


def birth_dossier(n, id_base, given="Nguyễn Văn", hometown=None):
    """A valid birth-3in1 dossier for ward 00004, unique per `n` (child's name and mother's personal ID)."""
    dob = time.strftime("%Y-%m-%d", time.localtime(time.time() - 5 * 86400))
    return {"procedure": "birth-3in1", "ward": "00004", "channel": "online",
            "child": {"fullName": f"{given} {chr(0x41 + n % 26)}{chr(0x61 + (n // 26) % 26)}{chr(0x61 + (n // 676) % 26)}",
                      "sex": "male", "dateOfBirth": dob, "ethnicity": "Kinh", "nationality": "VN",
                      "placeOfBirth": {"country": "VN", "province": "01", "text": "Hà Nội"},
                      "hometown": hometown or {"country": "VN", "province": "01"}},
            "mother": {"fullName": "Trần Thị Bình", "dateOfBirth": "1995-05-01", "personalId": f"{id_base + n}", "nationality": "VN"},
            "declarant": {"fullName": "Trần Thị Bình", "relationship": "mother", "personalId": f"{id_base + n}"},
            "residence": {"address": "12 ngõ 5 Minh Khai", "commune": "00004"},
            "insurance": {"medicalFacilityCode": "01-001"}}


def read_signed_webhook(handler, secret, max_skew=300):
    """Reads a Standard Webhooks POST from `handler` (a BaseHTTPRequestHandler); returns (webhook-id, body) when its
    signature verifies with the `whsec_` secret and its timestamp is within `max_skew` seconds, else (None, body)."""
    body = handler.rfile.read(int(handler.headers.get("content-length", "0")))
    wid, ts = handler.headers.get("webhook-id"), handler.headers.get("webhook-timestamp", "0")
    key = base64.b64decode(secret[len("whsec_"):])
    expected = "v1," + base64.b64encode(hmac.new(key, f"{wid}.{ts}.".encode() + body, hashlib.sha256).digest()).decode()
    signatures = handler.headers.get("webhook-signature", "").split(" ")
    ok = any(hmac.compare_digest(expected, s) for s in signatures) and abs(time.time() - int(ts)) <= max_skew
    return (wid if ok else None), body


def api_call(base, method, path, token, body=None, timeout=5):
    """One JSON request to the service at `base`; returns (status, decoded body), errors included."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method,
                                 headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")
