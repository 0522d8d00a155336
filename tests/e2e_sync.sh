#!/bin/bash
# e2e_sync: a collector on 127.0.0.1 (started and stopped here), a kiosk
# store set up and enrolled, 10,000 check-ins, kiosk-sync --once: the
# collector holds exactly 10,000 visits, and a second --once adds none.
# Then the collector's refusals: bad signature, unknown device, replayed
# batch with a changed body, oversize and malformed bodies, a used
# enrolment token — each with the right status and nothing stored.
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
K=${KIOSKCTL:-build/bin/kioskctl}
SYNC=${KIOSK_SYNC:-build/bin/kiosk-sync}
COLL=${COLLECTOR:-build/bin/collector}
N=${SYNC_VISITS:-10000}
t_setup
export KIOSK_LOG_LEVEL=warn
DB=$T_DIR/k/visits.db
CDB=$(t_collector_db collector)

$COLL serve --listen 127.0.0.1:0 --db "$CDB" > "$T_DIR/coll.out" 2> "$T_DIR/coll.err" &
CPID=$!
trap 'kill $CPID 2>/dev/null; wait $CPID 2>/dev/null; t_cleanup' EXIT
URL=$(t_listening "$T_DIR/coll.out")
check "collector started" test -n "$URL"
check "health" sh -c "curl -sf $URL/api/v1/health | grep -q ok"

$K --db "$DB" init --demo --venue-id Q1-CAFE-001 --venue-name "Cà phê Sài Gòn" --ward "Bến Nghé" > /dev/null
TOKEN=$($COLL token --db "$CDB" --role device-enrolment --ward "Bến Nghé" | tail -1)
check "token printed alone on the last line" test ${#TOKEN} = 43
check_exit "enroll" 0 $K --db "$DB" enroll --collector "$URL" --token "$TOKEN"
check "status then says enrolled, with that collector" sh -c "$K --db '$DB' status | grep -q 'enrolled: *yes, with $URL (since '"
check_exit "a used token is refused" 1 $K --db "$DB" enroll --collector "$URL" --token "$TOKEN"
check "it says why" grep -q "was used already" "$T_DIR/err"
check_exit "a made-up token is refused" 1 $K --db "$DB" enroll --collector "$URL" --token nonsense

# 10,000 check-ins, as fast as the store takes them (one process).
python3 - "$DB" "$N" <<'PY'
import sys
# Phone numbers 0900000000 + i, each a new visitor.
with open(sys.argv[1] + ".payloads", "w") as f:
    for i in range(int(sys.argv[2])):
        f.write("09%08d\n" % i)
PY
start=$(date +%s.%N)
build/tests/checkin_many "$DB" < "$DB.payloads"
check "$N check-ins recorded" test "$($K --db "$DB" status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["pending_upload"])')" = "$N"

check_exit "kiosk-sync --once" 0 $SYNC --db "$DB" --once
check_exit "collector stats" 0 $COLL stats --db "$CDB" --json
check "collector holds exactly $N visits" test "$(json_get "$T_DIR/out" 'd["visits"]')" = "$N"
check "highest acknowledged seq" test "$(json_get "$T_DIR/out" 'max(v["max_seq"] for v in d["per_device"].values())')" = "$N"
check "nothing left to upload" test "$($K --db "$DB" status --json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["pending_upload"], d["last_upload"] is not None)')" = "0 True"
check_exit "a second --once" 0 $SYNC --db "$DB" --once
check_exit "stats again" 0 $COLL stats --db "$CDB" --json
check "a second pass adds none" test "$(json_get "$T_DIR/out" 'd["visits"]')" = "$N"

# A ward officer scans their pass at the kiosk; the next pass of
# kiosk-sync ends with a heartbeat that carries it to the ward report.
$K keys --type issuer --out "$T_DIR/issuer" > /dev/null
cat "$T_DIR/issuer.pub" >> "$T_DIR/k/trusted-issuers"
OFFICER=$($K issue-pass --issuer-key "$T_DIR/issuer.sec" --role officer --name "Cán bộ Phường" --id CA-BN-07 --valid-days 1 | tail -1)
check_exit "an officer's pass at the kiosk" 0 $K --db "$DB" checkin --payload "$OFFICER"
check_exit "kiosk-sync --once ends with a heartbeat" 0 $SYNC --db "$DB" --once
check "status: the heartbeat the collector took, in local time, and the kiosk app's apart" sh -c "$K --db '$DB' status > '$T_DIR/st.txt' && grep -q '^last heartbeat: *taken by the collector 20..-..-.. ..:.. (UTC[+-]..:..' '$T_DIR/st.txt' && grep -q '^kiosk app alive:' '$T_DIR/st.txt' && grep -q '^not yet uploaded: 0$' '$T_DIR/st.txt'"
check "status: the device id the ward knows, and the collector's last word" sh -c "grep -q '^device: *[0-9a-f]\{16\}$' '$T_DIR/st.txt' && grep -q '^collector said: *ok, 20..-..-..' '$T_DIR/st.txt'"
check_exit "the ward report" 0 $COLL report --db "$CDB" --ward "Bến Nghé" --format json
check "shows the inspection and the backlog gone" test "$(json_get "$T_DIR/out" '[(v["venue_id"], [x["pass_id"] for x in v["inspections"]["on_day"]], v["inspections"]["last_24h"], v["backlog"], v["silent"]) for v in d["venues"]]')" = "[('Q1-CAFE-001', ['CA-BN-07'], 1, 0, False)]"
# Opening hours: closed now, so the report does not call it silent.
H="$(date -d '+2 hours' +%H):00-$(date -d '+3 hours' +%H):00"
sed -i "s/^hours = .*/hours = $H/" "$(dirname "$DB")/kiosk.conf"
check_exit "a heartbeat with the venue's opening hours" 0 $SYNC --db "$DB" --once
check_exit "the ward report" 0 $COLL report --db "$CDB" --ward "Bến Nghé" --format json
check "says the hours and that it is closed now, not silent" test "$(json_get "$T_DIR/out" '[(v["hours"], v["open_now"], v["silent"]) for v in d["venues"]]')" = "[('$H', False, False)]"
check_exit "the report as a table" 0 $COLL report --db "$CDB" --ward "Bến Nghé"
check "  says it too" grep -q "open $H (closed now)" "$T_DIR/out"
# The venue's hours are its own time zone's, wherever the collector runs:
# open now in Hồ Chí Minh City (where UTC's hour is 7 hours behind).
HV="$(TZ=Asia/Ho_Chi_Minh date +%H):00-$(TZ=Asia/Ho_Chi_Minh date -d '+1 hour' +%H):00"
sed -i "s/^hours = .*/hours = $HV/" "$(dirname "$DB")/kiosk.conf"
check_exit "a heartbeat from a kiosk in Asia/Ho_Chi_Minh" 0 env TZ=Asia/Ho_Chi_Minh $SYNC --db "$DB" --once
check_exit "the report, on a collector in UTC" 0 env TZ=UTC $COLL report --db "$CDB" --ward "Bến Nghé" --format json
check "  open now, by the venue's clock" test "$(json_get "$T_DIR/out" '[(v["hours"], v["open_now"]) for v in d["venues"]]')" = "[('$HV', True)]"

# The bytes on the wire are the contract: the outbox makes, from fixed
# visits with a fixed key and time, exactly the batch recorded in
# tests/data/golden-batch.txt (headers, signature and compressed body).
mkdir -p "$T_DIR/golden"
build/tests/batch_tool --golden "$T_DIR/golden" > "$T_DIR/golden.txt" 2> "$T_DIR/golden.err"
check "the golden batch: the same bytes on the wire" cmp -s "$T_DIR/golden.txt" tests/data/golden-batch.txt

# The collector's refusals, with a real client (curl) and a signed batch
# made by the test helper.
build/tests/batch_tool "$T_DIR/k/device.sec" "$URL" > "$T_DIR/refusals.txt" 2>&1
while read -r line; do
	case "$line" in
	ok\ -*|not\ ok\ -*) echo "$line"; case "$line" in not*) T_FAILED=$((T_FAILED+1));; esac ;;
	esac
