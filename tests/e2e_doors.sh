#!/bin/bash
# e2e_doors: the collector's doors attacked as issue #12 found them open,
# against the real server on 127.0.0.1 (both storage backends):
# - enrolment with another ward's token and another shop's venue id;
# - a revoked kiosk: uploads, venue codes and devices list;
# - a phone check-in flood from one address with one code (figures
#   printed), bad numbers, the per-slot cap, Retry-After;
# - a kiosk whose clock is two days off still gets its heartbeat taken;
# - every query endpoint without a token and with the wrong role;
# - overflowing numbers, an instance named "phone", two Content-Lengths;
# - 64 connections trickling their headers: cut at the deadline, and the
#   address served again.
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
COLL=${COLLECTOR:-build/bin/collector}
K=${KIOSKCTL:-build/bin/kioskctl}
SYNC=${KIOSK_SYNC:-build/bin/kiosk-sync}
t_setup
export KIOSK_LOG_LEVEL=warn
CDB=$(t_collector_db doors)
# One port for the whole test: the kiosks keep the collector's URL.
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
start() {	# extra serve options
	$COLL serve --listen 127.0.0.1:$PORT --db "$CDB" "$@" > "$T_DIR/coll.out" 2> "$T_DIR/coll.err" &
	CPID=$!
	URL=$(t_listening "$T_DIR/coll.out")
}
stop() { kill $CPID 2>/dev/null; wait $CPID 2>/dev/null; }
trap 'stop; t_cleanup' EXIT
start --request-deadline 3

# The real shop, in ward A, enrolled with a token bound to its venue.
DB=$T_DIR/shop/visits.db
$K --db "$DB" init --demo --venue-id Q1-CAFE-001 --venue-name "Cà phê Sài Gòn" > /dev/null
TOK=$($COLL token --db "$CDB" --role device-enrolment --ward "Phường A" --venue-id Q1-CAFE-001 --venue-name "Cà phê Sài Gòn" | tail -1)
check_exit "the shop enrols with its ward's token" 0 $K --db "$DB" enroll --collector "$URL" --token "$TOK"
check "and takes the token's ward" grep -q "^ward = Phường A$" "$T_DIR/shop/kiosk.conf"

# The attacker: ward B's token, a kiosk that says ward A, the shop's id.
RDB=$T_DIR/rogue/visits.db
$K --db "$RDB" init --demo --venue-id Q1-CAFE-001 --venue-name "Cà phê Sài Gòn" --ward "Phường A" > /dev/null
BTOK=$($COLL token --db "$CDB" --role device-enrolment --ward "Phường B" | tail -1)
check_exit "ward B's token with a kiosk that says ward A: refused" 1 $K --db "$RDB" enroll --collector "$URL" --token "$BTOK"
check "it says which ward the token is for" grep -q 'this enrolment token is for ward "Phường B"' "$T_DIR/err"
sed -i 's/^ward = .*/ward = /' "$T_DIR/rogue/kiosk.conf"
check_exit "saying no ward, the shop's venue id: refused" 1 $K --db "$RDB" enroll --collector "$URL" --token "$BTOK"
check "a venue id is one ward's" grep -q 'is held by a kiosk of ward "Phường A"' "$T_DIR/err"
check "the rogue kiosk is not enrolled" test "$(t_sql "$CDB" "select count(*) from devices")" = 1
check_exit "collector token --role device-enrolment without a ward: usage" 2 $COLL token --db "$CDB" --role device-enrolment

