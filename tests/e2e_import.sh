#!/bin/bash
# e2e_import: a kiosk that never reaches the network. Its visits go on a
# USB stick (kioskctl export --sealed: signed batches, sealed to the
# health authority) and into the collector (collector import), verified
# and stored exactly like an upload, once however often it is imported.
# A stick altered, opened with the wrong key, or from an unknown kiosk
# without an enrolment token is refused with a clear message.
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
K=${KIOSKCTL:-build/bin/kioskctl}
COLL=${COLLECTOR:-build/bin/collector}
SYNC=${KIOSK_SYNC:-build/bin/kiosk-sync}
t_setup
export KIOSK_LOG_LEVEL=warn
DB=$T_DIR/k/visits.db
CDB=$(t_collector_db import)
$K --db "$DB" init --demo --venue-id HUE-01 --venue-name "Nhà sách Huế" --address "3 Lê Lợi" --ward "Phú Hội" > /dev/null
AUTH=$T_DIR/k/demo-authority.sec
for i in $(seq 1 1500); do printf '09%08d\n' "$i"; done > "$T_DIR/payloads"
build/tests/checkin_many "$DB" < "$T_DIR/payloads" > /dev/null 2>&1
check_exit "a check-in with personal fields" 0 $K --db "$DB" checkin --payload "079095001234|023456789|Nguyễn Thị Hoa|14031995|Nam|12 Trần Phú, Huế|20042021"

check_exit "kioskctl export --sealed" 0 $K --db "$DB" export --sealed --out "$T_DIR/usb.kiosk"
check "it says how many" test "$(json_get "$T_DIR/out" 'd["exported"]')" = 1501
check "the file is 0600" test "$(stat -c %a "$T_DIR/usb.kiosk")" = 600
check "nothing readable on the stick" sh -c "! grep -a -q -e 0900000001 -e 079095001234 -e HUE-01 '$T_DIR/usb.kiosk'"
check "the visits stay pending at the kiosk" test "$($K --db "$DB" status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["pending_upload"])')" = 1501

check_exit "an unknown kiosk without a token is refused" 1 $COLL import --db "$CDB" --authority-secret "$AUTH" "$T_DIR/usb.kiosk"
check "it says to pass --token" grep -q -- "--token" "$T_DIR/err"
TOKEN=$($COLL token --db "$CDB" --role device-enrolment --ward "Phú Hội" | tail -1)
check_exit "collector import, enrolling it with a token" 0 $COLL import --db "$CDB" --authority-secret "$AUTH" --token "$TOKEN" "$T_DIR/usb.kiosk"
check "every visit stored, the kiosk enrolled" test "$(json_get "$T_DIR/out" '(d["stored"], d["duplicates"], d["enrolled"], d["batches"])')" = "(1501, 0, True, 2)"
check_exit "stats" 0 $COLL stats --db "$CDB" --json
check "the collector holds 1501" test "$(json_get "$T_DIR/out" 'd["visits"]')" = 1501
check_exit "the same stick again" 0 $COLL import --db "$CDB" --authority-secret "$AUTH" "$T_DIR/usb.kiosk"
check "stores nothing twice" test "$(json_get "$T_DIR/out" '(d["stored"], d["duplicates"])')" = "(0, 1501)"
check "and says the kiosk is enrolled, not by this import" test "$(json_get "$T_DIR/out" '(d["device_enrolled"], d["enrolled_by_this_import"])')" = "(True, False)"
check_exit "the visit's sealed fields open for the tracer" 0 $COLL trace --db "$CDB" --reason "case E2E-1" --subject cccd:079095001234 --format json --authority-secret "$AUTH"
check "with the name intact" test "$(json_get "$T_DIR/out" 'd["case"]["personal"]["name"]')" = "Nguyễn Thị Hoa"

$K keys --type authority --out "$T_DIR/other" > /dev/null
check_exit "another authority's key cannot open it" 1 $COLL import --db "$CDB" --authority-secret "$T_DIR/other.sec" "$T_DIR/usb.kiosk"
check "it says so" grep -q "not sealed to this authority key" "$T_DIR/err"
python3 - "$T_DIR/usb.kiosk" "$T_DIR/bad.kiosk" <<'PY'
import sys
lines = open(sys.argv[1]).read().split("\n")
b = lines[1]
i = len(b) // 2
lines[1] = b[:i] + ("A" if b[i] != "A" else "B") + b[i + 1:]
open(sys.argv[2], "w").write("\n".join(lines))
PY
check_exit "an altered stick is refused" 1 $COLL import --db "$CDB" --authority-secret "$AUTH" "$T_DIR/bad.kiosk"
printf 'hello\n' > "$T_DIR/junk"
check_exit "a file that is not an export is refused" 1 $COLL import --db "$CDB" --authority-secret "$AUTH" "$T_DIR/junk"
check "it says what it wants" grep -q "kioskctl export --sealed" "$T_DIR/err"

# Another kiosk, never enrolled here.
OTHERDB=$T_DIR/k2/visits.db
$K --db "$OTHERDB" init --venue-id HUE-01 --venue-name "Nhà sách Huế" --authority-key "$T_DIR/k/demo-authority.pub" > /dev/null
$K --db "$OTHERDB" checkin --payload 0911111111 > /dev/null
$K --db "$OTHERDB" export --sealed --out "$T_DIR/other.kiosk" > /dev/null 2>&1
check_exit "a second kiosk's stick, without a token, is refused" 1 $COLL import --db "$CDB" --authority-secret "$AUTH" "$T_DIR/other.kiosk"
check_exit "collector audit lists the imports" 0 $COLL audit --db "$CDB" --format json
check "two successful imports, the refused ones too" test "$(json_get "$T_DIR/out" '[(e["action"], e["detail"]["ok"]) for e in d if e["action"] == "import"]')" = "[('import', False), ('import', True), ('import', True), ('import', False)]"
t_done