done < "$T_DIR/refusals.txt"
check_exit "stats after the refusals" 0 $COLL stats --db "$CDB" --json
check "the refusals stored nothing" test "$(json_get "$T_DIR/out" 'd["visits"]')" = "$N"

# No collector: --once says so and exits non-zero; nothing is lost.
kill $CPID; wait $CPID 2>/dev/null
$K --db "$DB" checkin --payload 0987654321 > /dev/null
check_exit "collector down: --once fails clearly" 1 $SYNC --db "$DB" --once
check "it names the collector" grep -q "cannot upload to" "$T_DIR/err"
check "the visit waits" test "$($K --db "$DB" status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["pending_upload"])')" = 1

# A collector that does not know this kiosk (restored from a backup
# without it, or another ward's) answers 401: that can change, so nothing
# is set aside; the visits wait, and the owner sees "not enrolled".
ODB=$(t_collector_db other)
$COLL serve --listen 127.0.0.1:0 --db "$ODB" > "$T_DIR/coll2.out" 2>/dev/null &
C2=$!
trap 'kill $CPID $C2 2>/dev/null; wait 2>/dev/null; t_cleanup' EXIT
URL2=$(t_listening "$T_DIR/coll2.out")
sed -i "s|^collector_url = .*|collector_url = $URL2|" "$T_DIR/k/kiosk.conf"
$K --db "$DB" checkin --payload 0987654322 > /dev/null
check_exit "not enrolled there: --once fails" 1 $SYNC --db "$DB" --once
check "it says the collector does not know the kiosk" grep -q "does not know" "$T_DIR/err"
check "nothing set aside, both visits wait" test "$($K --db "$DB" status --json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["quarantined"], d["pending_upload"], d["visits_total"], d["sync"]["result"])')" = "0 2 $((N + 2)) not_enrolled"
check "status shows the alert" sh -c "$K --db '$DB' status | grep -q 'ALERT: the collector does not know this kiosk'"
kill $C2

t_done
