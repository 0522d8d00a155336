#!/bin/bash
# e2e_setup: a kiosk with no settings is set up by scanning its ward's
# enrolment code, with no terminal. The ward makes the code (collector
# token --qr/--pdf); a headless kiosk, its camera a folder showing the code
# and then a visitor's card, enrols through kiosk-sync, goes on to the
# ready screen and checks the visitor in; the visit reaches the collector.
# Each thing that can go wrong is shown and leaves the kiosk scanning: a
# visitor's code instead of the enrolment code, a damaged one, an expired
# one, one used already, a collector that cannot be reached. Then the
# ward's pass list: an issuer added and a pass revoked at the collector
# reach the kiosk at its next sync, and the revoked pass is refused there.
# SHOTS=DIR keeps the screenshots.
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
K=${KIOSKCTL:-build/bin/kioskctl}
KIOSK=${KIOSK:-build/bin/kiosk}
SYNC=${KIOSK_SYNC:-build/bin/kiosk-sync}
C=${COLLECTOR:-build/bin/collector}
MK=build/tools/mkframe
t_setup
export SDL_VIDEODRIVER=offscreen SDL_AUDIODRIVER=dummy KIOSK_LOG_LEVEL=info
# On SQLite: what the set-up adds to the collector's storage (keys, pass
# lists, tokens that expire) runs on both backends in test_db, and
# enrolment over HTTP on PostgreSQL in e2e_sync.
CDB=sqlite:$T_DIR/c.db
WARD="Phường Hàng Bông"
$K keys --type authority --out "$T_DIR/auth" > /dev/null
$K keys --type issuer --out "$T_DIR/ward" > /dev/null
$K keys --type issuer --out "$T_DIR/ward2" > /dev/null
check_exit "collector init with the authority's key" 0 $C init --db "$CDB" --authority-key "$T_DIR/auth.pub"
check "it says its signing key's fingerprint" grep -q "fingerprint [0-9A-F]\{4\}-" "$T_DIR/out"
FPR=$(grep -o "[0-9A-F]\{4\}-[0-9A-F]\{4\}-[0-9A-F]\{4\}-[0-9A-F]\{4\}" "$T_DIR/out")
check_exit "the ward's pass issuer" 0 $C pass issuer-add --db "$CDB" --ward "$WARD" "$T_DIR/ward.pub"
$C serve --listen 127.0.0.1:0 --db "$CDB" > "$T_DIR/coll.out" 2> "$T_DIR/coll.err" &
CPID=$!
SPID=
trap 'kill $CPID $SPID 2>/dev/null; wait 2>/dev/null; t_cleanup' EXIT
URL=$(t_listening "$T_DIR/coll.out")
check "collector listening" test -n "$URL"

code() {	# code NAME VENUE-ID [URL] [faketime offset]: NAME.png, NAME.txt
	local ft=()
	# libfaketime beside ASan's runtime: its link order is not ASan's
	# to check (as e2e_clock does).
	[ -n "${4:-}" ] && ft=(env "ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" FAKETIME_DONT_FAKE_MONOTONIC=1 faketime -f "$4")
	"${ft[@]}" $C token --db "$CDB" --role device-enrolment --ward "$WARD" \
		--venue-id "$2" --venue-name "Phở Hàng Bông $2" \
		--address "12 Hàng Bông, Hoàn Kiếm, Hà Nội" --hours "06:00-22:00" \
		--collector-url "${3:-$URL}" --qr "$T_DIR/$1.png" --pdf "$T_DIR/$1.pdf" \
		> "$T_DIR/$1.out" 2>&1 &&
	$K decode "$T_DIR/$1.png" > "$T_DIR/$1.json" &&
	json_get "$T_DIR/$1.json" 'd["texts"][0]' > "$T_DIR/$1.txt"
}
shot() {	# shot NAME: keep the screenshot NAME.png where SHOTS says
	[ -n "${SHOTS:-}" ] && mkdir -p "$SHOTS" && cp "$T_DIR/$1.png" "$SHOTS/setup-$1.png"
	return 0
}
frames() {	# frames DIR FILE...: a camera folder showing FILEs in turn
	rm -rf "$1"; mkdir -p "$1"
	local d=$1 i=1; shift
	for f in "$@"; do cp "$f" "$d/$(printf %02d $i).png"; i=$((i + 1)); done
}
kiosk() {	# kiosk DB CAMERA SECONDS SHOT [more options]
	local db=$1 cam=$2 secs=$3 name=$4; shift 4
	timeout 90 $KIOSK --db "$db" --camera "$cam" --frame-interval 200 \
		--run-for "$secs" --size 1024x600 --screenshot "$T_DIR/$name.png" \
		--silent "$@" > /dev/null 2> "$T_DIR/$name.err"
}
CARD='079095001234|023456789|Nguyễn Văn An|14031995|Nam|12 Đường Số 1, P. Bến Nghé, Q.1, TP. Hồ Chí Minh|20042021'
$MK --text "$CARD" --out "$T_DIR/card.png" --module 3 --rotate 5

