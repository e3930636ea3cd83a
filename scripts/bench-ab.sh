#!/bin/bash
# Usage: scripts/bench-ab.sh ROUNDS CONNS "name:binary:extra args" ...
# e.g.   scripts/bench-ab.sh 2 64 "noaudit:/tmp/trent-noaudit:" "always:target/release/trent:" \
#            "interval:target/release/trent:--audit-sync interval"
# (build the no-audit reference with
#  `cargo build --release -p trent --features measure-without-audit` and copy it away).
# Starts each build (secure mode, fresh data folder under $BENCH_DATA), runs
# Encrypt (32 bytes, context) with --baseline, alternating builds per round;
# DUR sets the measured seconds. One line per run: baseline and Encrypt rows.
# A spec whose extra args include --tls serves HTTPS with a throwaway CA
# (trent-bench test-ca), and the bench and its baseline then run over TLS:
#   scripts/bench-ab.sh 4 64 "plain:target/release/trent:" "tls:target/release/trent:--tls"
rounds=$1; conns=$2; shift 2
for r in $(seq 1 $rounds); do
  for spec in "$@"; do
    name=${spec%%:*}; rest=${spec#*:}; bin=${rest%%:*}; extra=${rest#*:}
    d=${BENCH_DATA:-/tmp/trent-benchdata}/$name; rm -rf $d; mkdir -p $d
    bench=${TRENT_BENCH:-target/release/trent-bench}; scheme=http; tlsargs=()
    if [[ " $extra " == *" --tls "* ]]; then
      extra=${extra//--tls/}; scheme=https
      $bench test-ca $d/tls || exit 1
      extra="$extra --tls-cert $d/tls/cert.pem --tls-key $d/tls/key.pem"; tlsargs=(--ca-bundle $d/tls/ca.pem)
    fi
    # Request-rate quotas off (the load exceeds the 10,000/s symmetric
    # default); a spec's own --quota-scale comes later and wins.
    $bin serve --data-dir $d --listen 127.0.0.1:0 --admin-listen off --quota-scale 0 $extra > $d/out 2> $d/err &
    pid=$!
    for i in $(seq 100); do grep -q "trent listening on" $d/out 2>/dev/null && break; sleep 0.1; done
    addr=$(grep "trent listening on" $d/out | awk '{print $4}')
    res=$($bench --endpoint $scheme://$addr "${tlsargs[@]}" --credentials $d/root-credentials --workload encrypt --connections $conns --duration ${DUR:-4} --warmup 1 --server-pid $pid --baseline 2>&1 | grep -E "^ *(Encrypt|encrypt|baseline \(hyper)" | head -2 | tr -s ' ' | tr '\n' '|')
    kill -TERM $pid; wait $pid 2>/dev/null
    syncs=$(sed "s/\x1b\[[0-9;]*m//g" $d/err | grep -o "syncs=[0-9]*" | tail -1); evs=$(sed "s/\x1b\[[0-9;]*m//g" $d/err | grep -o "events=[0-9]*" | tail -1)
    echo "r$r c$conns $name | $res $evs $syncs"
  done
done
