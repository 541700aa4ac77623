"""The whole 3-in-1 bundle over real HTTP (issue #7, part 2), used by run.py.

The server runs with all three agencies in push mode; `lienthong simulate-agencies` (a separate process) is the
three agencies: it verifies each signed webhook and answers at once through the API (acknowledged, then
completed). Python threads are the ward: `clients` officers post dossiers, one officer polls the ready list and
returns each result. A bundle is done when its dossier is `returned`.

Reported: bundles/s (first POST to last return), the latency a ward sees for intake and for the round trip
through the three agencies, and each step inside the server, read afterwards from the event log in the
database (millisecond timestamps; the API prints whole seconds).
"""
import base64
import http.client
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "scripts"))
from harness import birth_dossier, start_server  # noqa: E402

AGENCIES = ["justice", "police", "insurance"]


def percentiles(values):
    if not values:
        return {"n": 0}
    values = sorted(values)

    def pct(p):
        return round(values[min(len(values) - 1, int(p * len(values)))], 1)
    return {"n": len(values), "p50": pct(0.5), "p99": pct(0.99), "max": round(values[-1], 1)}


class Client:
    """One keep-alive HTTP/1.1 connection with a bearer token."""

    def __init__(self, port, token):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def call(self, method, path, body=None):
        self.conn.request(method, path, body=None if body is None else json.dumps(body).encode(), headers=self.headers)
        response = self.conn.getresponse()
        data = response.read()
        return response.status, (json.loads(data) if data else None)


def write_config(workdir, sim_port):
    secret = lambda: "whsec_" + base64.b64encode(os.urandom(32)).decode()  # noqa: E731
    config = {
        "delivery": {"retrySchedule": ["PT1S", "PT5S", "PT30S"], "maxAge": "PT24H", "timeout": "PT10S"},
        "agencies": [{"code": code, "mode": "push", "endpoint": f"http://127.0.0.1:{sim_port}/hooks/{code}", "secret": secret(),
                      "token": f"bench-{code}-token"} for code in AGENCIES],
        "tokens": [{"role": "ward-officer", "ward": "00004", "token": "bench-ward-token"}],
        "support": {"phone": "+842438253536"},
        "citizenMessages": {"sink": "file", "file": os.path.join(workdir, "citizen.jsonl")},
    }
    path = os.path.join(workdir, "config.json")
    json.dump(config, open(path, "w"))
    return path


EVENTS_SQL = "SELECT dossier_id, at, type, task_id, data FROM event ORDER BY dossier_id, seq"
AGENCIES_SQL = "SELECT id, agency FROM task"


def sqlite_rows(database):
    db = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    rows, agency_of = db.execute(EVENTS_SQL).fetchall(), dict(db.execute(AGENCIES_SQL).fetchall())
    db.close()
    return rows, agency_of


def postgres_rows(url, schema):
    """The same rows through psql (`url` without LienThong's own `schema=`/`pool=` parameters)."""
    env = dict(os.environ, PGOPTIONS=f"-c search_path={schema}")

    def query(sql):
        out = subprocess.run(["psql", url, "-At", "-F", "\t", "-c", sql], check=True, capture_output=True, text=True, env=env).stdout
        return [line.split("\t") for line in out.splitlines() if line]
    rows = [(d, int(at), t, task or None, data) for d, at, t, task, data in query(EVENTS_SQL)]
    return rows, dict(query(AGENCIES_SQL))