check "a code and its sheet" code good HK-PHO-001
check "the code is an enrolment code" grep -q '^KE1\.' "$T_DIR/good.txt"
check "the sheet is a PDF" sh -c "head -c 5 '$T_DIR/good.pdf' | grep -q '%PDF-'"
check "code and sheet are private" test "$(stat -c %a "$T_DIR/good.png") $(stat -c %a "$T_DIR/good.pdf")" = "600 600"
check "the sheet names the venue" sh -c "pdftotext '$T_DIR/good.pdf' - | grep -q 'Phở Hàng Bông HK-PHO-001'"
check "the sheet gives the fingerprint to compare" sh -c "pdftotext '$T_DIR/good.pdf' - | grep -q 'Dấu vân tay máy chủ phường: $FPR'"
check "the sheet, printed, holds the code" sh -c "pdftoppm -r 150 -png '$T_DIR/good.pdf' '$T_DIR/sheet' && $K decode '$T_DIR/sheet-1.png' > '$T_DIR/sheet.json' && test \"\$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[\"texts\"][0])' '$T_DIR/sheet.json')\" = \"\$(cat '$T_DIR/good.txt')\""
# The pass card: its printed QR is the pass, its words the holder's.
CARDPASS=$($K issue-pass --issuer-key "$T_DIR/ward.sec" --role officer --name "Trần Thị Hồng Nhung" --issuer-name "UBND $WARD" --pdf "$T_DIR/card.pdf" 2>/dev/null)
check "the pass card is private" test "$(stat -c %a "$T_DIR/card.pdf")" = 600
check "the card names the holder and the issuer" sh -c "pdftotext '$T_DIR/card.pdf' - | tr '\n' ' ' | grep -q 'Trần Thị Hồng Nhung Cán bộ kiểm tra (officer).*Cấp bởi: UBND $WARD'"
check "the card, printed, holds the pass" sh -c "pdftoppm -r 200 -png '$T_DIR/card.pdf' '$T_DIR/card' && $K decode '$T_DIR/card-1.png' | grep -qF '$CARDPASS'"

# Waiting, with no camera: the set-up screen, no settings made.
check_exit "waiting for a code" 0 kiosk "$T_DIR/w/visits.db" none 1 waiting
shot waiting
check "nothing set up while waiting" test ! -e "$T_DIR/w/kiosk.conf"

# The wrong codes, each said and nothing made; the kiosk keeps scanning.
frames "$T_DIR/f1" "$T_DIR/card.png"
check_exit "a visitor's card at the set-up screen" 0 kiosk "$T_DIR/n/visits.db" "dir:$T_DIR/f1" 2 not-code
shot not-code
check "said: not an enrolment code" grep -q "err_not_code" "$T_DIR/not-code.err"
check "no settings from a visitor's card" test ! -e "$T_DIR/n/kiosk.conf"
GOOD=$(cat "$T_DIR/good.txt")
$MK --text "${GOOD:0:40}X${GOOD:41}" --out "$T_DIR/damaged.png" --module 3
frames "$T_DIR/f2" "$T_DIR/damaged.png"
check_exit "a damaged code" 0 kiosk "$T_DIR/n/visits.db" "dir:$T_DIR/f2" 2 damaged
shot damaged
check "said: damaged" grep -q "err_damaged" "$T_DIR/damaged.err"
check "an expired code (made 40 days ago)" code old HK-PHO-002 "$URL" "-40d"
frames "$T_DIR/f3" "$T_DIR/old.png"
check_exit "an expired code" 0 kiosk "$T_DIR/n/visits.db" "dir:$T_DIR/f3" 2 expired
shot expired
check "said: expired" grep -q "err_expired" "$T_DIR/expired.err"
check "no request left by a bad code" test ! -e "$T_DIR/n/enrolment-request"

