#!/bin/bash
# run.sh: `make bench`. Every figure is a ratio against a reference run in
# the same process or the same run, so it holds on a noisy machine.
set -eu
cd "$(dirname "$0")/.."
echo "== store: kiosk check-in path vs bare SQLite insert (same durability)"
build/bench/bench_store "${BENCH_CHECKINS:-2000}" "${BENCH_ROUNDS:-5}"
echo
echo "== store growth: open, status and a backlog's upload at 1k to 1M visits (flat, flat, linear)"
BENCH_DIR=build build/bench/bench_growth ${BENCH_GROWTH_SIZES:-1000 100000 200000 1000000}
echo
echo "== decode: generated realistic texts (CCCD, PC-Covid, passes, phones) read byte for byte"
KIOSK_CORPUS_N=${BENCH_CORPUS:-5000} build/tests/test_corpus 2>&1 | grep '^corpus'
echo
echo "== decode: kiosk pipeline vs zbar and zxing-cpp alone, on generated kiosk-like frames and the shared photos"
bench/mkframes.sh build/bench-frames > /dev/null
PHOTOS=${QR_PHOTOS:-../shared/data/qr-photos}
DIRS=(build/bench-frames/*)
[ -d "$PHOTOS" ] && DIRS+=("$PHOTOS"/qrcode-*)
echo "-- in process (same images loaded once; references: one plain zbar pass, zxing-cpp alone with its defaults)"
build/bench/bench_decode "${DIRS[@]}"
if command -v zbarimg > /dev/null; then
	echo "-- against zbarimg itself (its ms include process start; reads are what counts)"
	python3 bench/decode_compare.py build/bin/kioskctl build/bench-frames \
		$([ -d "$PHOTOS" ] && echo "$PHOTOS")
fi
echo
echo "== latency: frame arrival to durable check-in, through the worker"
rm -rf build/bench-latency && mkdir -p build/bench-latency
# 40 visitors, each code in view for 3 frames as when held up to a camera
# (a frame that needs a retry gets it on the next one).
for i in $(seq -w 1 40); do
	build/tools/mkframe --text "09$(printf %08d "$((10#$i))")" --module 4 \
		--rotate 5 --out build/bench-latency/$i-a.png --seed "$((10#$i))"
	cp build/bench-latency/$i-a.png build/bench-latency/$i-b.png
	cp build/bench-latency/$i-a.png build/bench-latency/$i-c.png
done
build/bench/bench_latency build/bench-latency
# The same visitors after a still scene (the kiosk idles, decoding about
# once a second): the first frame with a code must be read at once.
rm -rf build/bench-latency-idle && mkdir -p build/bench-latency-idle
for i in $(seq -w 1 15); do
	for f in $(seq -w 1 50); do
		build/tools/mkframe --no-code --scene-seed 3 --seed "$((10#$f))" \
			--out build/bench-latency-idle/$i-a$f.png
	done
	for x in b c d; do
		cp build/bench-latency/$i-a.png build/bench-latency-idle/$i-$x.png
	done
done
echo "-- after 2 s of a still scene each (the pace's idle state)"
build/bench/bench_latency build/bench-latency-idle
echo
echo "== kiosk: CPU and memory at the ready screen, with codes, in display mode"
bench/bench_kiosk.sh
echo
echo "== sync: the collector on both backends (PostgreSQL: a server of our own)"
. tests/pg.sh
trap pg_stop EXIT
pg_start
for b in sqlite postgresql; do
	if [ $b = postgresql ]; then
		psql -qAt "$KIOSK_TEST_PG/postgres" -c "CREATE DATABASE bench_ingest"
		url=$KIOSK_TEST_PG/bench_ingest
	else
		rm -f build/bench-ingest.db*
		url=sqlite:build/bench-ingest.db
	fi
	build/bench/bench_ingest "$url" "${INGEST_VISITS:-100000}"
	bench/bench_sync.sh $b
done
echo
echo "== trace: latency over 5,000 venues and 28 days, both backends"
export PGOPTIONS="-c client_min_messages=warning"
for n in ${BENCH_TRACE_SIZES:-1000000 10000000}; do
	psql -qAt "$KIOSK_TEST_PG/postgres" -c "DROP DATABASE IF EXISTS bench_trace" -c "CREATE DATABASE bench_trace"
	build/bench/bench_trace "$KIOSK_TEST_PG/bench_trace" "$n"
	psql -qAt "$KIOSK_TEST_PG/postgres" -c "DROP DATABASE bench_trace"
	rm -f build/bench-trace.db*
	build/bench/bench_trace sqlite:build/bench-trace.db "$n"
	rm -f build/bench-trace.db*
done
echo
echo "== trace through a coordinator of two district shards against one node, ${SHARD_VISITS:-10000000} visits (three PostgreSQL servers)"
bench/bench_shards.sh "${SHARD_VISITS:-10000000}"
echo
echo "== web console: time to first paint, ward of 5,000 venues, ${CONSOLE_VISITS:-10000000} visits (PostgreSQL, headless Chromium)"
bench/bench_console.sh "${CONSOLE_VISITS:-10000000}"
echo
echo "== collector under a burst: ${BURST_KIOSKS:-5000} kiosks reconnecting through one proxy address, then 256 connections"
rm -f build/bench-burst.db*
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
build/bin/collector serve --listen 127.0.0.1:$PORT --db sqlite:build/bench-burst.db \
	--trusted-proxy 127.0.0.1 > build/bench-burst.out 2>&1 &
CPID=$!
for _ in $(seq 50); do grep -q listening build/bench-burst.out && break; sleep 0.1; done
build/bench/bench_burst drain "http://127.0.0.1:$PORT" sqlite:build/bench-burst.db \
	"${BURST_KIOSKS:-5000}" "${BURST_VISITS:-20}" 64 || true
build/bench/bench_burst load "http://127.0.0.1:$PORT" /api/v1/health 256 10 || true
kill $CPID; wait $CPID 2> /dev/null || true
rm -f build/bench-burst.db*