# Phone check-ins: a flood from one address with one code.
CODE=$(build/tests/venue_token "$T_DIR/shop/device.sec" "$URL" Q1-CAFE-001 0)
CODE=${CODE#*/c/}
FLOOD=$(python3 bench/phone_flood.py "$URL" "$CODE" 3 4)
echo "# phone flood, one address, one code, 3 s: $FLOOD"
ACC=$(sed -n 's/.*accepted \([0-9]*\) .*/\1/p' <<< "$FLOOD")
SENT=$(sed -n 's/^sent \([0-9]*\) .*/\1/p' <<< "$FLOOD")
check "the flood got at most the address's 10" test "${ACC:-99}" -le 10
check "and everything else refused with 429 and Retry-After" sh -c "echo '$FLOOD' | grep -q '429 $((SENT - ACC))),' && echo '$FLOOD' | grep -qv 'Retry-After None'"
check "the store holds only those" test "$(t_sql "$CDB" "select count(*) from visits where source = 'phone'")" = "$ACC"
stop
start --phone-per-address 1000 --phone-per-code 1000 --phone-per-slot 5
post() {	# $1 number -> status and body
	curl -s -o "$T_DIR/body" -w '%{http_code}' -D "$T_DIR/hdr" -H 'Content-Type: application/json' \
		-d "{\"token\":\"$CODE\",\"who\":\"$1\"}" "$URL/api/v1/phone-checkin"
	printf ' %s' "$(cat "$T_DIR/body")"
}
check "twelve zeros are not an ID card" test "$(post 000000000000)" = '400 {"result":"rejected","reason":"bad_number"}'
check "nor a number born next century" test "$(post 079495001234)" = '400 {"result":"rejected","reason":"bad_number"}'
check "nor a phone number with no mobile prefix" test "$(post 0123456789)" = '400 {"result":"rejected","reason":"bad_number"}'
check "a real ID card number is" sh -c "test \"\$(curl -s -H 'Content-Type: application/json' -d '{\"token\":\"$CODE\",\"who\":\"079095001234\"}' $URL/api/v1/phone-checkin | grep -o accepted)\" = accepted"
SLOT=""
for i in 1 2 3 4 5 6; do SLOT="$SLOT $(post "09770000$(printf %02d $i)" | cut -c1-3)"; done
check "a venue's slot takes a few, then says 429" sh -c "echo '$SLOT' | grep -q '429'"
check "with Retry-After until the next code" sh -c "grep -qi '^Retry-After: [0-9]' '$T_DIR/hdr' && test \$(grep -i '^Retry-After' '$T_DIR/hdr' | tr -dc 0-9) -le 60"
stop
# Behind a proxy: an IPv6 phone counts by its /64, not as the proxy.
start --trusted-proxy 127.0.0.1 --phone-per-address 3 --phone-per-code 1000 --phone-per-slot 1000
v6() {	# $1 X-Forwarded-For, $2 number -> status
	curl -s -o /dev/null -w '%{http_code}' -H "X-Forwarded-For: $1" -H 'Content-Type: application/json' \
		-d "{\"token\":\"$CODE\",\"who\":\"$2\"}" "$URL/api/v1/phone-checkin"
}
V6=""
for i in 1 2 3 4; do V6="$V6 $(v6 2001:db8:0:7::1 "097711110$i")"; done
check "an IPv6 phone gets its 3, then 429" test "$V6" = " 200 200 200 429"
check "another address of its /64 shares its limit" test "$(v6 2001:db8:0:7::beef 0977111105)" = 429
check "another /64 is another client" test "$(v6 2001:db8:0:8::1 0977111106)" = 200
check "an IPv4 client behind the proxy too" test "$(v6 10.0.0.7 0977111107)" = 200
stop
start --request-deadline 3

# A revoked kiosk.
SDEV=$(t_sql "$CDB" "select device_id from devices")
$K --db "$DB" checkin --payload 0912345678 > /dev/null
check_exit "collector devices list" 0 $COLL devices list --db "$CDB"
check "lists the shop with its ward" grep -q "Phường A" "$T_DIR/out"
check_exit "revoke it" 0 $COLL devices revoke --db "$CDB" "$SDEV"
check_exit "a device id that is not one: usage" 2 $COLL devices revoke --db "$CDB" "Q1-CAFE-001"
check_exit "its uploads are refused" 1 $SYNC --db "$DB" --once
check "kioskctl status tells the owner" sh -c "$K --db '$DB' status | grep -q 'revoked by its ward'"
check "its venue code is refused" test "$(post 0912000111 | cut -c1-3)" = 403
check_exit "devices list --json" 0 $COLL devices list --db "$CDB" --json
check "says revoked" test "$(json_get "$T_DIR/out" 'd["devices"][0]["revoked_ms"] > 0')" = True
check "the audit log has the revocation" sh -c "$COLL audit --db '$CDB' | grep -q revoke"
# Back with a new key, as docs/sync.md says (a new token for its venue).
OLDKEY=$(cat "$(dirname "$DB")/device.pub")
TOK3=$($COLL token --db "$CDB" --role device-enrolment --ward "Phường A" --venue-id Q1-CAFE-001 | tail -1)
check_exit "enroll --new-key after a revocation" 0 $K --db "$DB" enroll --collector "$URL" --token "$TOK3" --new-key
check "the new key is in place" test "$(cat "$(dirname "$DB")/device.pub")" != "$OLDKEY"
check "and no key is left beside it" sh -c "! ls '$(dirname "$DB")' | grep -q '\.new\.'"
check_exit "its uploads are taken again" 0 $SYNC --db "$DB" --once

# A kiosk whose clock is two days ahead: its heartbeat is still taken.
K2=$T_DIR/k2/visits.db
$K --db "$K2" init --demo --venue-id Q1-PHO-002 --venue-name "Phở" > /dev/null
TOK2=$($COLL token --db "$CDB" --role device-enrolment --ward "Phường A" | tail -1)
check_exit "a second kiosk enrols" 0 $K --db "$K2" enroll --collector "$URL" --token "$TOK2"
# The ward typed otherwise on the token and on the kiosk: one ward.
K3=$T_DIR/k3/visits.db
$K --db "$K3" init --demo --venue-id Q1-BANH-003 --venue-name "Bánh mì" --ward "phuong a" > /dev/null
TOK3W=$($COLL token --db "$CDB" --role device-enrolment --ward "PHUONG A" --venue-id Q1-BANH-003 2> "$T_DIR/tok.err" | tail -1)
check "a token for 'PHUONG A' is for the enrolled 'Phường A'" grep -q "is the ward 'Phường A'" "$T_DIR/tok.err"
check_exit "a kiosk set up for 'phuong a' enrols with it" 0 $K --db "$K3" enroll --collector "$URL" --token "$TOK3W"
check "and is in the one ward" test "$(t_sql "$CDB" "select ward from devices where venue_id = 'Q1-BANH-003'")" = "Phường A"
HB0=$(t_sql "$CDB" "select count(*) from heartbeats")
check_exit "kiosk-sync with a clock two days ahead" 0 env ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" FAKETIME_DONT_FAKE_MONOTONIC=1 faketime -f '+2d' $SYNC --db "$K2" --once
check "its heartbeat was taken, in the collector's time" test "$(t_sql "$CDB" "select count(*) from heartbeats")" = $((HB0 + 1))
check "and it says its clock is off" grep -q "clock is .* off the collector's" "$T_DIR/err"

# Query endpoints: no token 401, a device-enrolment token 403.
ETOK=$($COLL token --db "$CDB" --role device-enrolment --ward "Phường A" | tail -1)
ADMIN=$($COLL token --db "$CDB" --role admin | tail -1)
for ep in "trace?subject=phone:0912345678" "report?ward=W" audit "verify-receipt?receipt=x"; do
	check "GET /api/v1/${ep%%\?*} without a token: 401" test "$(curl -s -o /dev/null -w '%{http_code}' "$URL/api/v1/$ep")" = 401
	check "GET /api/v1/${ep%%\?*} with an enrolment token: 403" test "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $ETOK" "$URL/api/v1/$ep")" = 403