# kiosk-sync beside it, as the units run them.
sync_start() {	# sync_start DB
	$SYNC --db "$1" --interval 1 --heartbeat 2 > /dev/null 2> "$T_DIR/sync.err" &
	SPID=$!
}
sync_stop() { kill $SPID 2>/dev/null; wait $SPID 2>/dev/null; SPID=; }

# A collector that cannot be reached: said while kiosk-sync tries again.
check "a code for an address nobody answers" code away HK-PHO-003 "http://127.0.0.1:9"
frames "$T_DIR/f4" "$T_DIR/away.png"
sync_start "$T_DIR/a/visits.db"
check_exit "an unreachable collector" 0 kiosk "$T_DIR/a/visits.db" "dir:$T_DIR/f4" 4 unreachable
shot unreachable
sync_stop
check "kiosk-sync said it cannot reach it, and tries again" grep -q "trying again in" "$T_DIR/sync.err"
check "the screen said so" grep -q "enrolment code for venue HK-PHO-003" "$T_DIR/unreachable.err"
check "not set up while unreachable" test ! -e "$T_DIR/a/kiosk.conf"

# Enrolled: the PIN once, on the screen (Start not pressed: it stays).
frames "$T_DIR/f5" "$T_DIR/good.png"
sync_start "$T_DIR/k/visits.db"
check_exit "the ward's code at the camera" 0 kiosk "$T_DIR/k/visits.db" "dir:$T_DIR/f5" 6 enrolled --setup-done-after 600
shot enrolled
check "the screen saw it enrolled" grep -q "set-up: enrolled" "$T_DIR/enrolled.err"
check "settings made, private" test "$(stat -c %a "$T_DIR/k/kiosk.conf" 2>/dev/null)" = 600
check "the collector's key kept" grep -q "^collector_key = ed25519:" "$T_DIR/k/kiosk.conf"
check "the venue as the ward made it" grep -q "^venue_name = Phở Hàng Bông HK-PHO-001" "$T_DIR/k/kiosk.conf"
check "the hours from the code" grep -q "^hours = 06:00-22:00" "$T_DIR/k/kiosk.conf"
for _ in $(seq 50); do [ -s "$T_DIR/k/pass-list" ] && break; sleep 0.2; done
check "the ward's pass list taken at once" test -s "$T_DIR/k/pass-list"
VPASS=$($K issue-pass --issuer-key "$T_DIR/ward.sec" --role visitor --name "Đỗ Thị Hà" 2>/dev/null)
check_exit "a pass of the ward's issuer is accepted" 0 $K --db "$T_DIR/k/visits.db" checkin --payload "$VPASS"
check "the request is gone" test ! -e "$T_DIR/k/enrolment-request"
check_exit "kioskctl status: enrolled" 0 $K --db "$T_DIR/k/visits.db" status
check "status says enrolled" grep -q "^enrolled: *yes" "$T_DIR/out"
check "the collector has the device" sh -c "$C devices list --db '$CDB' | grep -q HK-PHO-001"

# The same code again (its token used): refused, said, and scanning on.
sync_stop
sync_start "$T_DIR/u/visits.db"
check_exit "a used code" 0 kiosk "$T_DIR/u/visits.db" "dir:$T_DIR/f5" 5 used
shot used
sync_stop
check "refused: used already" grep -q "used already" "$T_DIR/used.err"
check "the screen says it in its own words" grep -q "err_used" "$T_DIR/used.err"
check "not set up by a used code" test ! -e "$T_DIR/u/kiosk.conf"

