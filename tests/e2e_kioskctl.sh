#!/bin/bash
# e2e_kioskctl: kioskctl as a shop owner and the other tools use it: the
# command forms, JSON keys and exit codes of DESIGN.md section 8 and issue
# #2 are contracts, checked here against the built program.
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
K=${KIOSKCTL:-build/bin/kioskctl}
t_setup
export KIOSK_LOG_LEVEL=warn
DB=$T_DIR/kiosk/visits.db
CARD='079095001234|023456789|Nguyễn Văn An|14031995|Nam|12 Đường Số 1, P. Bến Nghé, Q.1, TP. Hồ Chí Minh|20042021'

# Before init: a clear error, exit 1.
check_exit "checkin before init fails" 1 $K --db "$DB" checkin --payload 0912345678
check "it says to run init" grep -q "kioskctl init" "$T_DIR/err"

check_exit "init" 0 $K --db "$DB" init --demo --venue-id Q1-CAFE-001 --venue-name "Cà phê Sài Gòn" --address "1 Lê Lợi" --ward "Bến Nghé"
check "init prints the demo authority key" grep -q "demo-authority.sec" "$T_DIR/out"
check "authority secret is 0600" test "$(stat -c %a "$T_DIR/kiosk/demo-authority.sec")" = 600
check_exit "second init refused" 1 $K --db "$DB" init --demo --venue-id X --venue-name Y
check_exit "init --force rewrites settings" 0 $K --db "$DB" init --venue-id Q1-CAFE-001 --venue-name "Cà phê Sài Gòn" --authority-key "$T_DIR/kiosk/demo-authority.pub" --force
check_exit "init with bad venue id is a usage error" 2 $K --db "$T_DIR/other/v.db" init --demo --venue-id "bad id" --venue-name Y
check "and makes nothing" test ! -e "$T_DIR/other"
check_exit "init with an authority key that is not there: exit 1" 1 $K --db "$T_DIR/other/v.db" init --venue-id Q1 --venue-name Y --authority-key "$T_DIR/no-such.pub"
check "and makes nothing" test ! -e "$T_DIR/other"
# A disk that fills up half-way: what this init made is removed again.
mkdir -p "$T_DIR/small"
if mount -t tmpfs -o size=40k tmpfs "$T_DIR/small" 2> /dev/null; then
	check_exit "init on a full disk: exit 1" 1 $K --db "$T_DIR/small/k/visits.db" init --demo --venue-id Q1 --venue-name Y
	check "says nothing was set up" grep -q "nothing was set up" "$T_DIR/err"
	check "and leaves no half-made folder" test ! -e "$T_DIR/small/k"
	umount "$T_DIR/small"
else
	echo "# skipped the full-disk init: cannot mount a small tmpfs here"
fi

# Check-ins: accepted, duplicate, rejected; exit 0, 0, 3.
check_exit "card accepted" 0 $K --db "$DB" checkin --payload "$CARD" --source camera
check "accepted JSON" test "$(json_get "$T_DIR/out" '(d["result"], d["seq"], d["kind"])')" = "('accepted', 1, 'cccd')"
check_exit "same card again is a duplicate" 0 $K --db "$DB" checkin --payload "$CARD"
check "duplicate JSON" test "$(json_get "$T_DIR/out" '(d["result"], d["seq"])')" = "('duplicate', 1)"
check_exit "bad card rejected" 3 $K --db "$DB" checkin --payload '079095001234||An|14031995|Nữ|x|20042021'
check "rejected JSON has reason and message" test "$(json_get "$T_DIR/out" '(d["result"], d["reason"], len(d["message"]) > 10)')" = "('rejected', 'cccd_gender_mismatch', True)"
check "message in Vietnamese by default" grep -q "Giới tính" "$T_DIR/out"
check_exit "English with --lang en" 3 $K --db "$DB" --lang en checkin --payload 'nonsense'
check "English message" grep -q "not recognised" "$T_DIR/out"
check_exit "payload from stdin" 0 sh -c "printf '0987654321\r\n' | $K --db '$DB' checkin --payload-file - --source keypad"
check "stdin payload accepted" test "$(json_get "$T_DIR/out" 'd["kind"]')" = phone
check_exit "no payload is a usage error" 2 $K --db "$DB" checkin
check_exit "unknown source is a usage error" 2 $K --db "$DB" checkin --payload 0912345678 --source usb
check_exit "unknown command is a usage error" 2 $K --db "$DB" frobnicate
check_exit "oversize payload rejected" 3 $K --db "$DB" checkin --payload "$(head -c 2000 /dev/zero | tr '\0' 9)"
check "oversize reason" test "$(json_get "$T_DIR/out" 'd["reason"]')" = too_long