done
get() { curl -s -o "$T_DIR/body" -w '%{http_code}' -H "Authorization: Bearer $ADMIN" "$URL$1"; }
check "report?date=9223372036854775 is a 400, not an overflow" test "$(get '/api/v1/report?ward=W&date=9223372036854775')" = 400
check "trace?from=99999999999999999999: 400" test "$(get '/api/v1/report?ward=W&date=99999999999999999999')" = 400
hb() {	# $1 instance, $2 last seq
	curl -s -o /dev/null -w '%{http_code}' -H "X-Kiosk-Device: $SDEV" -H "X-Kiosk-Instance: $1" \
		-H 'X-Kiosk-First-Seq: 1' -H "X-Kiosk-Last-Seq: $2" -H 'X-Kiosk-Count: 0' \
		-H "X-Kiosk-Digest: $(printf %064d 0)" -H 'X-Kiosk-Sent-At: 1' -H 'X-Kiosk-Signature: AA==' \
		-d '{}' "$URL/api/v1/heartbeat"
}
check "an instance named phone: 400" test "$(hb phone 1)" = 400
check "seq 2^63-1: 400" test "$(hb 0123456789abcdef0123456789abcdef 9223372036854775807)" = 400
check "two Content-Lengths: 400" sh -c "printf 'POST /api/v1/enroll HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 9\r\n\r\n{}' | timeout 5 python3 -c 'import socket,sys; s=socket.create_connection((\"127.0.0.1\", int(sys.argv[1]))); s.sendall(sys.stdin.buffer.read()); print(s.recv(100).decode())' ${URL##*:} | grep -q ' 400 '"

# 64 connections trickling header lines; the deadline (3 s) cuts them.
python3 - "${URL##*:}" > "$T_DIR/slow.out" <<'PY'
import socket, sys, time, urllib.request
port = int(sys.argv[1])
socks = []
for i in range(64):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n")
    socks.append(s)
t = time.time()
cut = 0
while time.time() - t < 8 and cut < 64:
    time.sleep(1)
    cut = 0
    for s in socks:
        try:
            s.sendall(b"X-Slow: y\r\n")
        except OSError:
            cut += 1
print("cut %d of 64 after %.0f s" % (cut, time.time() - t))
try:
    ok = urllib.request.urlopen("http://127.0.0.1:%d/api/v1/health" % port,
                                timeout=5).status
except Exception as e:
    ok = repr(e)
print("then health %s" % ok)
PY
check "64 trickling connections are cut by the deadline" grep -qE '^cut 64 of 64 after [3-6] s$' "$T_DIR/slow.out"
check "and the address is served again" grep -q '^then health 200$' "$T_DIR/slow.out"
t_done
