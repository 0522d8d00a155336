#!/bin/bash
# e2e_sync_faults: kiosk-sync uploads through tests/fault_proxy.py, which
# drops connections, resets them mid-request, stalls, answers 500 after
# the collector committed and 429 with Retry-After; meanwhile the kiosk
# keeps checking visitors in, and the collector is killed and restarted
# mid-upload; on PostgreSQL the database server is restarted too. In the
# end every visit is at the collector exactly once and none is left
# behind.
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
K=${KIOSKCTL:-build/bin/kioskctl}
SYNC=${KIOSK_SYNC:-build/bin/kiosk-sync}
COLL=${COLLECTOR:-build/bin/collector}
t_setup
export KIOSK_LOG_LEVEL=error
DB=$T_DIR/k/visits.db
CDB=$(t_collector_db collector)
PIDS=()
cleanup() { kill "${PIDS[@]}" 2>/dev/null; wait 2>/dev/null; t_cleanup; }
trap cleanup EXIT

start_collector() {	# $1: port, or 0 for any
	$COLL serve --listen "127.0.0.1:$1" --db "$CDB" > "$T_DIR/coll.out" 2>> "$T_DIR/coll.err" &
	CPID=$!
	PIDS+=($CPID)
	for _ in $(seq 100); do grep -q listening "$T_DIR/coll.out" && return 0; sleep 0.1; done
	return 1
}
check "collector started" start_collector 0
CPORT=$(grep -o ':[0-9]*$' "$T_DIR/coll.out" | tr -d :)
python3 tests/fault_proxy.py "$T_DIR/proxy.port" "$CPORT" > "$T_DIR/proxy.out" &
PPID_=$!
PIDS+=($PPID_)
for _ in $(seq 50); do [ -s "$T_DIR/proxy.port" ] && break; sleep 0.1; done
PPORT=$(cat "$T_DIR/proxy.port")

$K --db "$DB" init --demo --venue-id Q1-CAFE-001 --venue-name "Cà phê Sài Gòn" > /dev/null
TOKEN=$($COLL token --db "$CDB" --role device-enrolment --ward "Bến Nghé" | tail -1)
check_exit "enroll" 0 $K --db "$DB" enroll --collector "http://127.0.0.1:$CPORT" --token "$TOKEN"
# From now on the kiosk reaches the collector only through the proxy.
sed -i "s|^collector_url = .*|collector_url = http://127.0.0.1:$PPORT|" "$T_DIR/k/kiosk.conf"

visits() {	# $1: first number, $2: how many
	python3 -c "import sys; sys.stdout.write(''.join('09%08d\n' % i for i in range($1, $1 + $2)))" |
		build/tests/checkin_many "$DB" 2>/dev/null
}
check "3000 check-ins before the uploader starts" visits 0 3000
$SYNC --db "$DB" --interval 1 --heartbeat 5 --timeout 3 --backoff-cap 3 2> "$T_DIR/sync.err" &
SPID=$!
PIDS+=($SPID)

total=3000
ok_all=1
for round in 1 2 3 4 5; do
	sleep 1
	visits $((total)) 400 || ok_all=0
	total=$((total + 400))
	if [ $round = 2 ]; then
		kill $CPID; wait $CPID 2>/dev/null
		sleep 2
		visits $((total)) 100 || ok_all=0	# the kiosk goes on meanwhile
		total=$((total + 100))
		start_collector "$CPORT" || ok_all=0
	fi
	if [ $round = 4 ] && [ "${COLLECTOR_BACKEND:-sqlite}" = postgresql ]; then
		# The database goes away under the running collector, whose
		# connections must come back by themselves.
		as=()
		[ "$(id -u)" = 0 ] && as=(runuser -u postgres --)
		"${as[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" \
			-m fast -w restart > /dev/null 2>&1 || ok_all=0
		visits $((total)) 100 || ok_all=0
		total=$((total + 100))
	fi
done
check "the kiosk accepted every check-in throughout" test $ok_all = 1

# Wait (bounded) for the backlog to drain through the faults.
for _ in $(seq 90); do
	p=$($K --db "$DB" status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["pending_upload"])')
	[ "$p" = 0 ] && break
	sleep 1
done
check "nothing left behind at the kiosk" test "$p" = 0
check_exit "collector stats" 0 $COLL stats --db "$CDB" --json
check "every visit arrived exactly once ($total)" test "$(json_get "$T_DIR/out" 'd["visits"]')" = "$total"
check "no subject twice" test "$(t_sql "$CDB" 'select case when count(distinct subject) = count(*) then 1 else 0 end from visits')" = 1
check "nothing quarantined" test "$($K --db "$DB" status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["quarantined"])')" = 0
check "heartbeats arrived with the clock drift" test "$(t_sql "$CDB" 'select case when count(*) > 0 then 1 else 0 end from heartbeats where drift_ms is not null')" = 1
kill $PPID_; wait $PPID_ 2>/dev/null
if [ "${COLLECTOR_BACKEND:-sqlite}" = postgresql ]; then
	check "the collector saw the database go, and came back by itself" grep -q "collector db (postgresql)" "$T_DIR/coll.err"
fi
check "every kind of fault happened" python3 -c "
import sys
d = dict(kv.split('=') for kv in open('$T_DIR/proxy.out').read().split())
sys.exit(0 if all(int(d[m]) > 0 for m in ('drop','reset','stall','500','429')) else 1)"
echo "# faults: $(cat "$T_DIR/proxy.out")"
t_done
