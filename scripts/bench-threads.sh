#!/bin/bash
# scripts/bench-threads.sh BIN CONNS [serve args]: Encrypt load (4 s) on a fresh
# server, then the CPU each of its threads spent (by name, in ms, USER_HZ
# ticks) over the measured seconds, and the audit log's events and syncs:
# e.g. the audit writer thread's share against the runtime workers'.
bin=$1; conns=$2; shift 2
d=${BENCH_DATA:-/tmp/trent-benchdata}/threads; rm -rf $d; mkdir -p $d
$bin serve --data-dir $d --listen 127.0.0.1:0 --admin-listen off --quota-scale 0 "$@" > $d/out 2> $d/err & pid=$!
for i in $(seq 100); do grep -q "trent listening on" $d/out 2>/dev/null && break; sleep 0.1; done
addr=$(grep "trent listening on" $d/out | awk '{print $4}')
snap() { for t in /proc/$pid/task/*; do echo "$(cat $t/comm) $(awk '{print $14+$15}' $t/stat)"; done | awk '{a[$1]+=$2} END {for (k in a) print k, a[k]}' | sort; }
${TRENT_BENCH:-target/release/trent-bench} --endpoint http://$addr --credentials $d/root-credentials --workload encrypt --connections $conns --duration 4 --warmup 1 --server-pid $pid > $d/bench 2>&1 &
b=$!; sleep 1.2; snap > $d/s1; wait $b; snap > $d/s2
kill -TERM $pid; wait $pid 2>/dev/null
ev=$(sed "s/\x1b\[[0-9;]*m//g" $d/err | grep -o "events=[0-9]* syncs=[0-9]*" | tail -1)
echo "$(grep Encrypt $d/bench | tr -s ' ') | $ev | $(join $d/s1 $d/s2 | awk '{printf "%s %dms ", $1, ($3-$2)*10}')"
