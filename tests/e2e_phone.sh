#!/bin/bash
# e2e_phone: the venue QR loop. The kiosk shows its signed venue QR
# (display mode, headless); the QR is read back from the screenshot; a
# phone opens it (the page comes from the collector) and posts a number:
# accepted, then a duplicate. A stale code, a forged one and a bad number
# are refused; the visit is at the collector with source "phone".
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
K=${KIOSKCTL:-build/bin/kioskctl}
KIOSK=${KIOSK:-build/bin/kiosk}
COLL=${COLLECTOR:-build/bin/collector}
t_setup
export KIOSK_LOG_LEVEL=warn SDL_VIDEODRIVER=offscreen SDL_AUDIODRIVER=dummy
DB=$T_DIR/k/visits.db
CDB=$(t_collector_db c)
$COLL serve --listen 127.0.0.1:0 --db "$CDB" > "$T_DIR/coll.out" 2>/dev/null &
CPID=$!
trap 'kill $CPID 2>/dev/null; wait 2>/dev/null; t_cleanup' EXIT
URL=$(t_listening "$T_DIR/coll.out")
$K --db "$DB" init --demo --venue-id Q1-CAFE-001 --venue-name "Cà phê Sài Gòn" > /dev/null
TOKEN=$($COLL token --db "$CDB" --role device-enrolment --ward "Bến Nghé" | tail -1)
check_exit "enroll" 0 $K --db "$DB" enroll --collector "$URL" --token "$TOKEN"

check_exit "the kiosk shows its venue QR" 0 timeout 30 $KIOSK --db "$DB" --camera none --mode display --run-for 1 --size 1280x720 --screenshot "$T_DIR/display.png" --silent
check_exit "read it from the screenshot" 0 $K decode "$T_DIR/display.png"
QR=$(json_get "$T_DIR/out" 'd["texts"][0]')
check "it is a check-in URL on the collector" test "${QR%%/c/*}" = "$URL"
TOK=${QR#*/c/}

post() {	# $1 token, $2 number -> prints "status body"
	curl -s -o "$T_DIR/body" -w '%{http_code}' -H 'Content-Type: application/json' \
		-d "{\"token\":\"$1\",\"who\":\"$2\"}" "$URL/api/v1/phone-checkin"
	printf ' %s' "$(cat "$T_DIR/body")"
}
check "the page opens" sh -c "curl -sf '$QR' | grep -q 'checkin.js'"
check "its script and style load" sh -c "curl -sf '$URL/web/checkin.js' | grep -q phone-checkin && curl -sf '$URL/web/checkin.css' > /dev/null"
check "the page is locked down (CSP)" sh -c "curl -s -D - -o /dev/null '$QR' | grep -qi \"content-security-policy: default-src 'self'\""
check "the page learns the venue's name" sh -c "curl -s '$URL/api/v1/venue/$TOK' | grep -q '\"venue_name\":\"Cà phê Sài Gòn\"'"
R=$(post "$TOK" "0912 345 678")
check "a phone check-in is accepted" test "${R%% *}" = 200
check "with the venue's name" sh -c "echo '$R' | grep -q '\"result\":\"accepted\",\"venue_name\":\"Cà phê Sài Gòn\"'"
R=$(post "$TOK" "+84912345678")
check "the same person again gets the same answer (no presence oracle)" test "$R" = '200 {"result":"accepted","venue_name":"Cà phê Sài Gòn"}'
check "and is stored once" test "$(t_sql "$CDB" "select count(*) from visits where subject = '0912345678'")" = 1
R=$(post "$TOK" "079095001234")
check "an ID card number is accepted" sh -c "echo '$R' | grep -q accepted"
STALE=$(build/tests/venue_token "$T_DIR/k/device.sec" "$URL" Q1-CAFE-001 -3)
R=$(post "${STALE#*/c/}" "0987654321")
check "a stale code (90 s old) is refused" test "$R" = '403 {"result":"rejected","reason":"stale"}'
$K keys --type device --out "$T_DIR/rogue" > /dev/null
FORGED=$(build/tests/venue_token "$T_DIR/rogue.sec" "$URL" Q1-CAFE-001 0)
R=$(post "${FORGED#*/c/}" "0987654321")
check "a code from another key is refused" test "$R" = '403 {"result":"rejected","reason":"bad_token"}'
R=$(post "$TOK" "12345")
check "a bad number is refused" test "$R" = '400 {"result":"rejected","reason":"bad_number"}'

# The same page in a real browser (headless Chromium as a phone, driven
# over the DevTools protocol): a visitor types a number and taps.
OUT=build/test-output/phone
/usr/bin/python3 tests/phone_browser.py "$QR" "$STALE" "$OUT" > "$T_DIR/browser.json" 2> "$T_DIR/browser.err"
check "chromium drove the page" test -s "$T_DIR/browser.json"
[ -s "$T_DIR/browser.json" ] || tail -5 "$T_DIR/browser.err"
B() { json_get "$T_DIR/browser.json" "$1"; }
check "browser: the page opens in Vietnamese with the venue's name" test "$(B 'd["before"]["lang"], d["before"]["title"], d["before"]["venue"], d["before"]["hidden"]')" = "('vi', 'Khai báo tại địa điểm', 'Cà phê Sài Gòn', True)"
check "browser: the number is typed" test "$(B 'd["typed"]')" = "0933 222 111"
check "browser: accepted, in Vietnamese" test "$(B 'd["accepted"]["kind"], d["accepted"]["text"]')" = "('accepted', 'Đã ghi nhận. Cảm ơn bạn!')"
check "browser: a second tap gets the same answer" test "$(B 'd["again"]["kind"], d["again"]["text"]')" = "('accepted', 'Đã ghi nhận. Cảm ơn bạn!')"
check "browser: English, and a bad number refused on the page" test "$(B 'd["bad_number_en"]["lang"], d["bad_number_en"]["kind"], d["bad_number_en"]["text"][:18]')" = "('en', 'rejected', 'Not a valid number')"
check "browser: a stale code is refused as the page opens" test "$(B 'd["stale_on_open"]["kind"], d["stale_on_open"]["text"][:10]')" = "('rejected', 'Mã QR đã h')"
check "browser: and refused again when sent" test "$(B 'd["stale_sent"]["kind"], d["stale_sent"]["text"][:10]')" = "('rejected', 'Mã QR đã h')"
check "browser: screenshots saved" test -s "$OUT/phone-accepted.png" -a -s "$OUT/phone-stale.png"
check "three phone visits stored, source phone, none from the stale code" test "$(t_sql "$CDB" "select count(*), min(source), max(source), sum(case when subject = '0987654321' then 1 else 0 end) from visits")" = "3|phone|phone|0"
t_done