# Sealing: the visitor's name is nowhere in the store's files.
check "name not in the database in clear" sh -c "! grep -q 'Nguyễn Văn An' '$DB' '$DB-wal' 2>/dev/null"
check "address not in the database in clear" sh -c "! grep -q 'Lê Lợi' '$DB-wal' 2>/dev/null; ! grep -q 'Đường Số 1' '$DB' '$DB-wal' 2>/dev/null"

# Passes: keys, issue, trust, verify, revoke, expiry.
check_exit "issuer keys" 0 $K keys --type issuer --out "$T_DIR/issuer"
check "issuer secret is 0600" test "$(stat -c %a "$T_DIR/issuer.sec")" = 600
check_exit "keys refuse to overwrite a secret" 1 $K keys --type issuer --out "$T_DIR/issuer"
check_exit "issue a visitor pass" 0 $K issue-pass --issuer-key "$T_DIR/issuer.sec" --role visitor --name "Trần Thị Bình" --id visitor-0001 --png "$T_DIR/pass.png"
PASS=$(cat "$T_DIR/out")
check_exit "pass from an untrusted issuer rejected" 3 $K --db "$DB" checkin --payload "$PASS"
check "unknown issuer reason" test "$(json_get "$T_DIR/out" 'd["reason"]')" = pass_unknown_issuer
cat "$T_DIR/issuer.pub" >> "$T_DIR/kiosk/trusted-issuers"
check_exit "trusted pass accepted" 0 $K --db "$DB" checkin --payload "$PASS"
check "pass kind" test "$(json_get "$T_DIR/out" 'd["kind"]')" = pass
check_exit "decode the pass QR" 0 $K decode "$T_DIR/pass.png"
check "decoded text is the pass" test "$(json_get "$T_DIR/out" 'd["texts"][0]')" = "$PASS"
check "decode JSON keys" test "$(json_get "$T_DIR/out" 'sorted(d.keys())')" = "['file', 'ms', 'texts']"
echo visitor-0001 >> "$T_DIR/kiosk/revoked-passes"
check_exit "revoked pass rejected" 3 $K --db "$DB" checkin --payload "$PASS"
check "revoked reason" test "$(json_get "$T_DIR/out" 'd["reason"]')" = pass_revoked
check_exit "issue an expired pass" 0 $K issue-pass --issuer-key "$T_DIR/issuer.sec" --role visitor --name Old --valid-from 2020-01-01 --expires 2020-02-01
check_exit "expired pass rejected" 3 $K --db "$DB" checkin --payload "$(cat "$T_DIR/out")"
check "expired reason" test "$(json_get "$T_DIR/out" 'd["reason"]')" = pass_expired
check_exit "issue an officer pass" 0 $K issue-pass --issuer-key "$T_DIR/issuer.sec" --role officer --name "Cán bộ" --valid-days 1
check_exit "officer pass opens patrol" 0 $K --db "$DB" checkin --payload "$(cat "$T_DIR/out")"
check "patrol JSON" test "$(json_get "$T_DIR/out" '(d["result"], d["kind"], d["patrol"])')" = "('accepted', 'officer', True)"
check_exit "issue-pass without a key is a usage error" 2 $K issue-pass --role visitor --name X

