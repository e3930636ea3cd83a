#!/bin/bash
# scripts/bench-profile.sh NAME BIN CONNS [serve args]: `perf record -g` of a
# server under Encrypt load (3 s), then its top symbols (TOP, default 12).
name=$1; bin=$2; conns=$3; shift 3
d=${BENCH_DATA:-/tmp/trent-benchdata}/prof-$name; rm -rf $d; mkdir -p $d
$bin serve --data-dir $d --listen 127.0.0.1:0 --admin-listen off --quota-scale 0 "$@" > $d/out 2> $d/err & pid=$!
sleep 1.5; addr=$(grep "trent listening on" $d/out | awk '{print $4}')
(${TRENT_BENCH:-target/release/trent-bench} --endpoint http://$addr --credentials $d/root-credentials --workload encrypt --connections $conns --duration 6 --warmup 1 --server-pid $pid > $d/bench 2>&1 &)
sleep 2.5; perf record -F 2000 -g -p $pid -o /tmp/perf-$name.data -- sleep 3 > /dev/null 2>&1; sleep 2.5; kill $pid
tail -1 $d/bench
perf report -i /tmp/perf-$name.data --no-children --sort sym -g none 2>/dev/null | grep -v "^#" | grep -v "^$" | head -${TOP:-12}

