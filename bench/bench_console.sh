#!/bin/bash
# bench_console: the web console's time to first paint, measured in
# headless Chromium, for a ward of 5,000 venues over 10,000,000 visits
# (make bench's trace data, bench/bench_trace.c, with every venue in one
# ward) on PostgreSQL: the ward report, and a depth-2 trace answer. Each
# beside the same answer fetched bare over HTTP in the same run.
#
#   bench/bench_console.sh [VISITS]      (KIOSK_TEST_PG: a running server,
#                                         else one is started)
set -eu
cd "$(dirname "$0")/.."
. tests/pg.sh
N=${1:-${CONSOLE_VISITS:-10000000}}
STARTED=
if [ -z "${KIOSK_TEST_PG:-}" ]; then
	pg_start
	STARTED=1
fi
export PGOPTIONS="-c client_min_messages=warning" KIOSK_LOG_LEVEL=warn
DB=$KIOSK_TEST_PG/bench_console
T=$(mktemp -d "${TMPDIR:-/tmp}/kiosk-console-bench-XXXXXX")
cleanup() {
	[ -z "${CPID:-}" ] || kill "$CPID" 2>/dev/null || true
	wait 2>/dev/null || true
	psql -qAt "$KIOSK_TEST_PG/postgres" -c "DROP DATABASE IF EXISTS bench_console" > /dev/null 2>&1 || true
	rm -rf "$T"
	[ -z "$STARTED" ] || pg_stop
}
trap cleanup EXIT
psql -qAt "$KIOSK_TEST_PG/postgres" -c "DROP DATABASE IF EXISTS bench_console" -c "CREATE DATABASE bench_console"
build/bin/collector init --db "$DB" > /dev/null
BENCH_TRACE_WARDS=1 build/bench/bench_trace "$DB" "$N" 1 | sed -n '1p'
build/bin/collector token --db "$DB" --role tracer | tail -1 > "$T/tracer"
build/bin/collector token --db "$DB" --role patrol --ward "Ward 0" | tail -1 > "$T/patrol"
build/bin/collector serve --listen 127.0.0.1:0 --db "$DB" > "$T/out" 2> "$T/err" &
CPID=$!
for _ in $(seq 100); do grep -q listening "$T/out" && break; sleep 0.1; done
URL=$(grep -o 'http://[0-9.:]*' "$T/out" | head -1)
# A person of the data (row 0's) over the bench's last 14 days.
FROM=$(date -d '15 days ago' +%Y-%m-%dT00:00)
TO=$(date -d 'tomorrow' +%Y-%m-%dT00:00)
/usr/bin/python3 bench/console_bench.py "$URL" "$(cat "$T/tracer")" "$(cat "$T/patrol")" \
	"Ward 0" phone:0900000000 "$FROM" "$TO" > "$T/b.json"
python3 - "$T/b.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
print("  the console's page itself: first contentful paint %.0f ms" % (d["shell_fcp_ms"] or 0))
print("  ward report (%s): first paint %.0f ms after the press, %.1fx the bare answer (%.0f ms, %d kB); %d rows drawn at first"
      % (d["report_summary"].split(":")[1].split(",")[0].strip(), d["report_ms"], d["report_ms"] / d["report_bare_ms"],
         d["report_bare_ms"], d["report_bytes"] // 1024, d["report_venues"]))
print("  trace, depth 2 (%s): first paint %.0f ms after the press, %.1fx the bare answer (%.0f ms, %d kB)"
      % (d["trace_summary"], d["trace_ms"], d["trace_ms"] / d["trace_bare_ms"], d["trace_bare_ms"], d["trace_bytes"] // 1024))
print("  (medians of %d rounds, headless Chromium at 1366x768)" % d["rounds"])
PY
