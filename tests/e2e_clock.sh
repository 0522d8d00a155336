#!/bin/bash
# e2e_clock: a kiosk whose clock cannot be trusted (a Raspberry Pi has no
# real-time clock), from check-in to the tracer's answer. libfaketime sets
# the wall clock (the boot clock stays true, as on a Pi); the sync state
# is the timesyncd marker file (KIOSK_TIMESYNC_FILE, see tests/lib.sh).
#
#   a day ahead, not synchronised: accepted, flagged, held back, then
#     re-dated once the clock is synchronised and sent at its true time;
#     the visitor's re-scan after that is judged on the true time;
#   in 1970, with a visitor pass and an ID card (both "in the future" for
#     that clock): accepted; from a boot that never got the time, sent
#     flagged; the collector files it at its arrival, keeps 1970 beside
#     it, shows the flag to tracers, and its retention does not purge it;
#   set back behind a time already trusted, or jumped forward without a
#     sync: flagged, then re-dated;
#   set 30 days ahead by hand after a sync (the marker file stays):
#     flagged, re-dated; a time given with --at a year ahead, and a v2
#     store's visit five years ahead, are not taken as trusted times (a
#     valid pass is accepted after them); kioskctl clock status/reset;
# and nothing is refused or set aside on the way, nothing is lost.
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
K=${KIOSKCTL:-build/bin/kioskctl}
SYNC=${KIOSK_SYNC:-build/bin/kiosk-sync}
COLL=${COLLECTOR:-build/bin/collector}
t_setup
export KIOSK_LOG_LEVEL=warn FAKETIME_DONT_FAKE_MONOTONIC=1
DB=$T_DIR/k/visits.db
CDB=$(t_collector_db clock)
mkdir -p "$T_DIR/k"

$COLL serve --listen 127.0.0.1:0 --db "$CDB" > "$T_DIR/coll.out" 2> "$T_DIR/coll.err" &
CPID=$!
trap 'kill $CPID 2>/dev/null; wait $CPID 2>/dev/null; t_cleanup' EXIT
URL=$(t_listening "$T_DIR/coll.out")
$K --db "$DB" init --demo --venue-id Q1-CAFE-001 --venue-name "Cà phê" --ward "Bến Nghé" > /dev/null 2>&1
TOKEN=$($COLL token --db "$CDB" --role device-enrolment --ward "Bến Nghé" | tail -1)
check_exit "enrolled" 0 $K --db "$DB" enroll --collector "$URL" --token "$TOKEN"
$K keys --type issuer --out "$T_DIR/issuer" > /dev/null
cat "$T_DIR/issuer.pub" >> "$T_DIR/k/trusted-issuers"

