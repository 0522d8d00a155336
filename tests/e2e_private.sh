#!/bin/bash
# e2e_private: what the programs leave on disk and in memory dumps, run by
# hand under the usual umask (022): the state folder 0700, the store,
# settings, keys, exports and a tracer's CSV with opened names 0600 (also
# an export written over an older, wider file); no program that handles
# visitors' data can dump core (RLIMIT_CORE 0, and not dumpable: as
# another user its /proc files belong to root); `init` without the
# authority's key refuses and explains, and makes the demo key only with
# --demo.
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
K=${KIOSKCTL:-build/bin/kioskctl}
COLL=${COLLECTOR:-build/bin/collector}
SYNC=${KIOSK_SYNC:-build/bin/kiosk-sync}
KIOSK=${KIOSK:-build/bin/kiosk}
t_setup
export KIOSK_LOG_LEVEL=warn TZ='<+07>-7'
umask 022
S=$T_DIR/state
DB=$S/visits.db
CARD='079095001234|023456789|Nguyễn Văn An|14031995|Nam|12 Đường Số 1, P. Bến Nghé, Q.1|20042021'

mode() { stat -c %a "$1"; }

# init: the authority's key, or an explicit demo.
check_exit "init without --authority-key or --demo is refused" 2 $K --db "$DB" init --venue-id Q1-CAFE-001 --venue-name "Cà phê"
check "it says the demo key opens every sealed field" grep -q "opens every sealed field" "$T_DIR/err"
check "and nothing was made" test ! -e "$S"
check_exit "init --demo" 0 $K --db "$DB" init --demo --venue-id Q1-CAFE-001 --venue-name "Cà phê" --ward "Bến Nghé"
check "it warns about the demo key" grep -q "WARNING: whoever holds" "$T_DIR/out"
check_exit "--demo and --authority-key together are refused" 2 $K --db "$T_DIR/x/v.db" init --demo --authority-key "$S/demo-authority.pub" --venue-id X --venue-name Y
check "the state folder is 0700" test "$(mode "$S")" = 700
for f in visits.db kiosk.conf demo-authority.sec device.sec trusted-issuers revoked-passes; do
	[ -e "$S/$f" ] || { not_ok "$f was made"; continue; }
	check "$f is 0600" test "$(mode "$S/$f")" = 600
done

check_exit "a check-in" 0 $K --db "$DB" checkin --payload "$CARD"
for f in "$S"/visits.db-wal "$S"/visits.db-shm; do
	[ -e "$f" ] && check "$(basename "$f") is 0600" test "$(mode "$f")" = 600
done
check_exit "export to CSV" 0 $K --db "$DB" export --format csv --out "$T_DIR/visits.csv"
check "the CSV export is 0600" test "$(mode "$T_DIR/visits.csv")" = 600
echo old > "$T_DIR/wide.csv"
chmod 644 "$T_DIR/wide.csv"
check_exit "export over an older 0644 file" 0 $K --db "$DB" export --format csv --out "$T_DIR/wide.csv"
check "it is 0600 now" test "$(mode "$T_DIR/wide.csv")" = 600
check_exit "sealed export" 0 $K --db "$DB" export --sealed --out "$T_DIR/usb.kexp"
check "the sealed export is 0600" test "$(mode "$T_DIR/usb.kexp")" = 600

# The collector: its store and a trace with opened names.
CDB="sqlite:$T_DIR/c/collector.db"
mkdir -p "$T_DIR/c"
check_exit "collector init makes its store" 0 $COLL init --db "$CDB"
check "the collector's store is 0600" test "$(mode "$T_DIR/c/collector.db")" = 600
DAY=$(date -d '2026-11-16T00:00:00+07:00' +%s)000
check "a scenario loads" build/tests/scenario "$CDB" "$T_DIR" "$DAY"
check_exit "a trace CSV with names" 0 $COLL trace --db "$CDB" --reason "case E2E-1" --subject cccd:079090000001 --from 2026-11-16 --to 2026-11-18 --format csv --authority-secret "$T_DIR/authority.sec" --out "$T_DIR/trace.csv"
check "it holds a name" grep -q "Nguyễn Văn An" "$T_DIR/trace.csv"
check "and is 0600" test "$(mode "$T_DIR/trace.csv")" = 600

# Core dumps: the long-running programs, as the running process sees it.
core_limit() { awk '/^Max core file size/ {print $5 "/" $6}' "/proc/$1/limits"; }
undumpable() {
	# For a process that is not dumpable the kernel gives its /proc
	# files to root; seen from another user, that is the tell.
	[ "$(stat -c %U "/proc/$1/status")" = root ]
}
ulimit -c unlimited 2>/dev/null
$COLL serve --listen 127.0.0.1:0 --db "$CDB" > "$T_DIR/serve.out" 2>&1 &
CP=$!
t_listening "$T_DIR/serve.out" > /dev/null
check "collector serve: no core (limit 0)" test "$(core_limit $CP)" = "0/0"
kill $CP; wait $CP 2>/dev/null
$SYNC --db "$DB" --interval 60 > /dev/null 2>&1 &
SP=$!
sleep 0.5
check "kiosk-sync: no core (limit 0)" test "$(core_limit $SP)" = "0/0"
kill $SP; wait $SP 2>/dev/null
$KIOSK --db "$DB" --camera none --run-for 3 --size 480x800 --silent > /dev/null 2>&1 &
KP=$!
sleep 1.5
check "kiosk: no core (limit 0)" test "$(core_limit $KP)" = "0/0"
wait $KP 2>/dev/null
if [ "$(id -u)" = 0 ] && command -v setpriv > /dev/null; then
	mkdir -p "$T_DIR/nobody"
	chown nobody "$T_DIR/nobody"
	chmod 711 "$T_DIR"
	setpriv --reuid=nobody --regid=nogroup --clear-groups \
		$COLL serve --listen 127.0.0.1:0 --db "sqlite:$T_DIR/nobody/c.db" \
		> "$T_DIR/nobody.out" 2>&1 &
	NP=$!
	t_listening "$T_DIR/nobody.out" > /dev/null
	check "collector serve as another user is not dumpable" undumpable $NP
	# The check is real: an ordinary process of that user is not.
	setpriv --reuid=nobody --regid=nogroup --clear-groups sleep 5 &
	OP=$!
	sleep 0.2
	check "(an ordinary process of that user is dumpable)" test "$(stat -c %U /proc/$OP/status)" = nobody
	kill $NP $OP; wait $NP $OP 2>/dev/null
else
	ok "# skip: not root, the dumpable check needs another user"
fi
t_done
