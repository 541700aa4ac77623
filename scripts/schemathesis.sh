#!/usr/bin/env bash
# Runs schemathesis (every check) against a fresh demo as each kind of client the API has: a ward officer, a
# supervisor, an agency and the national portal. Fails on any failure; the expected statuses are in schemathesis.toml.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.build/debug/lienthong
work=$(mktemp -d)
port=${PORT:-18090}
examples=${MAX_EXAMPLES:-25}
"$bin" serve --simulate off --port "$port" --database "$work/demo.sqlite" > "$work/serve.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
status=0
for token in demo-ward-00004-token demo-supervisor-token demo-police-token demo-portal-token; do
  echo "schemathesis as $token"
  if ! schemathesis run Schemas/openapi.yaml --url "http://127.0.0.1:$port" --checks all --max-examples "$examples" \
       --seed 1 --no-color -H "Authorization: Bearer $token" > "$work/$token.txt" 2>&1; then
    status=1
    sed -n '/FAILURES/,$p' "$work/$token.txt" | head -150
  fi
  tail -3 "$work/$token.txt"
done
if grep -q "panic\|Fatal error" "$work/serve.log"; then echo "schemathesis: the server crashed"; status=1; fi
exit $status
