#!/usr/bin/env python3
"""One command for the benchmarks of issue #7; writes Benchmarks/results/run-<date>.json and prints a table.

  swift build -c release            # once (about 8 minutes cold on 2 cores; not part of CI)
  python3 Benchmarks/run.py         # [--clients 1,16,64] [--seconds 10] [--year-dossiers 20000] [--scale 10000,100000]

Measures, in one run on this machine:
  1. the raw SQLite ceiling (WAL, synchronous=FULL, one ~2 KB row per transaction, one writer);
  2. durable HTTP intake (POST /v1/dossiers on loopback, wrk, each 201 sent after its commit) at 1/16/64 clients;
  3. the simulated year (in-process, manual clock) at --year-dossiers, extrapolated to 1.5 million;
  4. timer and storage scale (`lienthong bench timers`) at each --scale size of open dossiers.
Needs wrk (apt-get install wrk).
"""
import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "scripts"))
from harness import start_server  # noqa: E402


def run_json(args):
    out = subprocess.run(args, cwd=ROOT, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def intake(binary, clients, seconds, port):
    workdir = tempfile.mkdtemp(prefix="lienthong-bench-intake-")
    # The demo's simulator and story stay off: intake alone, agencies pull.
    server = start_server(binary, port, workdir, None, cwd=ROOT, extra=["--simulate", "off", "--log-format", "json"])
    try:
        out = os.path.join(workdir, "wrk.json")
        env = dict(os.environ, LT_OUT=out, LT_PREFIX=str(clients % 9 + 1), LT_DOB=time.strftime("%Y-%m-%d", time.localtime(time.time() - 5 * 86400)))
        subprocess.run(["wrk", "-t", str(min(2, clients)), "-c", str(clients), "-d", f"{seconds}s", "--timeout", "10s",
                        "-s", os.path.join(HERE, "wrk", "intake.lua"), f"http://127.0.0.1:{port}"],
                       check=True, capture_output=True, text=True, env=env)
        result = json.load(open(out))
        result["clients"] = clients
        result["dossiersPerSecond"] = round((result["requests"] - result["errors"]) / result["seconds"])
        return result
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(workdir, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build/release/lienthong"))
    parser.add_argument("--clients", default="1,16,64")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--year-dossiers", type=int, default=20000)
    parser.add_argument("--scale", default="10000,100000")
    parser.add_argument("--port", type=int, default=18580)
    args = parser.parse_args()
    if not os.path.exists(args.binary):
        sys.exit(f"{args.binary} is missing: run `swift build -c release` first")
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: apt-get install wrk")
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.machine())
    results = {"date": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "machine": {"cpu": cpu, "cores": os.cpu_count(),
               "memoryGiB": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1), "kernel": platform.release()}}
    print("sqlite ceiling…", file=sys.stderr)
    results["sqliteCeiling"] = run_json([args.binary, "bench", "sqlite-ceiling", "--seconds", "5"])
    results["intake"] = []
    for clients in [int(c) for c in args.clients.split(",")]:
        print(f"intake, {clients} clients…", file=sys.stderr)
        results["intake"].append(intake(args.binary, clients, args.seconds, args.port))
    print(f"year, {args.year_dossiers} dossiers…", file=sys.stderr)
    year = run_json([args.binary, "bench", "year", "--dossiers", str(args.year_dossiers)])
    year["extrapolatedWallSecondsFor1500000"] = round(year["wallSeconds"] * 1_500_000 / year["dossiers"])
    results["year"] = year
    results["scale"] = []
    for size in [int(s) for s in args.scale.split(",") if s]:
        print(f"timers at {size} open dossiers…", file=sys.stderr)
        results["scale"].append(run_json([args.binary, "bench", "timers", "--open-dossiers", str(size), "--probes", "200"]))
    os.makedirs(os.path.join(HERE, "results"), exist_ok=True)
    path = os.path.join(HERE, "results", time.strftime("run-%Y%m%d-%H%M.json"))
    json.dump(results, open(path, "w"), indent=1, ensure_ascii=False)

    c = results["sqliteCeiling"]
    print(f"\n{results['date']} · {cpu} · {os.cpu_count()} cores · {results['machine']['memoryGiB']} GiB\n")
    print("| measure | result |\n|---|---|")
    print(f"| raw SQLite ceiling (WAL, synchronous=FULL, 1 row/txn) | {c['rowsPerSecond']} rows/s, p50 {c['p50ms']} ms, p99 {c['p99ms']} ms |")
    for r in results["intake"]:
        print(f"| HTTP intake, {r['clients']} clients | {r['dossiersPerSecond']} dossiers/s "
              f"({r['dossiersPerSecond'] / c['rowsPerSecond']:.2f}× ceiling), p50 {r['p50ms']:.2f} ms, p99 {r['p99ms']:.2f} ms, errors {r['errors']} |")
    print(f"| simulated year, {year['dossiers']} dossiers | {year['wallSeconds']} s wall, {year['commandsPerSecond']} commands/s, "
          f"{year['eventsPerSecond']} events/s, {year['alertsRaised']} alerts, {year['bytesPerDossier']} B/dossier; "
          f"1.5 M ≈ {year['extrapolatedWallSecondsFor1500000']} s |")
    for s in results["scale"]:
        print(f"| {s['openDossiers']} open dossiers | start-up {s['startupSeconds']} s, RSS {s['rssEndMiB']} MiB, alert p99 "
              f"{s['alertLatencyMs']['p99']} ms, seeding {s['seedSeconds']} s ({round(s['openDossiers'] / s['seedSeconds'])} dossiers/s) |")
    print(f"\nraw: {os.path.relpath(path, ROOT)}")


if __name__ == "__main__":
    main()
