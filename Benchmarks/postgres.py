#!/usr/bin/env python3
"""PostgreSQL next to SQLite in one run (issue 13): durable HTTP intake (wrk, each 201 after its commit) on SQLite,
on PostgreSQL with one instance and with two instances sharing the database, and each backend's own single-row
commit ceiling measured in the same run: pgbench with a one-insert script for PostgreSQL, `lienthong bench
sqlite-ceiling` for SQLite; then the whole bundle (bundle.py) on SQLite and on PostgreSQL with one and two instances. Writes Benchmarks/results/postgres-<date>.json and prints a table.

  swift build -c release && python3 Benchmarks/postgres.py [--clients 16,64] [--seconds 10]

Starts its own throwaway PostgreSQL (scripts/pg-throwaway.sh, as root) unless LIENTHONG_TEST_POSTGRES is set.
Needs wrk and pgbench (Debian: wrk, postgresql-client)."""
import argparse, json, os, re, subprocess, sys, tempfile, threading, time, uuid

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "scripts"))
from harness import start_server  # noqa: E402
sys.path.insert(0, HERE)
import bundle  # noqa: E402


def wrk(port, clients, seconds, prefix, out):
    env = dict(os.environ, LT_OUT=out, LT_PREFIX=str(prefix), LT_DOB=time.strftime("%Y-%m-%d", time.localtime(time.time() - 5 * 86400)))
    subprocess.run(["wrk", "-t", str(min(2, clients)), "-c", str(clients), "-d", f"{seconds}s", "--timeout", "10s",
                    "-s", os.path.join(HERE, "wrk", "intake.lua"), f"http://127.0.0.1:{port}"],
                   check=True, capture_output=True, text=True, env=env)
    return json.load(open(out))


