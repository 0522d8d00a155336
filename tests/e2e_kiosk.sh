#!/bin/bash
# e2e_kiosk: the kiosk app headless (SDL offscreen driver) on camera
# frames holding three valid codes, one invalid and one repeated; after it
# has handled every frame, kioskctl status shows exactly three visits and
# one reject. Also: the screenshot is written, and a missing camera is not
# fatal.
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
K=${KIOSKCTL:-build/bin/kioskctl}
KIOSK=${KIOSK:-build/bin/kiosk}
MK=build/tools/mkframe
t_setup
export SDL_VIDEODRIVER=offscreen SDL_AUDIODRIVER=dummy KIOSK_LOG_LEVEL=warn
DB=$T_DIR/k/visits.db
F=$T_DIR/frames
mkdir -p "$F"
$K --db "$DB" init --demo --venue-id Q1-CAFE-001 --venue-name "Cà phê Sài Gòn" > /dev/null
$K keys --type issuer --out "$T_DIR/ward" > /dev/null
cat "$T_DIR/ward.pub" >> "$T_DIR/k/trusted-issuers"
PASS=$($K issue-pass --issuer-key "$T_DIR/ward.sec" --role visitor --name "Trần Thị Bình" 2>/dev/null)
CARD='079095001234|023456789|Nguyễn Văn An|14031995|Nam|12 Đường Số 1, P. Bến Nghé, Q.1, TP. Hồ Chí Minh|20042021'

# Kiosk-like frames: small, rotated, blurred, dim, a phone in dark mode.
$MK --text "$CARD" --out "$F/01.png" --module 3 --rotate 7 --blur 1
$MK --text '******123456|NGUYEN VAN BINH|1990-**-**|1|a1b2c3d4e5f6|' --out "$F/02.png" --module 4 --contrast 0.6 --bright -0.2 --noise 6
$MK --text "$PASS" --out "$F/03.png" --module 3 --invert --rotate -4
$MK --text '079095001234||Nguyễn Văn An|14031995|Nữ|Hà Nội|20042021' --out "$F/04.png" --module 4
$MK --text "$CARD" --out "$F/05.png" --module 4 --rotate -10

check_exit "kiosk runs headless over the frames and exits" 0 timeout 60 $KIOSK --db "$DB" --camera "dir:$F" --frame-interval 150 --exit-when-done --size 800x480 --screenshot "$T_DIR/shot.png" --silent
check "screenshot written" test -s "$T_DIR/shot.png"
check_exit "status --json" 0 $K --db "$DB" status --json
check "exactly three visits" test "$(json_get "$T_DIR/out" 'd["visits_total"]')" = 3
check "one reject, for the gender" test "$(json_get "$T_DIR/out" '(d["rejects_total"], d["rejects"].get("cccd_gender_mismatch"))')" = "(1, 1)"
check "heartbeat recorded" test "$(json_get "$T_DIR/out" 'd["last_heartbeat"] is not None')" = True
check_exit "export" 0 $K --db "$DB" export --format json
check "the three subjects, camera source" test "$(python3 -c 'import json,sys; d=json.load(sys.stdin); print(sorted(v["subject"].split(":")[0] for v in d), {v["source"] for v in d})' < "$T_DIR/out")" = "['cccd', 'pass', 'pccovid'] {'camera'}"
check "start and stop events" test "$(sqlite3 "$DB" "select group_concat(kind) from (select kind from events where kind in ('start','stop') order by id)")" = "start,stop"

# Patrol: an officer pass at the camera opens the compliance screen; its
# receipt QR, read back from the screenshot, verifies against the device.
mkdir -p "$T_DIR/officer"
OFF=$($K issue-pass --issuer-key "$T_DIR/ward.sec" --role officer --name "Cán bộ Phường" 2>/dev/null)
$MK --text "$OFF" --out "$T_DIR/officer/01.png" --module 3 --rotate 4
check_exit "officer pass at the camera" 0 timeout 60 $KIOSK --db "$DB" --camera "dir:$T_DIR/officer" --frame-interval 100 --exit-when-done --size 1280x720 --screenshot "$T_DIR/patrol.png" --silent
check_exit "decode the patrol screen" 0 $K decode "$T_DIR/patrol.png"
RECEIPT=$(json_get "$T_DIR/out" 'd["texts"][0]')
check "a receipt is on screen" test "${RECEIPT:0:4}" = KR1.
check_exit "verify-receipt" 0 $K --db "$DB" verify-receipt "$RECEIPT"
check "receipt figures" test "$(json_get "$T_DIR/out" '(d["result"], d["receipt"]["venue"], d["receipt"]["today"], d["receipt"]["pending"])')" = "('valid', 'Q1-CAFE-001', 3, 3)"
check_exit "an altered receipt is refused" 3 $K --db "$DB" verify-receipt "${RECEIPT%?}x"
check_exit "another device's key refuses it" 3 $K --db "$DB" verify-receipt --device-pub "$T_DIR/ward.pub" "$RECEIPT"
check "the inspection is recorded" test "$(sqlite3 "$DB" "select count(*) from events where kind = 'inspection'")" = 1

# No camera at all: the kiosk still runs (scanner and keypad).
check_exit "kiosk with --camera none runs" 0 timeout 30 $KIOSK --db "$DB" --camera none --run-for 1 --size 480x800 --silent
# No settings at all (a new machine): a screen for the owner, not an exit
# into a restart loop; once `kioskctl init` made them, it ends (exit 0) so
# that the service starts again, set up.
NEW=$T_DIR/new/visits.db
mkdir -p "$T_DIR/new"
$KIOSK --db "$NEW" --camera none --size 800x480 --silent > /dev/null 2> "$T_DIR/new.err" &
NP=$!
sleep 2
check "with no settings it keeps running" kill -0 $NP
check "and says why" grep -q "the set-up screen, until the ward.s enrolment code is scanned (or .kioskctl init. makes them)" "$T_DIR/new.err"
$K --db "$NEW" init --demo --venue-id Q1-NEW-001 --venue-name "Quán mới" > /dev/null 2>&1
NRC=99
for _ in $(seq 50); do kill -0 $NP 2>/dev/null || { wait $NP; NRC=$?; break; }; sleep 0.1; done
check "once init made them it ends, exit 0, to start again set up" test "$NRC" = 0
kill $NP 2>/dev/null
# A camera that is not there: retried, not fatal.
check_exit "kiosk with a missing v4l2 camera runs" 0 timeout 30 $KIOSK --db "$DB" --camera v4l2:/dev/video-none --run-for 2 --silent
check_exit "bad option is a usage error" 2 $KIOSK --db "$DB" --mode sideways
# Numbers are checked whole (parsenum): the value given is named.
check_exit "a bad --frame-interval is a usage error" 2 $KIOSK --db "$DB" --frame-interval 150ms
check "it names the value" grep -q "'150ms'" "$T_DIR/err"
check_exit "a --size out of range is a usage error" 2 $KIOSK --db "$DB" --size 99999999999x480
check_exit "a negative --run-for is a usage error" 2 $KIOSK --db "$DB" --run-for -1
check_exit "no settings: the set-up screen, not an exit (issue 14)" 0 $KIOSK --db "$T_DIR/none/visits.db" --camera none --run-for 1
check "it says to run init" grep -q "kioskctl init" "$T_DIR/err"

t_done
