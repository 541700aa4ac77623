#!/usr/bin/env bash
# Runs the README's walk-through, as written, against a fresh demo server, then stops the server with SIGTERM
# and checks that it exits 0 and that the event log verifies.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.build/debug/lienthong
work=$(mktemp -d)
port=18080
"$bin" serve --simulate off --port $port --database "$work/demo.sqlite" > "$work/serve.log" 2>&1 &
pid=$!
for _ in $(seq 1 50); do curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
sed -n '/<!-- walkthrough:start -->/,/<!-- walkthrough:end -->/p' README.md | sed '1,2d;$d' | sed '$d' > "$work/walkthrough.sh"
out=$(BASE="http://127.0.0.1:$port" bash -euo pipefail "$work/walkthrough.sh")
echo "$out"
grep -q "^returned$" <<<"$out" || { echo "walkthrough: the dossier was not returned"; exit 1; }
grep -q "^online: in-progress$" <<<"$out" || { echo "walkthrough: the online dossier was not accepted"; exit 1; }
grep -q "^death: returned$" <<<"$out" || { echo "walkthrough: the death dossier was not returned"; exit 1; }
if grep -q "+84912345678\|causeOfDeath" <<<"$(grep '^social affairs sees' <<<"$out")"; then echo "walkthrough: social affairs saw too much"; exit 1; fi
grep -q '"startDay":"2026-02-23"' <<<"$out" || { echo "walkthrough: wrong deadline"; exit 1; }
if grep -q "+84912345678" <<<"$(grep '^police sees' <<<"$out")"; then echo "walkthrough: police saw the phone"; exit 1; fi
kill -TERM $pid
status=0; wait $pid || status=$?
[ "$status" -eq 0 ] || { echo "walkthrough: serve exited $status after SIGTERM"; cat "$work/serve.log"; exit 1; }
"$bin" audit verify --database "$work/demo.sqlite"
echo "walkthrough: OK"
