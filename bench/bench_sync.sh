#!/bin/bash
# bench_sync.sh [sqlite|postgresql]: upload of a 100,000-visit backlog to
# a local collector with kiosk-sync --once, over HTTP, signed and
# compressed; target under 30 s on this machine. PostgreSQL needs the
# server bench/run.sh starts (KIOSK_TEST_PG). bench_ingest gives the
# ratio against a bare load.
set -eu
cd "$(dirname "$0")/.."
N=${SYNC_BACKLOG:-100000}
BACKEND=${1:-sqlite}
T=$(mktemp -d "${TMPDIR:-/tmp}/kiosk-bsync-XXXXXX")
if [ "$BACKEND" = postgresql ]; then
	DBN=bench_sync_$$
	psql -qAt "$KIOSK_TEST_PG/postgres" -c "CREATE DATABASE $DBN"
	CDB=$KIOSK_TEST_PG/$DBN
else
	CDB=sqlite:$T/c.db
fi
build/bin/collector serve --listen 127.0.0.1:0 --db "$CDB" > "$T/out" 2>/dev/null &
CPID=$!
trap 'kill $CPID 2>/dev/null; rm -rf "$T"' EXIT
for _ in $(seq 50); do grep -q listening "$T/out" && break; sleep 0.1; done
URL=$(grep -o 'http://[0-9.:]*' "$T/out")
export KIOSK_LOG_LEVEL=warn
build/bin/kioskctl --db "$T/k/v.db" init --demo --venue-id BENCH --venue-name Bench > /dev/null
TOK=$(build/bin/collector token --db "$CDB" --role device-enrolment --ward "Bến Nghé" | tail -1)
build/bin/kioskctl --db "$T/k/v.db" enroll --collector "$URL" --token "$TOK" > /dev/null
python3 -c "import sys; sys.stdout.write(''.join('09%08d\n' % i for i in range($N)))" |
	build/tests/checkin_many "$T/k/v.db" 2>/dev/null
t0=$(date +%s.%N)
build/bin/kiosk-sync --db "$T/k/v.db" --once
t1=$(date +%s.%N)
got=$(build/bin/collector stats --db "$CDB" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["visits"])')
python3 - "$N" "$got" "$t0" "$t1" "$BACKEND" <<'PY'
import sys
n, got = int(sys.argv[1]), int(sys.argv[2])
t0, t1 = map(float, sys.argv[3:5])
up = t1 - t0
batches = (n + 999) // 1000
print(f"sync ({sys.argv[5]}): {n} visits uploaded in {up:.1f} s = {n/up:.0f} visits/s "
      f"({batches} signed batches, {batches/up:.1f}/s); collector holds "
      f"{got}; target < 30 s {'OK' if up < 30 and got == n else 'OVER'}")
PY
