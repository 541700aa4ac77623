#!/usr/bin/env python3
"""Delivery benchmark (issue 4), on this machine, JSON out:
  1. agency down: N dossiers are received while the push agency's endpoint refuses connections; the server's RSS is
     sampled every second through intake and a further idle period (the queue must live on disk, not in memory);
  2. drain after restart: the server is stopped (SIGTERM), the agency comes back, the server restarts on the same
     database; we time until the receiver holds a task.assigned for every dossier -> drain time and deliveries/s.
The receiver verifies every Standard Webhooks signature (HTTP/1.1 keep-alive, threaded, standard library).
--silent-portal: the national portal's endpoint takes every connection and never answers (each attempt ends at
delivery.timeout, 10 s): the drain then shows whether the portal's messages hold back justice's handoffs.
Usage: python3 Benchmarks/delivery-bench.py [--binary .build/release/lienthong] [--dossiers 10000] [--idle 30] [--silent-portal]"""
import argparse, base64, hashlib, hmac, json, os, signal, socket, subprocess, sys, tempfile, threading, time, urllib.error, urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "scripts"))
from harness import birth_dossier, start_server  # noqa: E402

PORT, HOOK_PORT, SILENT_PORT = 18095, 19195, 19196
BASE = f"http://127.0.0.1:{PORT}"
SECRET = "whsec_" + base64.b64encode(os.urandom(32)).decode()
KEY = base64.b64decode(SECRET[6:])
got, lock, first_last = set(), threading.Lock(), [None, None]


class Receiver(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        wid, ts = self.headers["webhook-id"], self.headers["webhook-timestamp"]
        expected = "v1," + base64.b64encode(hmac.new(KEY, f"{wid}.{ts}.".encode() + body, hashlib.sha256).digest()).decode()
        ok = hmac.compare_digest(expected, self.headers.get("webhook-signature", ""))
        if ok:
            message = json.loads(body)
            now = time.time()
            with lock:
                if message["type"] == "task.assigned":
                    got.add(message["task"]["id"])
                first_last[0] = first_last[0] or now
                first_last[1] = now
        self.send_response(204 if ok else 401)
        self.send_header("Content-Length", "0")
        self.end_headers()


def silent_endpoint():
    """Accepts every connection and never answers (the connections are kept open until the process ends)."""
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", SILENT_PORT))
    server.listen(1024)
    held = []

    def accept():
        while True:
            held.append(server.accept()[0])

    threading.Thread(target=accept, daemon=True).start()


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def post(n):
    body = birth_dossier(n, 200000000000, given="Lê Văn")
    req = urllib.request.Request(BASE + "/v1/dossiers", data=json.dumps(body).encode(), method="POST",
                                 headers={"Authorization": "Bearer bench-ward-token", "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return r.status


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=".build/release/lienthong")
    ap.add_argument("--dossiers", type=int, default=10000)
    ap.add_argument("--idle", type=int, default=30)
    ap.add_argument("--silent-portal", action="store_true")
    args = ap.parse_args()
    workdir = tempfile.mkdtemp(prefix="lienthong-bench-")
    config = os.path.join(workdir, "config.json")
    json.dump({"delivery": {"retrySchedule": ["PT5S", "PT30S", "PT2M"], "maxAge": "PT24H", "timeout": "PT10S"},
               "agencies": [{"code": "justice", "mode": "push", "endpoint": f"http://127.0.0.1:{HOOK_PORT}/hooks", "secret": SECRET,
                             "token": "bench-justice-token"},
                            {"code": "police", "mode": "pull", "token": "bench-police-token"},
                            {"code": "insurance", "mode": "pull", "token": "bench-insurance-token"}],
               "tokens": [{"role": "ward-officer", "ward": "00004", "token": "bench-ward-token"}],
               "support": {"phone": "+842438253536"},
               **({"portal": {"endpoint": f"http://127.0.0.1:{SILENT_PORT}/portal", "secret": SECRET}} if args.silent_portal else {}),
               "citizenMessages": {"sink": "file", "file": os.path.join(workdir, "citizen.jsonl")}}, open(config, "w"))

    proc = start_server(args.binary, PORT, workdir, config)
    samples, sampling = [], threading.Event()

    def sample():
        while not sampling.is_set():
            samples.append((round(time.time() - t0, 1), rss_kib(proc.pid)))
            time.sleep(1)

    t0 = time.time()
    rss_start = rss_kib(proc.pid)
    threading.Thread(target=sample, daemon=True).start()
    counter, counter_lock = [0], threading.Lock()

    def client():
        while True:
            with counter_lock:
                if counter[0] >= args.dossiers:
                    return
                counter[0] += 1
                n = counter[0]
            assert post(n) == 201

    threads = [threading.Thread(target=client) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    intake_seconds = time.time() - t0
    time.sleep(args.idle)
    sampling.set()
    rss_down = [kib for _, kib in samples]
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == 0

    if args.silent_portal:
        silent_endpoint()
    receiver = ThreadingHTTPServer(("127.0.0.1", HOOK_PORT), Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    time.sleep(5.5)  # past the first retry step: every pending message is due at restart
    restart = time.time()
    proc = start_server(args.binary, PORT, workdir, config)
    ready = time.time() - restart
    while True:
        with lock:
            if len(got) >= args.dossiers:
                break
        if time.time() - restart > 600:
            sys.exit(f"drain incomplete: {len(got)} of {args.dossiers}")
        time.sleep(0.05)
    drain = time.time() - restart
    deliver_window = first_last[1] - first_last[0]
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=60)
    db_bytes = sum(os.path.getsize(os.path.join(workdir, f)) for f in os.listdir(workdir) if f.startswith("db.sqlite"))
    result = {
        "date": time.strftime("%Y-%m-%d %H:%M"), "machine": f"{os.cpu_count()} cores", "binary": args.binary,
        "dossiers": args.dossiers, "silent_portal": args.silent_portal, "intake_seconds": round(intake_seconds, 2),
        "intake_per_second_16_clients": round(args.dossiers / intake_seconds, 1),
        "agency_down": {"rss_start_mib": round(rss_start / 1024, 1), "rss_max_mib": round(max(rss_down) / 1024, 1),
                        "rss_end_mib": round(rss_down[-1] / 1024, 1), "seconds_observed": round(time.time() - t0, 0),
                        "samples_mib": [round(k / 1024, 1) for _, k in samples[:: max(1, len(samples) // 20)]]},
        "restart_to_ready_seconds": round(ready, 2),
        "drain_seconds_after_restart": round(drain, 2),
        "deliveries_per_second": round(args.dossiers / deliver_window, 1),
        "database_bytes": db_bytes,
    }
    print(json.dumps(result, ensure_ascii=False, indent=2))
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results", f"delivery-{time.strftime('%Y%m%d-%H%M')}.json")
    json.dump(result, open(out, "w"), indent=2)


if __name__ == "__main__":
    main()
