#!/usr/bin/env python3
"""Two instances on one PostgreSQL (issue 13), with the real binary:
  - concurrent intake on both; the same child posted to both at once never gets two 201s;
  - while both are healthy, the push receiver gets each webhook-id exactly once (outbox claims with SKIP LOCKED);
  - kill -9 of one instance under load: every 201 (from either) is readable on the other, every handoff is
    delivered (the survivor takes over the dead instance's claims after their lease), none is invented;
  - an alert raised through one instance reaches the other's alert stream;
  - audit verify on the database is clean; SIGTERM of both exits 0, also right after the pool's idle connections
    timed out (postgres-nio 1.33.2's pool once never ended then, when keep-alive pings fell due at that moment).
Needs LIENTHONG_TEST_POSTGRES (scripts/pg-throwaway.sh); each run uses a schema of its own. Standard library only."""
import base64, json, os, signal, subprocess, sys, tempfile, threading, time, urllib.error, urllib.request, uuid
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from harness import api_call, birth_dossier, read_signed_webhook, start_server

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, ".build/debug/lienthong")
PORTS = (18301, 18302)
HOOK_PORT = 19301
SECRET = "whsec_" + base64.b64encode(os.urandom(32)).decode()
WARD, SUPERVISOR, JUSTICE = "mi-ward-token", "mi-supervisor-token", "mi-justice-token"

deliveries = Counter()          # webhook-id -> times accepted (2xx)
assigned = {}                   # task id -> webhook-id of its task.assigned
lock = threading.Lock()


class Receiver(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):
        wid, body = read_signed_webhook(self, SECRET)
        if wid is None:
            self.send_response(401); self.end_headers(); return
        message = json.loads(body)
        with lock:
            deliveries[wid] += 1
            if message["type"] == "task.assigned":
                assigned[message["task"]["id"]] = wid
        self.send_response(204); self.end_headers()


def call(port, method, path, token, body=None, timeout=5):
    return api_call(f"http://127.0.0.1:{port}", method, path, token, body, timeout)