def step_latencies(rows, agency_of):
    """Per-step latencies (ms) from the event log: each task's handoff, acknowledgement and completion, the
    chaining of the downstream tasks, and the dossier's way to ready and to returned."""
    steps = {}

    def add(name, ms):
        steps.setdefault(name, []).append(ms)

    by_dossier = {}
    for dossier_id, at, type_, task_id, data in rows:
        by_dossier.setdefault(dossier_id, []).append((at, type_, task_id, data))
    for events in by_dossier.values():
        received = ready = returned = None
        started, delivered, acknowledged, completed = {}, {}, {}, {}
        for at, type_, task_id, data in events:
            if type_ == "dossier.received":
                received = at
            elif type_ == "task.started":
                started[task_id] = at
            elif type_ == "task.delivered":
                delivered.setdefault(task_id, at)
            elif type_ == "task.acknowledged":
                acknowledged[task_id] = at
            elif type_ == "task.completed":
                completed[task_id] = at
            elif type_ == "dossier.status-changed" and json.loads(data).get("to") == "ready-to-return":
                ready = at
            elif type_ == "dossier.returned":
                returned = at
        for task_id, at in started.items():
            agency = agency_of.get(task_id, "?")
            if task_id in delivered:
                add(f"{agency}: started → delivered (webhook answered 2xx)", delivered[task_id] - at)
            if task_id in acknowledged:
                add(f"{agency}: started → acknowledged (agency's callback)", acknowledged[task_id] - at)
            if task_id in acknowledged and task_id in completed:
                add(f"{agency}: acknowledged → completed", completed[task_id] - acknowledged[task_id])
        justice = next((t for t in completed if agency_of.get(t) == "justice"), None)
        for task_id, at in started.items():
            if agency_of.get(task_id) != "justice" and justice:
                add("justice completed → downstream task started", at - completed[justice])
        if received is not None and ready is not None:
            add("received → ready-to-return (three agencies)", ready - received)
        if ready is not None and returned is not None:
            add("ready-to-return → returned (ward's polling officer)", returned - ready)
        if received is not None and returned is not None:
            add("received → returned (whole bundle)", returned - received)
    return {name: percentiles(values) for name, values in steps.items()}


def drive(port, token, dossiers, clients, rate, ports=None):
    """The ward: `clients` officers post dossiers (paced at `rate`/s, or flat out), one officer polls the ready list
    and returns each result. Works against LienThong and against the huey peer (the same routes). `ports`: the
    officers take turns over these instances (the returning officer stays on `port`)."""
    ports = ports or [port]
    next_port = iter(ports * clients)
    counter, lock = [0], threading.Lock()
    intake_ms, posted_at, errors = [], {}, []
    returned, returned_at = set(), {}
    ready_seen_ms = []

    def officer():
        with lock:
            client = Client(next(next_port), token)
        while True:
            with lock:
                if counter[0] >= dossiers:
                    return
                counter[0] += 1
                n = counter[0]
            if rate:
                time.sleep(max(0.0, start + (n - 1) / rate - time.monotonic()))
            t0 = time.monotonic()
            status, body = client.call("POST", "/v1/dossiers", birth_dossier(n, 500_000_000_000, given="Phạm Văn"))
            t1 = time.monotonic()
            with lock:
                if status == 201:
                    intake_ms.append((t1 - t0) * 1000)
                    posted_at[body["id"]] = t1
                else:
                    errors.append(status)

    def returner():
        client = Client(port, token)
        deadline = time.monotonic() + 600
        while len(returned) < dossiers - len(errors) and time.monotonic() < deadline:
            status, page = client.call("GET", "/v1/dossiers?status=ready-to-return&limit=100")
            items = page.get("items", []) if status == 200 else []
            if not items:
                time.sleep(0.02)
            for item in items:
                seen = time.monotonic()
                with lock:
                    if item["id"] in posted_at:
                        ready_seen_ms.append((seen - posted_at[item["id"]]) * 1000)
                status, _ = client.call("POST", f"/v1/dossiers/{item['id']}/return", {"channel": "counter"})
                if status == 200:
                    returned.add(item["id"])
                    returned_at[item["id"]] = time.monotonic()

    start = time.monotonic()
    threads = [threading.Thread(target=officer) for _ in range(clients)]
    back = threading.Thread(target=returner)
    for t in threads + [back]:
        t.start()
    for t in threads:
        t.join()
    intake_seconds = time.monotonic() - start
    back.join()
    wall = (max(returned_at.values()) if returned_at else time.monotonic()) - start
    return {"errors": errors, "returned": returned, "wall": wall, "intakeSeconds": intake_seconds,
            "intakeMs": intake_ms, "readySeenMs": ready_seen_ms}


