"""The peer for the whole-bundle benchmark (issue 16): the same 3-in-1 workflow built the way a Python team would,
on huey 3.5 (a task queue) with SQLite storage, fsync on — run in the same harness as LienThong (`bundle.drive`).

Three processes, as for LienThong:
  - the API (`serve`): a threaded HTTP server on a SQLite state database (WAL, synchronous=FULL, one writer lock):
    POST /v1/dossiers (a dossier, three tasks, an event; enqueues the justice handoff), POST /v1/tasks/{id}/events
    (acknowledged, completed: a completed justice task enqueues police and insurance; the last completion makes the
    dossier ready-to-return), GET /v1/dossiers?status=ready-to-return, POST /v1/dossiers/{id}/return;
  - the huey consumer (`consume`, 8 worker threads): each `deliver` task POSTs the task to the agencies' receiver
    and records it delivered;
  - the agencies (`agencies`): acknowledge then complete each task at once through the API.
Weaker than LienThong on purpose-free points only where huey is: no hash chain, no outbox in the same transaction
(a crash between the state commit and the enqueue loses the handoff), no signatures, no validation beyond JSON.
Needs `pip install huey==3.5.0` (not needed by CI).
"""
import http.client
import json
import os
import sqlite3
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from huey import SqliteHuey

QUEUE = os.environ.get("PEER_QUEUE", "/tmp/huey-peer-queue.db")
huey = SqliteHuey("lienthong-peer", filename=QUEUE, fsync=True, results=False)
API = int(os.environ.get("PEER_API_PORT", "18690"))
AGENCIES_PORT = int(os.environ.get("PEER_AGENCIES_PORT", "18691"))
KINDS = [("birth-registration", "justice"), ("residence-registration", "police"), ("health-insurance-card", "insurance")]


def post(port, path, body):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("POST", path, json.dumps(body).encode(), {"Content-Type": "application/json"})
    response = conn.getresponse()
    response.read()
    conn.close()
    return response.status


@huey.task(retries=5, retry_delay=1)
def deliver(task_id, kind, agency, dossier_id):
    status = post(AGENCIES_PORT, f"/hooks/{agency}", {"type": "task.assigned", "task": {"id": task_id, "kind": kind, "dossierId": dossier_id}})
    if status >= 300:
        raise RuntimeError(f"agency answered {status}")
    post(API, f"/v1/tasks/{task_id}/events", {"type": "delivered"})


class State:
    def __init__(self, path):
        self.db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.executescript("""
            CREATE TABLE IF NOT EXISTS dossier (id TEXT PRIMARY KEY, status TEXT NOT NULL, document TEXT NOT NULL, updated REAL NOT NULL);
            CREATE INDEX IF NOT EXISTS dossier_status ON dossier(status);
            CREATE TABLE IF NOT EXISTS task (id TEXT PRIMARY KEY, dossier_id TEXT NOT NULL, kind TEXT NOT NULL, agency TEXT NOT NULL,
                                             status TEXT NOT NULL, result TEXT);
            CREATE INDEX IF NOT EXISTS task_dossier ON task(dossier_id);
            CREATE TABLE IF NOT EXISTS event (seq INTEGER PRIMARY KEY, dossier_id TEXT NOT NULL, type TEXT NOT NULL, at REAL NOT NULL, data TEXT);
        """)
        self.lock = threading.Lock()

    def write(self, body):
        with self.lock:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                out = body(self.db)
                self.db.execute("COMMIT")
                return out
            except Exception:
                self.db.execute("ROLLBACK")
                raise


