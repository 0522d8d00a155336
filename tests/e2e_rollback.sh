#!/bin/bash
# e2e_rollback: a kiosk store that goes back in time (put back from an
# older copy after newer visits were uploaded: the same as a store that
# lost its latest commits) numbers again, and the collector already holds
# other visits under those numbers. Nothing may be lost at either end:
#
#   the store file alone put back: the kiosk finds itself below the
#     collector's mark (kept beside the store) when it opens, and takes a
#     new instance id before it numbers anything;
#   the whole folder put back (the mark too): the collector refuses the
#     reused numbers (seq_reused) and the kiosk moves them, and every later
#     visit, to a new instance id and sends them again;
#
# each time the collector ends with every visit once, nothing set aside.
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
K=${KIOSKCTL:-build/bin/kioskctl}
SYNC=${KIOSK_SYNC:-build/bin/kiosk-sync}
COLL=${COLLECTOR:-build/bin/collector}
t_setup
export KIOSK_LOG_LEVEL=error
CDB=$(t_collector_db rollback)

$COLL serve --listen 127.0.0.1:0 --db "$CDB" > "$T_DIR/coll.out" 2> "$T_DIR/coll.err" &
CPID=$!
trap 'kill $CPID 2>/dev/null; wait $CPID 2>/dev/null; t_cleanup' EXIT
URL=$(t_listening "$T_DIR/coll.out")
check "collector started" test -n "$URL"

status() { $K --db "$DB" status --json | python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
# checkins PREFIX FROM TO: phone visits PREFIX<n>, n from FROM to TO
checkins() {
	local i
	for i in $(seq "$2" "$3"); do
		$K --db "$DB" checkin --payload "$(printf '%s%04d' "$1" "$i")" > /dev/null || echo "checkin $1 $i failed" >&2
	done
}

n=0
for how in "the store file alone" "the whole folder"; do
	n=$((n + 1))
	P=0$((n + 6))1234	# 0712340000..., 0812340000...: one prefix per kiosk
	DB=$T_DIR/k$n/visits.db
	mkdir -p "$T_DIR/k$n"
	$K --db "$DB" init --demo --venue-id "Q1-CAFE-00$n" --venue-name "Cà phê $n" --ward "Bến Nghé" > /dev/null 2>&1
	TOKEN=$($COLL token --db "$CDB" --role device-enrolment --ward "Bến Nghé" | tail -1)
	check_exit "[$how] enrolled" 0 $K --db "$DB" enroll --collector "$URL" --token "$TOKEN"
	checkins "$P" 1 10
	# The copy: a consistent image of the store (and of its folder).
	sqlite3 "$DB" ".backup '$T_DIR/k$n/copy.db'"
	cp -p "$DB.acked" "$T_DIR/k$n/copy.acked" 2>/dev/null
	first=$(status 'd["instance_id"]')
	checkins "$P" 11 20
	check_exit "[$how] 20 visits uploaded" 0 $SYNC --db "$DB" --once
	# Put back.
	cp "$T_DIR/k$n/copy.db" "$DB"
	rm -f "$DB-wal" "$DB-shm"
	if [ $n = 2 ]; then
		rm -f "$DB.acked"
		[ -e "$T_DIR/k$n/copy.acked" ] && cp -p "$T_DIR/k$n/copy.acked" "$DB.acked"
	fi
	checkins "$P" 21 25
	check "[$how] the store numbers again from 11" test "$(status 'd["seq_max"]')" = 15
	check_exit "[$how] kiosk-sync --once" 0 $SYNC --db "$DB" --once
	check "[$how] nothing waits, nothing set aside" test "$(status 'd["pending_upload"], d["quarantined"]')" = "0 0"
	check "[$how] the store has a new instance id" test "$(status 'd["instance_id"]')" != "$first"
	check "[$how] status says it was rolled back" test "$(status 'd["recovery"]["rolled_back"]')" = 1
	got=$(t_sql "$CDB" "SELECT count(*), count(DISTINCT subject) FROM visits WHERE subject LIKE '$P%'")
	check "[$how] the collector holds all 25 visits, each once (got $got)" test "$got" = "25|25"
done
t_done