# An attacker with a sheet re-signs it with a key of theirs, naming their
# own health authority key and pass issuer: whole, but not the
# collector's; refused, nothing set up (its token is spent).
check "a sheet for a venue an attacker gets" code stolen HK-PHO-007
$K keys --type authority --out "$T_DIR/evil" > /dev/null
FORGED=$(build/tests/forge_code "$(cat "$T_DIR/stolen.txt")" "$T_DIR/evil.pub")
check "the forged code reads as whole" test "${FORGED:0:4}" = KE1.
check_exit "a forged code is refused" 1 $K --db "$T_DIR/x/visits.db" enroll --code "$FORGED"
check "said: not the collector's keys" grep -q "keys are not the collector's own" "$T_DIR/err"
check "nothing set up by it" test ! -e "$T_DIR/x/kiosk.conf"
# A trailing slash on the collector's address is one collector.
check "a code with a trailing slash" code slash HK-PHO-008 "$URL/"
check_exit "it enrols" 0 $K --db "$T_DIR/s/visits.db" enroll --code "$T_DIR/slash.png"
# A kiosk enrolled by hand learns the key its pass lists are signed with.
$C token --db "$CDB" --role device-enrolment --ward "$WARD" --venue-id HK-PHO-009 > "$T_DIR/tok.out" 2> /dev/null
$K --db "$T_DIR/h/visits.db" init --demo --venue-id HK-PHO-009 --venue-name "Quán tay" > /dev/null 2>&1
check_exit "enrolled by hand" 0 $K --db "$T_DIR/h/visits.db" enroll --collector "$URL" --token "$(tail -1 "$T_DIR/tok.out")"
check "it keeps the collector's key" grep -q "^collector_key = ed25519:" "$T_DIR/h/kiosk.conf"
check_exit "kiosk-sync --once" 0 $SYNC --db "$T_DIR/h/visits.db" --once
check "and takes the ward's pass list" test -s "$T_DIR/h/pass-list"
# Two codes at the camera, the first for a collector nobody answers: the
# second is taken (an unreachable one does not lock the screen).
check "a code for a sixth venue" code six HK-PHO-010
frames "$T_DIR/f7" "$T_DIR/away.png" "$T_DIR/six.png"
sync_start "$T_DIR/b/visits.db"
check_exit "unreachable, then a good code" 0 kiosk "$T_DIR/b/visits.db" "dir:$T_DIR/f7" 8 unlocked --frame-interval 2500 --setup-done-after 600
sync_stop
check "the good one enrolled it" grep -q "^venue_id = HK-PHO-010" "$T_DIR/b/kiosk.conf"

# The whole way: a new code, then a visitor, with nobody at the screen
# (it goes on to the ready screen by itself); the visit reaches the ward.
check "a code for a second venue" code two HK-PHO-004
frames "$T_DIR/f6" "$T_DIR/two.png" "$T_DIR/card.png"
sync_start "$T_DIR/v/visits.db"
check_exit "code, then a visitor" 0 timeout 90 $KIOSK --db "$T_DIR/v/visits.db" --camera "dir:$T_DIR/f6" --frame-interval 300 --exit-when-done --setup-done-after 2 --size 800x480 --screenshot "$T_DIR/ready.png" --silent
shot ready
for _ in $(seq 50); do
	[ "$(t_sql "$CDB" "select count(*) from visits v join devices d using (device_id) where d.venue_id = 'HK-PHO-004'")" = 1 ] && break
	sleep 0.2
done
check "kiosk-sync still running" kill -0 $SPID
check "the visit reached the collector" test "$(t_sql "$CDB" "select count(*) from visits v join devices d using (device_id) where d.venue_id = 'HK-PHO-004'")" = 1
check_exit "a tracer finds it" 0 $C trace --db "$CDB" --reason "e2e_setup" --subject cccd:079095001234 --format json
check "the trace names the venue" grep -q "HK-PHO-004" "$T_DIR/out"

