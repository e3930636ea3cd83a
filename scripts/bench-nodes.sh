#!/bin/bash
# Usage: scripts/bench-nodes.sh ROUNDS WORKLOAD CONNS
# Per-request cost of one node on SQLite, one node on PostgreSQL, and two
# nodes on one PostgreSQL database (a bench process per node, run at once),
# alternated per round. Needs TRENT_TEST_POSTGRES (a server URL whose user
# may create databases; `.ci/postgres start DIR` prints one) and release
# builds of trent and trent-bench. DUR sets the measured seconds. One line
# per run: the bench's row per node, and the CPU seconds PostgreSQL's
# processes spent during the run (the server µs/req column counts Trent's
# process only).
set -euo pipefail
rounds=$1; workload=$2; conns=$3
bin=${TRENT_BIN:-target/release/trent}; bench=${TRENT_BENCH:-target/release/trent-bench}
server=${TRENT_TEST_POSTGRES:?set TRENT_TEST_POSTGRES}
base=${server%%\?*}; base=${base%/*}
root=${BENCH_DATA:-/tmp/trent-benchnodes}
pg_cpu() { # CPU seconds of every live postgres process so far (utime + stime)
  local tick; tick=$(getconf CLK_TCK)
  for pid in $(pgrep -x postgres); do cat "/proc/$pid/stat" 2>/dev/null; done \
    | awk -v tick="$tick" '{ sub(/^.*\) /, ""); s += $12 + $13 } END { printf "%.2f", s / tick }'
}
start() { # start NAME EXTRA... -> "pid addr"
  local d=$root/$1; shift
  "$bin" serve --data-dir "$d" --listen 127.0.0.1:0 --admin-listen off --quota-scale 0 "$@" > "$d/out" 2> "$d/err" &
  local pid=$!
  for _ in $(seq 100); do grep -q "trent listening on" "$d/out" 2>/dev/null && break; sleep 0.1; done
  echo "$pid $(grep "trent listening on" "$d/out" | awk '{print $4}')"
}
run() { # run DIR PID ADDR
  "$bench" --endpoint "http://$3" --credentials "$1/root-credentials" --workload "$workload" \
    --connections "$conns" --duration "${DUR:-4}" --warmup 1 --server-pid "$2" 2>&1 \
    | grep -iE "^ *$workload|^ *(createkey|createalias|encrypt|decrypt)" | head -1 | tr -s ' '
}
for r in $(seq 1 "$rounds"); do
  for setup in sqlite postgres two-nodes; do
    rm -rf "$root"; mkdir -p "$root/a" "$root/b"
    db="bench_$(date +%s%N)"
    psql "$server" -XAtqc "CREATE DATABASE $db" >/dev/null
    url="$base/$db"
    case $setup in
      sqlite) read -r pa aa < <(start a) ;;
      *) read -r pa aa < <(start a --store "$url") ;;
    esac
    if [ "$setup" = two-nodes ]; then
      cp "$root/a/root-key" "$root/a/root-credentials" "$root/b/"
      read -r pb ab < <(start b --store "$url")
    fi
    before=$(pg_cpu)
    if [ "$setup" = two-nodes ]; then
      run "$root/a" "$pa" "$aa" > "$root/ra" & bench_a=$!
      run "$root/b" "$pb" "$ab" > "$root/rb"
      wait "$bench_a"
      line="node1: $(cat "$root/ra") | node2: $(cat "$root/rb")"
    else
      line=$(run "$root/a" "$pa" "$aa")
    fi
    after=$(pg_cpu)
    kill -TERM "$pa" ${pb:-} 2>/dev/null || true
    wait "$pa" ${pb:-} 2>/dev/null || true; pb=
    psql "$server" -XAtqc "DROP DATABASE $db WITH (FORCE)" >/dev/null
    echo "r$r $workload c$conns $setup | $line | postgres cpu $(awk "BEGIN {print $after - $before}") s"
  done
done