# Status.
check_exit "status --json" 0 $K --db "$DB" status --json
check "status keys and counts" test "$(json_get "$T_DIR/out" '(d["visits_total"], d["visits_today"], d["pending_upload"], d["last_upload"], d["last_heartbeat"] is None, d["store_health"])')" = "(3, 3, 3, None, True, 'ok')"
check "status reject counts" test "$(json_get "$T_DIR/out" '(d["rejects_total"], d["rejects"]["pass_revoked"])')" = "(6, 1)"
check_exit "status text" 0 $K --db "$DB" status
check "status text shows today's count" grep -q "visits today: *3" "$T_DIR/out"
check_exit "status with a mistyped --db: exit 1" 1 $K --db "$T_DIR/kiosk/visit.db" status
check "  names the path, makes no empty store" sh -c "grep -q \"no kiosk store at '$T_DIR/kiosk/visit.db'\" '$T_DIR/err' && test ! -e '$T_DIR/kiosk/visit.db'"
check_exit "export with a mistyped --db: exit 1" 1 $K --db "$T_DIR/kiosk/visit.db" export --format csv
check "  and no rows that look like an empty store" test ! -s "$T_DIR/out"
check_exit "status again" 0 $K --db "$DB" status
check "status says it is not enrolled, and what to do" grep -q "enrolled: *no: run kioskctl enroll --collector URL --token TOKEN" "$T_DIR/out"
check_exit "status --json" 0 $K --db "$DB" status --json
check "the JSON says not enrolled" test "$(json_get "$T_DIR/out" 'd["enrolment"]["enrolled"]')" = False
check_exit "kiosk-sync --once before enrolment: exit 1" 1 ${KIOSK_SYNC:-build/bin/kiosk-sync} --db "$DB" --once
check "says not enrolled, not 'cannot upload to' a placeholder" sh -c "grep -q 'not enrolled' '$T_DIR/err' && ! grep -q 'cannot upload' '$T_DIR/err'"

# Export: CSV parses back, one row per visit, sealed fields stay sealed.
check_exit "export csv" 0 $K --db "$DB" export --format csv --out "$T_DIR/v.csv"
check "csv rows" test "$(python3 -c 'import csv,sys; r=list(csv.DictReader(open(sys.argv[1], encoding="utf-8-sig"))); print(len(r), r[0]["subject"], r[0]["seq"], bool(r[0]["sealed"]))' "$T_DIR/v.csv")" = "3 cccd:079095001234 1 True"
check "csv has no names" sh -c "! grep -q 'Nguyễn' '$T_DIR/v.csv'"
check_exit "export json" 0 $K --db "$DB" export --format json
check "json export" test "$(python3 -c 'import json,sys; d=json.load(sys.stdin); print(len(d), d[1]["subject"], d[1]["source"])' < "$T_DIR/out")" = "3 phone:0987654321 keypad"
check_exit "export with a window that holds nothing" 0 $K --db "$DB" export --format json --from 2020-01-01 --to 2020-01-02
check "empty window" test "$(python3 -c 'import json,sys; print(len(json.load(sys.stdin)))' < "$T_DIR/out")" = 0
check_exit "export bad format is a usage error" 2 $K --db "$DB" export --format xml
check_exit "export bad time is a usage error" 2 $K --db "$DB" export --format csv --from tomorrow

# Purge keeps what was never uploaded.
check_exit "purge" 0 $K --db "$DB" purge --days 1
check "purge kept everything not uploaded" grep -q "purged 0 uploaded visits" "$T_DIR/out"
check_exit "purge --days 0 is a usage error" 2 $K --db "$DB" purge --days 0

# Re-scan window and --at.
check_exit "check in at 10:00" 0 $K --db "$DB" checkin --payload 0911111111 --at 2026-11-20T10:00:00
check_exit "again at 10:04" 0 $K --db "$DB" checkin --payload 0911111111 --at 2026-11-20T10:04:00
check "10:04 is a duplicate" test "$(json_get "$T_DIR/out" 'd["result"]')" = duplicate
check_exit "again at 10:06" 0 $K --db "$DB" checkin --payload 0911111111 --at 2026-11-20T10:06:00
check "10:06 is a new visit" test "$(json_get "$T_DIR/out" 'd["result"]')" = accepted

# A corrupt store is moved aside and the kiosk keeps working.
head -c 8192 /dev/urandom > "$T_DIR/kiosk/visits.db"
rm -f "$T_DIR/kiosk/visits.db-wal" "$T_DIR/kiosk/visits.db-shm"
check_exit "checkin on a corrupt store still works" 0 $K --db "$DB" checkin --payload 0922222222
check "corrupt file moved aside" sh -c "ls '$T_DIR/kiosk/' | grep -q 'visits.db.corrupt-'"
check "it was logged" grep -q "is corrupt: moved to" "$T_DIR/err"

t_done