def intake(binary, database, instances, clients, seconds, base_port):
    """Clients split evenly over the instances; returns dossiers/s (all instances) and the worst p50/p99."""
    workdir = tempfile.mkdtemp(prefix="lienthong-bench-pg-")
    servers = [start_server(binary, base_port + i, workdir, None, cwd=ROOT, database=database, log_name=f"serve-{i}.log",
                            extra=["--simulate", "off", "--log-format", "json"]) for i in range(instances)]
    try:
        results = [None] * instances
        def one(i):
            results[i] = wrk(base_port + i, clients // instances, seconds, 1 + i + 3 * (clients % 3), os.path.join(workdir, f"wrk-{i}.json"))
        threads = [threading.Thread(target=one, args=(i,)) for i in range(instances)]
        for t in threads: t.start()
        for t in threads: t.join()
        ok = sum(r["requests"] - r["errors"] for r in results)
        return {"instances": instances, "clients": clients, "dossiersPerSecond": round(ok / max(r["seconds"] for r in results)),
                "p50ms": max(r["p50ms"] for r in results), "p99ms": max(r["p99ms"] for r in results),
                "errors": sum(r["errors"] for r in results)}
    finally:
        for s in servers:
            s.terminate()
            s.wait(timeout=30)


def pg_ceiling(url, clients, seconds):
    """pgbench: one ~2 KB row inserted per transaction (synchronous_commit on), `clients` connections."""
    subprocess.run(["psql", url, "-q", "-c", "CREATE TABLE IF NOT EXISTS bench_ceiling (id BIGSERIAL PRIMARY KEY, doc TEXT NOT NULL)"], check=True)
    script = tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False)
    script.write("INSERT INTO bench_ceiling (doc) VALUES (repeat('x', 2000));\n")
    script.close()
    out = subprocess.run(["pgbench", "-n", "-c", str(clients), "-j", str(min(2, clients)), "-T", str(seconds), "-f", script.name, url],
                         check=True, capture_output=True, text=True).stdout
    tps = float(re.search(r"tps = ([0-9.]+)", out).group(1))
    latency = re.search(r"latency average = ([0-9.]+) ms", out)
    return {"clients": clients, "rowsPerSecond": round(tps), "latencyAverageMs": float(latency.group(1)) if latency else None}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build/release/lienthong"))
    parser.add_argument("--clients", default="16,64")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--port", type=int, default=18680)
    parser.add_argument("--parts", default="intake,bundle")
    parser.add_argument("--bundle-dossiers", type=int, default=1000)
    parser.add_argument("--commit", help="the commit the binary was built from (default: the checkout's HEAD)")
    args = parser.parse_args()
    parts = set(args.parts.split(","))
    base = os.environ.get("LIENTHONG_TEST_POSTGRES")
    if not base:
        env = subprocess.run(["bash", os.path.join(ROOT, "scripts/pg-throwaway.sh")], check=True, capture_output=True, text=True).stdout
        base = re.search(r"LIENTHONG_TEST_POSTGRES=(\S+)", env).group(1)
    results = {"date": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "cores": os.cpu_count(),
               "commit": args.commit or subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                                       text=True).stdout.strip(),
               "sqliteCeiling": json.loads(subprocess.run([args.binary, "bench", "sqlite-ceiling", "--seconds", "5"], cwd=ROOT, check=True,
                                                          capture_output=True, text=True).stdout.strip().splitlines()[-1]),
               "postgresCeiling": [], "sqlite": [], "postgres": [], "bundle": []}
    for clients in [int(c) for c in args.clients.split(",")] if "intake" in parts else []:
        print(f"{clients} clients…", file=sys.stderr)
        results["postgresCeiling"].append(pg_ceiling(base, clients, args.seconds))
        sqlite_dir = tempfile.mkdtemp(prefix="lienthong-bench-sqlite-")
        results["sqlite"].append(intake(args.binary, os.path.join(sqlite_dir, "db.sqlite"), 1, clients, args.seconds, args.port))
        for instances in (1, 2):
            schema = f"bench_{uuid.uuid4().hex[:10]}"
            database = f"{base}{'&' if '?' in base else '?'}schema={schema}&pool=32"
            results["postgres"].append(intake(args.binary, database, instances, clients, args.seconds, args.port + 10))
    if "bundle" in parts:
        # The whole bundle (Benchmarks/bundle.py: agencies as a separate process, 16 officers flat out) on each backend.
        for postgres, instances in ((None, 1), (base, 1), (base, 2)):
            print(f"bundle, {'PostgreSQL' if postgres else 'SQLite'}, {instances} instance(s)…", file=sys.stderr)
            results["bundle"].append(bundle.run(args.binary, ROOT, args.bundle_dossiers, 16, None, args.port + 20, args.port + 21,
                                                postgres=postgres, instances=instances))
    os.makedirs(os.path.join(HERE, "results"), exist_ok=True)
    path = os.path.join(HERE, "results", time.strftime("postgres-%Y%m%d-%H%M.json"))
    json.dump(results, open(path, "w"), indent=1)
    c = results["sqliteCeiling"]["rowsPerSecond"]
    print(f"\n| measure | clients | result | × its ceiling |\n|---|---|---|---|")
    print(f"| SQLite single-row commit ceiling | 1 writer | {c} rows/s | 1 |")
    for p in results["postgresCeiling"]:
        print(f"| PostgreSQL single-row commit ceiling (pgbench) | {p['clients']} | {p['rowsPerSecond']} rows/s | 1 |")
    ceilings = {p["clients"]: p["rowsPerSecond"] for p in results["postgresCeiling"]}
    for r in results["sqlite"]:
        print(f"| HTTP intake, SQLite | {r['clients']} | {r['dossiersPerSecond']}/s, p50 {r['p50ms']:.1f} ms, p99 {r['p99ms']:.1f} ms | "
              f"{r['dossiersPerSecond'] / c:.2f} |")
    for r in results["postgres"]:
        print(f"| HTTP intake, PostgreSQL, {r['instances']} instance(s) | {r['clients']} | {r['dossiersPerSecond']}/s, "
              f"p50 {r['p50ms']:.1f} ms, p99 {r['p99ms']:.1f} ms, errors {r['errors']} | {r['dossiersPerSecond'] / ceilings[r['clients']]:.2f} |")
    for b in results["bundle"]:
        whole = b["steps"].get("received → returned (whole bundle)", {})
        print(f"| whole bundle, {b['backend']}, {b['instances']} instance(s), {b['dossiers']} dossiers | 16 | {b['bundlesPerSecond']} bundles/s, "
              f"received → returned p50 {whole.get('p50')} ms, errors {b['errors']} | |")
    print(f"\nraw: {os.path.relpath(path, ROOT)}")


if __name__ == "__main__":
    main()
