#!/usr/bin/env bash
# One command for the benchmarks (`make bench`): the raw event-store baseline
# and the end-to-end PutLogEvents load, measured in the same run; S3 object
# throughput beside a plain file written with fsync and read back.
set -euo pipefail
BUILD=${1:-build}
CONNS=${CONNS:-4}
SECS=${SECS:-10}
tmp=$(mktemp -d)
trap 'kill $pid 2>/dev/null || true; rm -rf "$tmp"' EXIT

echo "== raw event store (LMDB) baseline =="
"$BUILD"/bench_evstore "$tmp/evstore" | tee "$tmp/evstore.txt"

echo "== delivery queue: dq_append (4 threads, 100 records of ~300 B per call, durable at ack) vs raw LMDB append (fsync per commit) =="
"$BUILD"/bench_dqueue "$tmp/dqueue" "${DQ_RECORDS:-200000}" | tee "$tmp/dqueue.txt"

echo "== model validation =="
"$BUILD"/bench_validate | tee "$tmp/validate.txt"

echo "== policy engine: decisions =="
"$BUILD"/bench_policy | tail -6

echo "== authorization check per CloudWatch Logs call vs the decision alone =="
"$BUILD"/bench_authz

port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
"$BUILD"/sluice serve --listen 127.0.0.1:$port --data "$tmp/data" --dev-credentials \
  --no-access-log 2>"$tmp/server.log" &
pid=$!
for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done

echo "== PutLogEvents end to end ($CONNS connections, ${SECS}s, durable at ack) =="
"$BUILD"/bench_put 127.0.0.1 $port "$CONNS" "$SECS" 10000 | tee "$tmp/put.txt"

echo "== S3 PutObject / GetObject vs write+fsync / read of the same bytes (${S3_SECS:-3}s per case) =="
"$BUILD"/bench_s3 127.0.0.1 $port "$tmp" "${S3_SECS:-3}" | tee "$tmp/s3.txt"
kill -TERM $pid; wait $pid || true

e2e=$(sed -n 's/.*events\/s=\([0-9]*\).*/\1/p' "$tmp/put.txt" | tail -1)
raw=$(sed -n 's/^raw_lmdb_fsync.*events\/s=\([0-9]*\).*/\1/p' "$tmp/evstore.txt" | head -1)
if [ -n "$raw" ] && [ -n "$e2e" ]; then
  python3 -c "print('ratio end-to-end / raw LMDB append (fsync) = %.2f' % ($e2e/$raw))"
fi

echo "== delivery plane: the API with 10,000 deliveries vs an empty account; dlv_route at 1,000 vs 100,000 (own server, ${DLV_SECS:-3}s per case) =="
"$BUILD"/bench_delivery "$BUILD"/sluice "${DLV_SECS:-3}"

echo "== delivery formats: one record through json / plain / w3c; the parse alone, json_parse_view vs json_parse into an arena (the baseline) =="
"$BUILD"/bench_format

echo "== delivery engine: produce -> durable / S3 / log group vs dq_append, ISA-L gzip, PutLogEvents; latency; 100,000 idle deliveries; RSS with a backlog (own servers; BENCH_BIG=1: 1 GiB backlog) =="
"$BUILD"/bench_engine "$BUILD"/sluice "${ENGINE_SCALE:-1}"
