#!/bin/bash
# e2e_portal: the kiosk at a cafe whose network answers for the collector:
# a captive portal's redirect, a proxy's 403, 401, 404 and 407 pages, a
# portal page with status 200, then the real collector (through
# tests/fault_proxy.py). Every one of those is retried, none sets a visit
# aside; 401 and 403 show the owner a "not enrolled" / "refused" alert;
# then every visit arrives exactly once and nothing is left in
# quarantine. And a collector's own explicit refusal of rows (a check-out
# whose check-in it lost in a restore from backup) sets those rows aside,
# visible, and `kioskctl quarantine release` puts them back.
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
K=${KIOSKCTL:-build/bin/kioskctl}
SYNC=${KIOSK_SYNC:-build/bin/kiosk-sync}
COLL=${COLLECTOR:-build/bin/collector}
t_setup
export KIOSK_LOG_LEVEL=error
DB=$T_DIR/k/visits.db
CDB=$(t_collector_db portal)
mkdir -p "$T_DIR/k"
PIDS=()
trap 'kill "${PIDS[@]}" 2>/dev/null; wait 2>/dev/null; t_cleanup' EXIT

$COLL serve --listen 127.0.0.1:0 --db "$CDB" > "$T_DIR/coll.out" 2> "$T_DIR/coll.err" &
PIDS+=($!)
CURL=$(t_listening "$T_DIR/coll.out")
CPORT=${CURL##*:}
STEPS="302 403 401 404 407 200html"
python3 tests/fault_proxy.py "$T_DIR/proxy.port" "$CPORT" "${STEPS// /,},pass" > "$T_DIR/proxy.out" &
PIDS+=($!)
for _ in $(seq 50); do [ -s "$T_DIR/proxy.port" ] && break; sleep 0.1; done
PPORT=$(cat "$T_DIR/proxy.port")

$K --db "$DB" init --demo --venue-id Q1-CAFE-001 --venue-name "Cà phê" > /dev/null 2>&1
TOKEN=$($COLL token --db "$CDB" --role device-enrolment --ward "Bến Nghé" | tail -1)
check_exit "enrolled" 0 $K --db "$DB" enroll --collector "http://127.0.0.1:$CPORT" --token "$TOKEN"
sed -i "s|^collector_url = .*|collector_url = http://127.0.0.1:$PPORT|" "$T_DIR/k/kiosk.conf"
seq -f "09%08g" 1 2500 | build/tests/checkin_many "$DB" > /dev/null 2>&1
status() { $K --db "$DB" status --json | python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

for step in $STEPS; do
	check_exit "the network answers $step: kiosk-sync --once retries later" 1 $SYNC --db "$DB" --once --timeout 5
	check "  nothing set aside, all 2500 wait" test "$(status 'd["quarantined"], d["pending_upload"]')" = "0 2500"
	case $step in
	401) check "  the owner sees: the collector does not know this kiosk" sh -c "$K --db '$DB' status | grep -q 'ALERT: the collector does not know this kiosk'" ;;
	403) check "  the owner sees: the collector refuses this kiosk" sh -c "$K --db '$DB' status | grep -q 'ALERT: the collector refuses this kiosk'" ;;
	*) check "  the last word is kept: retry, HTTP $step" test "$(status 'd["sync"]["result"], d["sync"]["status"]')" = "retry ${step%html}" ;;
	esac
done
check_exit "the real collector at last" 0 $SYNC --db "$DB" --once --timeout 10
check "every visit arrived once, nothing in quarantine, no alert" test "$(status 'd["pending_upload"], d["quarantined"], d["sync"]["result"]')" = "0 0 ok"
check "the collector holds exactly 2500" test "$($COLL stats --db "$CDB" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["visits"])')" = 2500
check_exit "quarantine list is empty" 0 $K --db "$DB" quarantine list
check "  and says so" grep -q "0 visits set aside" "$T_DIR/err"

# The collector's own refusal: restored from a backup that lost a visitor's
# check-in, it refuses the check-out, row by row. The kiosk keeps it, set
# aside and visible; released, it goes back to the queue.
sed -i '/^rescan_means/d' "$T_DIR/k/kiosk.conf"
echo 'rescan_means = checkout' >> "$T_DIR/k/kiosk.conf"
t0=$(date +%s)
check_exit "a check-in" 0 $K --db "$DB" checkin --payload 0987000001 --at $((t0 - 7200))
check_exit "uploaded" 0 $SYNC --db "$DB" --once
t_sql "$CDB" "DELETE FROM visits WHERE subject = '0987000001'" > /dev/null
check_exit "the same visitor leaves" 0 $K --db "$DB" checkin --payload 0987000001 --at $((t0 - 3600))
check "  as a check-out" test "$(json_get "$T_DIR/out" 'd["direction"]')" = out
check_exit "kiosk-sync says the collector refused it" 1 $SYNC --db "$DB" --once
check "kept, set aside, not pending, counted" test "$(status 'd["quarantined"], d["pending_upload"], d["sync"]["result"]')" = "1 0 refused"
check "status raises the alert" sh -c "$K --db '$DB' status | grep -q 'ALERT: 1 visits were refused by the collector'"
check_exit "quarantine list names it with the collector's reason" 0 $K --db "$DB" quarantine list --json
check "  checkout_before_checkin" test "$(json_get "$T_DIR/out" 'd["reason"]')" = checkout_before_checkin
check_exit "quarantine release --all" 0 $K --db "$DB" quarantine release --all
check "  back in the queue" test "$(status 'd["quarantined"], d["pending_upload"]')" = "0 1"
check_exit "quarantine release with a bad seq is a usage error" 2 $K --db "$DB" quarantine release 12x
t_done