def serve(database):
    state = State(database)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def answer(self, status, body=None):
            data = json.dumps(body).encode() if body is not None else b""
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            if self.path.startswith("/v1/dossiers?status=ready-to-return"):
                rows = state.db.execute("SELECT id FROM dossier WHERE status = 'ready-to-return' LIMIT 100").fetchall()
                return self.answer(200, {"items": [{"id": r[0]} for r in rows]})
            self.answer(404, {"title": "not found"})

        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
            parts = self.path.strip("/").split("/")
            if parts == ["v1", "dossiers"]:
                return self.intake(body)
            if len(parts) == 4 and parts[:2] == ["v1", "tasks"] and parts[3] == "events":
                return self.event(parts[2], body)
            if len(parts) == 4 and parts[:2] == ["v1", "dossiers"] and parts[3] == "return":
                return self.returned(parts[2])
            self.answer(404, {"title": "not found"})

        def intake(self, body):
            if not isinstance(body, dict) or "child" not in body:
                return self.answer(422, {"title": "invalid"})
            dossier_id = "hs_" + uuid.uuid4().hex
            tasks = [("t_" + uuid.uuid4().hex, kind, agency) for kind, agency in KINDS]

            def write(db):
                now = time.time()
                db.execute("INSERT INTO dossier VALUES (?, 'in-progress', ?, ?)", (dossier_id, json.dumps(body), now))
                for i, (tid, kind, agency) in enumerate(tasks):
                    db.execute("INSERT INTO task VALUES (?, ?, ?, ?, ?, NULL)", (tid, dossier_id, kind, agency, "pending" if i == 0 else "waiting"))
                db.execute("INSERT INTO event (dossier_id, type, at) VALUES (?, 'dossier.received', ?)", (dossier_id, now))
            state.write(write)
            deliver(tasks[0][0], tasks[0][1], tasks[0][2], dossier_id)
            self.answer(201, {"id": dossier_id, "status": "in-progress"})

        def event(self, task_id, body):
            kind = body.get("type")
            handoffs = []

            def write(db):
                row = db.execute("SELECT dossier_id, kind FROM task WHERE id = ?", (task_id,)).fetchone()
                if row is None:
                    return 404
                dossier_id, task_kind = row
                status = {"delivered": "delivered", "acknowledged": "acknowledged", "completed": "completed"}.get(kind)
                if status is None:
                    return 422
                # Callbacks may overtake the consumer's "delivered": a status never goes back.
                rank = "CASE status WHEN 'waiting' THEN 0 WHEN 'pending' THEN 1 WHEN 'delivered' THEN 2 WHEN 'acknowledged' THEN 3 ELSE 4 END"
                order = {"delivered": 2, "acknowledged": 3, "completed": 4}[kind]
                if db.execute(f"UPDATE task SET status = ?, result = ? WHERE id = ? AND {rank} < ?",
                              (status, json.dumps(body.get("result")), task_id, order)).rowcount == 0:
                    return 200
                db.execute("INSERT INTO event (dossier_id, type, at, data) VALUES (?, ?, ?, ?)",
                           (dossier_id, f"task.{kind}", time.time(), json.dumps(body)))
                if kind == "completed":
                    if task_kind == "birth-registration":
                        for tid, k, agency in db.execute("SELECT id, kind, agency FROM task WHERE dossier_id = ? AND status = 'waiting'",
                                                         (dossier_id,)).fetchall():
                            db.execute("UPDATE task SET status = 'pending' WHERE id = ?", (tid,))
                            handoffs.append((tid, k, agency, dossier_id))
                    left = db.execute("SELECT count(*) FROM task WHERE dossier_id = ? AND status != 'completed'", (dossier_id,)).fetchone()[0]
                    if left == 0:
                        db.execute("UPDATE dossier SET status = 'ready-to-return', updated = ? WHERE id = ?", (time.time(), dossier_id))
                return 200
            status = state.write(write)
            for h in handoffs:
                deliver(*h)
            self.answer(status, {})

        def returned(self, dossier_id):
            def write(db):
                changed = db.execute("UPDATE dossier SET status = 'returned', updated = ? WHERE id = ? AND status = 'ready-to-return'",
                                     (time.time(), dossier_id)).rowcount
                if changed:
                    db.execute("INSERT INTO event (dossier_id, type, at) VALUES (?, 'dossier.returned', ?)", (dossier_id, time.time()))
                return 200 if changed else 409
            self.answer(state.write(write), {"status": "returned"})

    ThreadingHTTPServer(("127.0.0.1", API), Handler).serve_forever()


def agencies():
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def do_POST(self):
            message = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
            self.send_response(204)
            self.send_header("Content-Length", "0")
            self.end_headers()
            task = message["task"]["id"]
            threading.Thread(target=lambda: (post(API, f"/v1/tasks/{task}/events", {"type": "acknowledged"}),
                                             post(API, f"/v1/tasks/{task}/events", {"type": "completed", "result": {"ok": True}}))).start()

    ThreadingHTTPServer(("127.0.0.1", AGENCIES_PORT), Handler).serve_forever()


def consume():
    # Short polling delays: huey's defaults (0.1 s, backing off to 10 s) would leave the workers asleep between bursts.
    consumer = huey.create_consumer(workers=8, worker_type="thread", initial_delay=0.005, backoff=1.15, max_delay=0.05)
    consumer.run()


if __name__ == "__main__":
    {"serve": lambda: serve(sys.argv[2]), "agencies": agencies, "consume": consume}[sys.argv[1]]()
