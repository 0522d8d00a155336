#!/bin/bash
# e2e_recovery: a corrupt store opened by two processes at once (two
# `kioskctl checkin` started together, as the kiosk and kiosk-sync would
# at boot), RECOVERY_TRIALS times (default 100): exactly one of them moves
# the file aside, every visit not yet uploaded is salvaged into the new
# store, both new check-ins land there, and nothing is left stranded in
# the moved file (marked .salvaged, so no later store salvages it
# again). Then a store spoilt past reading, and one truncated to 0 bytes:
# status says so.
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
K=${KIOSKCTL:-build/bin/kioskctl}
TRIALS=${RECOVERY_TRIALS:-100}
t_setup
export KIOSK_LOG_LEVEL=error

# The base: a set-up kiosk with 200 visits waiting to be uploaded.
mkdir -p "$T_DIR/base"
$K --db "$T_DIR/base/visits.db" init --demo --venue-id Q1-CAFE-001 \
	--venue-name "Cà phê" > /dev/null 2>&1
seq -f "09%08g" 1 200 | build/tests/checkin_many "$T_DIR/base/visits.db" > /dev/null 2>&1
# Scribble over an index's root page: quick_check fails, rows stay readable.
spoil() {
	python3 - "$1" "$2" <<'PY'
import sqlite3, sys
path, name = sys.argv[1], sys.argv[2]
c = sqlite3.connect(path)
c.execute("DELETE FROM meta WHERE key = 'checked_boot'")  # as after a reboot
c.commit()
c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
root = c.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (name,)).fetchone()[0]
size = c.execute("PRAGMA page_size").fetchone()[0]
c.close()
with open(path, "r+b") as f:
    f.seek((root - 1) * size)
    f.write(bytes((i * 13) & 0xff for i in range(size)))
PY
}
spoil "$T_DIR/base/visits.db" visits_subject

bad_moves=0 bad_rows=0 bad_new=0
for t in $(seq 1 "$TRIALS"); do
	d=$T_DIR/t$t
	mkdir -p "$d"
	cp -p "$T_DIR"/base/* "$d/"
	$K --db "$d/visits.db" checkin --payload 0911111111 > "$d/a.out" 2>&1 &
	a=$!
	$K --db "$d/visits.db" checkin --payload 0922222222 > "$d/b.out" 2>&1 &
	b=$!
	wait $a; ra=$?
	wait $b; rb=$?
	moved=$(ls "$d" | grep -c '^visits\.db\.corrupt-[0-9-]*\(\.salvaged\)\?$')
	[ "$moved" = 1 ] || bad_moves=$((bad_moves + 1))
	[ $ra = 0 ] && [ $rb = 0 ] || bad_new=$((bad_new + 1))
	out=$($K --db "$d/visits.db" status --json 2>/dev/null)
	got=$(python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(d["visits_total"], d["pending_upload"], d["recovery"]["salvaged"], d["recovery"]["unreadable_files"])' "$out" 2>/dev/null)
	[ "$got" = "202 202 200 0" ] || { bad_rows=$((bad_rows + 1)); echo "# trial $t: $got" >&2; }
	rm -rf "$d"
done
check "$TRIALS trials: exactly one process moved the corrupt store aside each time" test $bad_moves = 0
check "$TRIALS trials: both check-ins made at the same time were accepted" test $bad_new = 0
check "$TRIALS trials: the 200 visits waiting were salvaged, with the 2 new ones, nothing stranded" test $bad_rows = 0

# A store spoilt past reading (its table pages scribbled over): the kiosk
# keeps working, and status raises the alert instead of saying all is well.
mkdir -p "$T_DIR/worse"
cp -p "$T_DIR"/base/* "$T_DIR/worse/"
spoil "$T_DIR/worse/visits.db" visits
check_exit "a store whose visits cannot be read: check-in still works" 0 $K --db "$T_DIR/worse/visits.db" checkin --payload 0933333333
check_exit "status" 0 $K --db "$T_DIR/worse/visits.db" status
check "status raises the alert about the unreadable file" grep -q "ALERT: 1 corrupt store files moved aside could not be read" "$T_DIR/out"

# A store file of 0 bytes (truncated, restored empty) is not a new store.
mkdir -p "$T_DIR/empty"
cp -p "$T_DIR"/base/* "$T_DIR/empty/"
: > "$T_DIR/empty/visits.db"
rm -f "$T_DIR/empty/visits.db-wal" "$T_DIR/empty/visits.db-shm"
check_exit "an empty store file: check-in still works" 0 $K --db "$T_DIR/empty/visits.db" checkin --payload 0944444444
check "  the empty file is moved aside, kept" test "$(ls "$T_DIR/empty" | grep -c '^visits\.db\.corrupt-[0-9-]*\.unreadable$')" = 1
check_exit "status" 0 $K --db "$T_DIR/empty/visits.db" status
check "  raises the alert: visits may be lost" grep -q "ALERT: 1 corrupt store files.*may be lost" "$T_DIR/out"
t_done