def main():
    base = os.environ.get("LIENTHONG_TEST_POSTGRES")
    if not base:
        sys.exit("set LIENTHONG_TEST_POSTGRES (eval \"$(bash scripts/pg-throwaway.sh)\")")
    database = f"{base}{'&' if '?' in base else '?'}schema=mi_{uuid.uuid4().hex[:12]}"
    workdir = tempfile.mkdtemp(prefix="lienthong-multi-")
    config = os.path.join(workdir, "config.json")
    json.dump({"delivery": {"retrySchedule": ["PT0.5S", "PT1S"], "maxAge": "PT1H", "timeout": "PT3S"},
               "agencies": [{"code": "justice", "mode": "push", "endpoint": f"http://127.0.0.1:{HOOK_PORT}/hooks", "secret": SECRET,
                             "token": JUSTICE},
                            {"code": "police", "mode": "pull", "token": "mi-police-token"},
                            {"code": "insurance", "mode": "pull", "token": "mi-insurance-token"}],
               "tokens": [{"role": "ward-officer", "ward": "00004", "token": WARD}, {"role": "supervisor", "token": SUPERVISOR}],
               "support": {"phone": "+842438253536"},
               "citizenMessages": {"sink": "file", "file": os.path.join(workdir, "citizen.jsonl")}}, open(config, "w"))
    receiver = ThreadingHTTPServer(("127.0.0.1", HOOK_PORT), Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    procs = [start_server(BIN, port, workdir, config, cwd=ROOT, database=database, log_name=f"serve-{port}.log") for port in PORTS]

    # 1. The same child posted to both instances at the same moment: one 201, never two.
    doubles = 0
    for n in range(30):
        body = birth_dossier(n, 300000000000, given="Lê Song")
        results = []
        barrier = threading.Barrier(2)

        def post(port):
            barrier.wait()
            results.append(call(port, "POST", "/v1/dossiers", WARD, body)[0])
        threads = [threading.Thread(target=post, args=(p,)) for p in PORTS]
        for t in threads: t.start()
        for t in threads: t.join()
        assert sorted(results) == [201, 409], f"the same child on both instances answered {results}"
        doubles += 1
    print(f"same child on both instances at once: {doubles} pairs, each one 201 and one 409")

    # 2. Concurrent intake on both; then kill -9 one of them under load.
    accepted, counter, counter_lock, stop = {}, [1000], threading.Lock(), threading.Event()
    healthy_until = [None]

    def client(i):
        while not stop.is_set():
            with counter_lock:
                counter[0] += 1
                n = counter[0]
            port = PORTS[i % 2]
            try:
                status, body = call(port, "POST", "/v1/dossiers", WARD, birth_dossier(n, 300000000000), timeout=5)
                if status == 201:
                    accepted[body["id"]] = body["tasks"][0]["id"]
                elif status != 409:
                    print(f"unexpected {status} from {port}: {body}")
            except Exception:
                pass   # the instance was killed under us
    threads = [threading.Thread(target=client, args=(i,)) for i in range(8)]
    for t in threads: t.start()
    time.sleep(3)
    with lock:
        healthy = Counter(deliveries)
    healthy_until[0] = time.time()
    procs[0].send_signal(signal.SIGKILL)
    procs[0].wait()
    time.sleep(2)
    stop.set()
    for t in threads: t.join()
    twice = [w for w, c in healthy.items() if c > 1]
    assert not twice, f"{len(twice)} webhook-ids reached the receiver twice while both instances were healthy, e.g. {twice[:3]}"
    print(f"intake on both: {len(accepted)} dossiers accepted; {len(healthy)} webhooks delivered once each while both were up; "
          f"instance {PORTS[0]} killed -9")

    # 3. Everything accepted is readable on the survivor, and every handoff arrives (lease takeover within 30 s).
    survivor = PORTS[1]
    for dossier_id in accepted:
        status, _ = call(survivor, "GET", f"/v1/dossiers/{dossier_id}", SUPERVISOR)
        assert status == 200, f"dossier {dossier_id} (accepted) is not readable on the survivor: {status}"
    deadline = time.time() + 75
    while time.time() < deadline:
        with lock:
            missing = set(accepted.values()) - set(assigned)
        if not missing:
            break
        time.sleep(0.5)
    assert not missing, f"{len(missing)} handoffs never delivered after the kill, e.g. {sorted(missing)[:3]}"
    took = time.time() - healthy_until[0]
    with lock:
        invented = [t for t in assigned if t not in set(accepted.values())]
    for task in invented:
        status, _ = call(survivor, "GET", f"/v1/tasks/{task}", SUPERVISOR)
        assert status == 200, f"the receiver got task {task}, which no dossier holds (an invented handoff)"
    print(f"after the kill: all {len(accepted)} dossiers readable on the survivor, every handoff delivered "
          f"(last one {took:.1f}s after the kill), none invented")

    # 4. An alert raised through the restarted instance reaches the survivor's stream.
    procs[0] = start_server(BIN, PORTS[0], workdir, config, cwd=ROOT, database=database, log_name=f"serve-{PORTS[0]}.log")
    status, dossier = call(PORTS[0], "POST", "/v1/dossiers", WARD, birth_dossier(9999, 300000000000, given="Phạm Cảnh"))
    assert status == 201
    task = dossier["tasks"][0]["id"]
    events = []

    def stream():
        req = urllib.request.Request(f"http://127.0.0.1:{survivor}/v1/alerts/stream", headers={"Authorization": f"Bearer {SUPERVISOR}"})
        with urllib.request.urlopen(req, timeout=20) as r:
            for raw in r:
                line = raw.decode().strip()
                if line.startswith("data:") and task in line:
                    events.append(line)
                    return
    listener = threading.Thread(target=stream, daemon=True)
    listener.start()
    time.sleep(1)
    call(PORTS[0], "POST", f"/v1/tasks/{task}/events", JUSTICE, {"eventId": "mi-ack", "type": "acknowledged"})
    call(PORTS[0], "POST", f"/v1/tasks/{task}/events", JUSTICE, {"eventId": "mi-rej", "type": "rejected", "reason": "Sai thông tin"})
    listener.join(timeout=15)
    assert events, "the alert raised on one instance did not reach the other instance's stream"
    print("alert stream: a rejection through one instance reached the other's stream")

    audit = subprocess.run([BIN, "audit", "verify", "--database", database], capture_output=True, text=True)
    assert audit.returncode == 0, audit.stdout + audit.stderr

    # 5. A burst opens many pool connections at once; SIGTERM just as they close for idleness (30 s) still ends
    # both instances promptly (the pool's keep-alive pings fell due at that same moment and its run never ended).
    def connections():
        out = subprocess.run(["psql", base.split("?")[0], "-At", "-c", "SELECT count(*) FROM pg_stat_activity "
                              "WHERE datname = current_database() AND pid <> pg_backend_pid()"], capture_output=True, text=True, check=True)
        return int(out.stdout.strip())

    def burst(port):
        for _ in range(20):
            call(port, "GET", "/v1/dossiers?limit=5", SUPERVISOR)
    before = connections()
    burst_threads = [threading.Thread(target=burst, args=(PORTS[i % 2],)) for i in range(24)]
    for t in burst_threads: t.start()
    for t in burst_threads: t.join()
    peak = connections()
    deadline = time.time() + 90
    while connections() > before and time.time() < deadline:
        time.sleep(0.2)
    assert connections() <= before, f"the pool kept the burst's {peak - before} connections for 90 s (idle timeout 30 s)"
    for proc in procs:
        proc.send_signal(signal.SIGTERM)
    for proc in procs:
        try:
            code = proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            raise AssertionError("SIGTERM as idle pool connections closed: the instance did not stop within 15 s")
        assert code == 0, "SIGTERM did not exit 0"
    for port in PORTS:
        log = open(os.path.join(workdir, f"serve-{port}.log")).read()
        assert "did not end in time" not in log, f"instance {port}: the PostgreSQL pool did not end after SIGTERM"
    print(f"multi-instance test: OK — {audit.stdout.strip()}; SIGTERM exit 0 on both, also as the burst's {peak - before} "
          "pool connections timed out")


if __name__ == "__main__":
    main()