# The ward's pass list: a second issuer, a pass revoked; at the next sync
# the kiosk has them, and the revoked pass is refused at its camera.
PASS=$($K issue-pass --issuer-key "$T_DIR/ward2.sec" --role visitor --name "Lê Thị Hoa" 2>/dev/null)
PID_=$(python3 -c 'import base64,json,sys; b=sys.argv[1][4:].split(".")[0]; print(json.loads(base64.urlsafe_b64decode(b + "=" * (-len(b) % 4)))["id"])' "$PASS")
check_exit "a second issuer" 0 $C pass issuer-add --db "$CDB" --ward "$WARD" "$T_DIR/ward2.pub"
check_exit "the pass revoked" 0 $C pass revoke --db "$CDB" "$PID_"
check_exit "pass list" 0 $C pass list --db "$CDB" --ward "$WARD"
check "the list: 2 issuers, 1 revoked" grep -q "2 issuers, 1 revoked pass" "$T_DIR/out"
for _ in $(seq 50); do grep -q "pass list, version 3" "$T_DIR/sync.err" && break; sleep 0.2; done
check "kiosk-sync took the new list" grep -q "pass list, version 3 (2 issuers, 1 revoked passes), taken" "$T_DIR/sync.err"
sync_stop
check_exit "the revoked pass at the kiosk" 3 $K --db "$T_DIR/v/visits.db" checkin --payload "$PASS"
check "refused as revoked" grep -q '"reason":"pass_revoked"' "$T_DIR/out"
# A pass list not signed by the kiosk's collector is not taken.
cp "$T_DIR/v/pass-list" "$T_DIR/pl.good"
python3 - "$T_DIR/v/pass-list" <<'PY'
import sys
p = sys.argv[1]
t = open(p).read().strip()
head, sig = t.rsplit(".", 1)
open(p, "w").write(head + "." + ("A" if sig[0] != "A" else "B") + sig[1:] + "\n")
PY
check_exit "a forged pass list is ignored" 3 $K --db "$T_DIR/v/visits.db" checkin --payload "$PASS"
check "said: not from this kiosk's collector" grep -q "not from this kiosk's collector" "$T_DIR/err"
check "and the pass is not trusted without it" grep -q '"reason":"pass_unknown_issuer"' "$T_DIR/out"
cp "$T_DIR/pl.good" "$T_DIR/v/pass-list"

# From a terminal, the same code path: kioskctl enroll --code.
check "a code for a third venue" code three HK-PHO-005
check_exit "kioskctl enroll --code PICTURE" 0 $K --db "$T_DIR/t/visits.db" enroll --code "$T_DIR/three.png"
check "it shows the fingerprint to compare" grep -q "fingerprint $FPR" "$T_DIR/out"
check "and the PIN once" grep -q "admin screen PIN: [0-9]\{6\}" "$T_DIR/out"
check_exit "again: set up already" 1 $K --db "$T_DIR/t/visits.db" enroll --code "$T_DIR/three.txt"

# Tokens: listed (never shown again), revoked, expired.
check_exit "token list" 0 $C token list --db "$CDB"
check "used and usable tokens listed" sh -c "grep -q ' used ' '$T_DIR/out' && grep -q ' usable ' '$T_DIR/out'"
check "the list never shows a token" sh -c "! grep -qF '$(json_get "$T_DIR/good.json" 'd["texts"][0]' | cut -c5-20)' '$T_DIR/out'"
check "a code for a fourth venue" code four HK-PHO-006
ID=$($C token list --db "$CDB" | awk '$2 == "device-enrolment" && $3 == "usable" && /HK-PHO-006/ {print $1}')
check_exit "token revoke" 0 $C token revoke --db "$CDB" "$ID"
check_exit "a revoked token enrols nothing" 1 $K --db "$T_DIR/r/visits.db" enroll --code "$T_DIR/four.png"
check "said: revoked by the ward" grep -q "revoked by the ward" "$T_DIR/err"
check_exit "an unknown token id" 3 $C token revoke --db "$CDB" 0123456789ab
t_done
