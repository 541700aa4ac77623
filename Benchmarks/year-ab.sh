#!/bin/bash
# Interleaved A/B of the simulated year: for each round, each binary runs `bench year` under `perf record` and
# prints its wall time and the CPU seconds of GRDB's writer thread and of Swift's cooperative pool (perf samples at
# 1000 Hz, grouped by thread name). The writer's CPU is steadier than wall time on this shared VM, and the writer
# is the year's serial path. Run from the repository root (the binary finds Schemas/ from there).
#   Benchmarks/year-ab.sh ROUNDS BINARY... (env: WD working days, default 1; DOSSIERS, default 1500000)
set -euo pipefail
rounds=$1; shift
data=$(mktemp /tmp/year-ab.XXXXXX)
for _ in $(seq "$rounds"); do for b in "$@"; do
  out=$(perf record -q -F 1000 -o "$data" -- "$b" bench year --dossiers "${DOSSIERS:-1500000}" --working-days "${WD:-1}" 2>/dev/null | tail -1)
  wall=$(echo "$out" | grep -oE '"wallSeconds":[0-9.]+' | cut -d: -f2)
  cpc=$(echo "$out" | grep -oE '"commandsPerCommit":[0-9.]+' | cut -d: -f2)
  perf report -i "$data" -n --sort comm --stdio 2>/dev/null | grep -v '^#' | grep -v '^$' |
    awk -v b="$b" -v w="$wall" -v c="$cpc" '{n[$3]=$2} END {printf "%-24s wall %6.1f s  writer %6.1f s  pool %6.1f s  commands/commit %s\n", b, w, n["-qos.overcommit"]/1000, n["oot.default-qos"]/1000, c}'
done; done
rm -f "$data"