unsynced() { rm -f "$KIOSK_TIMESYNC_FILE"; }
synced() { touch "$KIOSK_TIMESYNC_FILE"; }
# at SPEC CMD...: run CMD with the wall clock at SPEC (libfaketime; under
# ASan, which wants to be the first library loaded, told to allow it)
at() {
	local spec=$1; shift
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 \
		faketime -f "$spec" "$@"
}
status() { $K --db "$DB" status --json | python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
# trace SUBJECT EXPR: EXPR over the collector's trace of SUBJECT
trace() {
	$COLL trace --db "$CDB" --reason "case E2E-1" --subject "$1" --format json > "$T_DIR/trace.json" 2>> "$T_DIR/err"
	python3 -c "import json,sys,time; d=json.load(open(sys.argv[1])); now=time.time(); print($2)" "$T_DIR/trace.json"
}
near_now='abs(d["visits"][0]["in_ms"] / 1000 - now) < 600'

# 1. A day ahead, not synchronised.
unsynced
check_exit "a day ahead: the visitor is accepted" 0 at +1d $K --db "$DB" checkin --payload 0911111111
check "accepted, not refused" test "$(json_get "$T_DIR/out" 'd["result"]')" = accepted
check "status: the clock is not trusted, 1 visit waits to be dated" test "$(status 'd["clock"]["verdict"], d["clock"]["untrusted_visits"]')" = "unsynced 1"
check_exit "kiosk-sync while the clock is still wrong: exit 3, visits held" 3 $SYNC --db "$DB" --once
check "  it says so" grep -q "1 held back" "$T_DIR/err"
check "the visit is held back, not sent with a wrong time" test "$(status 'd["pending_upload"]')" = 1
synced
check_exit "the clock is synchronised: kiosk-sync" 0 $SYNC --db "$DB" --once
check "re-dated and sent: nothing waits, nothing set aside" test "$(status 'd["pending_upload"], d["quarantined"], d["clock"]["untrusted_visits"]')" = "0 0 0"
check "the collector has it at its true time, trusted" test "$(trace phone:0911111111 "len(d[\"visits\"]), $near_now, d[\"visits\"][0][\"clock\"]")" = "1 True ok"
check_exit "the same visitor a minute later" 0 $K --db "$DB" checkin --payload 0911111111
check "is a duplicate of the visit that is there" test "$(json_get "$T_DIR/out" 'd["result"]')" = duplicate
check_exit "and six minutes later" 0 $K --db "$DB" checkin --payload 0911111111 --at "$(date -d '+6 min' +%s)"
check "is a new visit, not a duplicate of a future one" test "$(json_get "$T_DIR/out" 'd["result"]')" = accepted
$SYNC --db "$DB" --once > /dev/null 2>&1

# 2. In 1970: a pass "not yet valid" and an ID card "issued in the future"
# for that clock are accepted all the same.
PASS=$($K issue-pass --issuer-key "$T_DIR/issuer.sec" --role visitor --name "Trần Thị Bình" --id visitor-1970 --valid-days 30 | tail -1)
CARD='079095001234|023456789|Nguyễn Văn An|14031995|Nam|12 Đường Số 1, P. Bến Nghé, Q.1, TP. Hồ Chí Minh|20042021'
unsynced
check_exit "in 1970: a visitor pass is accepted" 0 at '@1970-01-02 08:00:00' $K --db "$DB" checkin --payload "$PASS"
check "accepted" test "$(json_get "$T_DIR/out" 'd["result"]')" = accepted
check_exit "in 1970: an ID card issued in 2021 is accepted" 0 at '@1970-01-02 08:01:00' $K --db "$DB" checkin --payload "$CARD"
check "accepted" test "$(json_get "$T_DIR/out" 'd["result"]')" = accepted
# The kiosk went off before its clock was ever set: those visits belong to
# a boot that can never be dated (a test cannot reboot the machine, so the
# rows are given another boot's id).
sqlite3 "$DB" "UPDATE visits SET boot_id = 'a-boot-that-never-got-the-time' WHERE clock = 1"
synced
check_exit "kiosk-sync sends them flagged" 0 $SYNC --db "$DB" --once
check "nothing refused, nothing waits" test "$(status 'd["pending_upload"], d["quarantined"], d["sync"]["result"]')" = "0 0 ok"
check "the collector files the pass visit at its arrival, 1970 kept, flagged" test "$(trace pass:visitor-1970 "len(d[\"visits\"]), $near_now, d[\"visits\"][0][\"clock\"], d[\"visits\"][0][\"kiosk_time\"][:10]")" = "1 True filed_at_arrival 1970-01-02"
check "and the card's" test "$(trace cccd:079095001234 "len(d[\"visits\"]), d[\"visits\"][0][\"clock\"]")" = "1 filed_at_arrival"
check_exit "the collector's retention" 0 $COLL purge --db "$CDB" --older-than 1
check "keeps them: they arrived today" test "$(trace pass:visitor-1970 'len(d["visits"])')" = 1
check "the tracer's CSV says it too" sh -c "$COLL trace --db '$CDB' --reason 'case E2E-1' --subject pass:visitor-1970 --format csv | grep -q 'filed_at_arrival,1970-01-02'"

# 3. Set back behind a trusted time; jumped forward without a sync.
check_exit "a trusted visit" 0 $K --db "$DB" checkin --payload 0933333333
unsynced
check_exit "the clock set back a day: accepted" 0 at -1d $K --db "$DB" checkin --payload 0944444444
check_exit "the clock three hours ahead, no sync: accepted" 0 at +3h $K --db "$DB" checkin --payload 0955555555
check "both flagged" test "$(status 'd["clock"]["untrusted_visits"]')" = 2
synced
check_exit "synchronised again: kiosk-sync" 0 $SYNC --db "$DB" --once
check "the set-back visit arrives at its true time" test "$(trace phone:0944444444 "$near_now, d[\"visits\"][0][\"clock\"]")" = "True ok"
check "and the jumped one" test "$(trace phone:0955555555 "$near_now, d[\"visits\"][0][\"clock\"]")" = "True ok"

# 4. Synchronised once (the marker stays until reboot), then set 30 days
# ahead by hand: the jump against the boot clock wins over the marker.
synced
check_exit "a trusted visit (this boot's anchor)" 0 $K --db "$DB" checkin --payload 0966666666
check_exit "the clock set 30 days ahead, the marker still there: accepted" 0 at +30d $K --db "$DB" checkin --payload 0977777777
check "  flagged, not taken at the wrong time" test "$(sqlite3 "$DB" "SELECT clock FROM visits WHERE subject = '0977777777'")" = 1
check "  the verdict: jumped" test "$(at +30d $K --db "$DB" clock status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["verdict"])')" = jumped
check_exit "kiosk-sync, the clock right again" 0 $SYNC --db "$DB" --once
check "  the visit arrives at its true time" test "$(trace phone:0977777777 "$near_now, d[\"visits\"][0][\"clock\"]")" = "True ok"

# 5. A time given with --at a year ahead is not a trusted time: after a
# reboot the right clock is not "behind" it, and a valid pass is taken.
PASS2=$($K issue-pass --issuer-key "$T_DIR/issuer.sec" --role visitor --name "Lê Văn Cường" --id visitor-after-at --valid-days 30 | tail -1)
check_exit "a visit recorded --at a year ahead" 0 $K --db "$DB" checkin --payload 0988888888 --at "$(date -d '+1 year' +%s)"
sqlite3 "$DB" "UPDATE clock_anchors SET boot_id = 'an-earlier-boot'"	# a reboot
check "after a reboot the clock is trusted" test "$(status 'd["clock"]["verdict"]')" = trusted
check_exit "a valid pass is accepted" 0 $K --db "$DB" checkin --payload "$PASS2"
check "  accepted" test "$(json_get "$T_DIR/out" 'd["result"]')" = accepted
$SYNC --db "$DB" --once > /dev/null 2>&1
check "nothing lost: the collector has every visit once" test "$($COLL stats --db "$CDB" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["visits"])')" = "$(status 'd["visits_total"]')"

# 6. A version-2 store with one visit from a clock five years ahead is
# upgraded: that time is not taken as trusted.
V2=$T_DIR/v2/visits.db
mkdir -p "$T_DIR/v2"
$K --db "$V2" init --demo --venue-id Q1-CAFE-002 --venue-name "Cà phê 2" > /dev/null 2>&1
cat "$T_DIR/issuer.pub" >> "$T_DIR/v2/trusted-issuers"
$K --db "$V2" checkin --payload 0911111111 > /dev/null
sqlite3 "$V2" "ALTER TABLE visits DROP COLUMN reinstanced_ms" 2> /dev/null
sqlite3 "$V2" "DROP INDEX visits_untrusted; DROP INDEX visits_origin; ALTER TABLE visits DROP COLUMN clock; ALTER TABLE visits DROP COLUMN recorded_ms; ALTER TABLE visits DROP COLUMN origin_instance; ALTER TABLE visits DROP COLUMN origin_seq; DROP TABLE clock_anchors; DROP TABLE counters; DROP TABLE salvage; UPDATE visits SET wall_ms = wall_ms + 5*365*86400000; PRAGMA user_version=2;"
check "upgraded, the clock is trusted" test "$($K --db "$V2" status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["clock"]["verdict"])')" = trusted
check_exit "a valid pass is accepted" 0 $K --db "$V2" checkin --payload "$PASS2"
check "  accepted" test "$(json_get "$T_DIR/out" 'd["result"]')" = accepted

# 7. kioskctl clock: status, reset, usage.
check_exit "kioskctl clock status" 0 $K --db "$DB" clock status
check "  says whether it is trusted" grep -q "^clock: .*trusted" "$T_DIR/out"
check_exit "kioskctl clock reset" 0 $K --db "$DB" clock reset
check "  and judges the clock again: trusted (the marker, no anchor)" test "$($K --db "$DB" clock status --json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["verdict"], d["sync"])')" = "trusted marker"
check_exit "kioskctl clock frob: usage" 2 $K --db "$DB" clock frob
t_done