def run(binary, root, dossiers=2000, clients=16, rate=None, port=18590, sim_port=18591, postgres=None, instances=1):
    """`rate` (dossiers/s) paces the officers for latencies at a steady load; None posts as fast as they can.
    `postgres`: a PostgreSQL URL; the run gets a fresh schema there and `instances` servers share it (officers
    spread over them, the agencies answer the first; every instance's delivery worker hands tasks off)."""
    workdir = tempfile.mkdtemp(prefix="lienthong-bench-bundle-")
    config = write_config(workdir, sim_port)
    schema = f"bench_{os.urandom(5).hex()}"
    database = f"{postgres}{'&' if '?' in postgres else '?'}schema={schema}&pool=32" if postgres else None
    ports = [port] + [sim_port + 10 + i for i in range(instances - 1)]
    servers = [start_server(binary, p, workdir, config, cwd=root, database=database, log_name=f"serve-{p}.log",
                            extra=["--log-format", "json"]) for p in ports]
    sim_log = open(os.path.join(workdir, "simulator.log"), "w")
    simulator = subprocess.Popen([binary, "simulate-agencies", "--config", config, "--lienthong", f"http://127.0.0.1:{port}",
                                  "--port", str(sim_port), "--ack-delay", "0", "--complete-delay", "0"],
                                 cwd=root, stdout=sim_log, stderr=sim_log)
    time.sleep(1.0)  # the simulator's listener
    try:
        d = drive(port, "bench-ward-token", dossiers, clients, rate, ports)
        errors, returned, wall, intake_seconds = d["errors"], d["returned"], d["wall"], d["intakeSeconds"]
        intake_ms, ready_seen_ms = d["intakeMs"], d["readySeenMs"]
    finally:
        simulator.terminate()
        simulator.wait(timeout=30)
        for server in servers:
            server.terminate()
            server.wait(timeout=30)
    rows = postgres_rows(postgres.split("?")[0], schema) if postgres else sqlite_rows(os.path.join(workdir, "db.sqlite"))
    result = {
        "benchmark": "bundle", "backend": "postgres" if postgres else "sqlite", "instances": instances,
        "dossiers": dossiers, "clients": clients, "pacedPerSecond": rate, "errors": len(errors),
        "returned": len(returned), "wallSeconds": round(wall, 2),
        "bundlesPerSecond": round(len(returned) / wall, 1) if wall > 0 else 0,
        "intakePerSecond": round((dossiers - len(errors)) / intake_seconds, 1),
        "wardSees": {"intake POST → 201 (ms)": percentiles(intake_ms),
                     "201 → seen ready-to-return by the polling officer (ms)": percentiles(ready_seen_ms)},
        "steps": step_latencies(*rows),
    }
    shutil.rmtree(workdir, ignore_errors=True)
    return result


def run_peer(dossiers=2000, clients=16, rate=None, port=18690):
    """The same ward against the huey peer (Benchmarks/huey_peer.py): API, huey consumer and agencies as three
    processes, huey's SQLite queue and the state database with fsync on."""
    workdir = tempfile.mkdtemp(prefix="lienthong-bench-huey-")
    here = os.path.dirname(os.path.abspath(__file__))
    env = dict(os.environ, PEER_QUEUE=os.path.join(workdir, "queue.db"), PEER_API_PORT=str(port), PEER_AGENCIES_PORT=str(port + 1))
    log = open(os.path.join(workdir, "peer.log"), "w")
    procs = [subprocess.Popen([sys.executable, os.path.join(here, "huey_peer.py"), *args], env=env, cwd=here, stdout=log, stderr=log)
             for args in (["serve", os.path.join(workdir, "state.db")], ["agencies"], ["consume"])]
    time.sleep(2.0)
    try:
        d = drive(port, "peer", dossiers, clients, rate)
    finally:
        for p in procs:
            p.terminate()
            p.wait(timeout=30)
    import huey  # noqa: F401 — the version in the result
    result = {"benchmark": "bundle-huey-peer", "huey": huey.__version__, "dossiers": dossiers, "clients": clients,
              "errors": len(d["errors"]), "returned": len(d["returned"]), "wallSeconds": round(d["wall"], 2),
              "bundlesPerSecond": round(len(d["returned"]) / d["wall"], 1) if d["wall"] > 0 else 0,
              "intakePerSecond": round((dossiers - len(d["errors"])) / d["intakeSeconds"], 1),
              "wardSees": {"intake POST → 201 (ms)": percentiles(d["intakeMs"])}}
    shutil.rmtree(workdir, ignore_errors=True)
    return result


if __name__ == "__main__":
    import argparse
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=os.path.join(os.path.dirname(here), ".build/release/lienthong"))
    parser.add_argument("--dossiers", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--rate", type=float)
    parser.add_argument("--peer", action="store_true", help="run the huey peer instead of LienThong")
    args = parser.parse_args()
    result = (run_peer(args.dossiers, args.clients, args.rate) if args.peer
              else run(args.binary, os.path.dirname(here), args.dossiers, args.clients, args.rate))
    print(json.dumps(result, ensure_ascii=False, indent=1))
