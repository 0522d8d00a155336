#!/bin/bash
# e2e_installed: the programs as `make install` puts them (into a
# DESTDIR), run from there, far from the source tree: they find their
# assets in the data folder (compiled in from PREFIX, or $KIOSK_ASSETS for
# a staged DESTDIR) and speak words, not raw keys; the collector serves
# the phone page; the man pages and units are in place. Without the data
# folder they say so, naming it.
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
t_setup
export KIOSK_LOG_LEVEL=warn
ROOT=$T_DIR/root
PREFIX=/usr/local
check "make install into a DESTDIR" sh -c "make -s install DESTDIR='$ROOT' PREFIX=$PREFIX > '$T_DIR/install.out' 2>&1"
for f in bin/kiosk bin/kioskctl bin/kiosk-sync bin/collector share/qr-kiosk/strings/vi.txt \
	share/qr-kiosk/strings/en.txt share/qr-kiosk/web/checkin.html share/qr-kiosk/web/checkin.js \
	share/man/man1/kiosk.1 share/man/man1/kioskctl.1 share/man/man1/kiosk-sync.1 \
	share/man/man1/collector.1; do
	check "installed: $PREFIX/$f" test -s "$ROOT$PREFIX/$f"
done
check "installed: the units" test -s "$ROOT/etc/systemd/system/collector.service"

BIN=$ROOT$PREFIX/bin
export KIOSK_ASSETS=$ROOT$PREFIX/share/qr-kiosk	# the staged data folder
DB=$T_DIR/k/visits.db
check_exit "installed kioskctl init" 0 "$BIN/kioskctl" --db "$DB" init --demo --venue-id Q1-CAFE-001 --venue-name "Cà phê"
check_exit "installed kioskctl: a refused card" 3 "$BIN/kioskctl" --db "$DB" checkin --payload "079095001234|bad"
check "says it in words, not a key" sh -c "grep -q '\"message\":\"Mã CCCD' '$T_DIR/out' && ! grep -q '\"message\":\"reason\\.' '$T_DIR/out'"
check_exit "installed kioskctl --lang en" 3 "$BIN/kioskctl" --db "$DB" --lang en checkin --payload "079095001234|bad"
check "in English too" sh -c "! grep -q '\"message\":\"reason\\.' '$T_DIR/out'"

CDB=sqlite:$T_DIR/c.db
check_exit "installed collector init" 0 "$BIN/collector" init --db "$CDB"
"$BIN/collector" serve --listen 127.0.0.1:0 --db "$CDB" > "$T_DIR/coll.out" 2> "$T_DIR/coll.err" &
CPID=$!
trap 'kill $CPID 2>/dev/null; wait $CPID 2>/dev/null; t_cleanup' EXIT
URL=$(t_listening "$T_DIR/coll.out")
check "installed collector serves" test -n "$URL"
check "the phone page, found in the data folder" sh -c "curl -s '$URL/c/anything' | grep -qi '<html'"
check "no complaint about the page" sh -c "! grep -q 'phone check-in page is not' '$T_DIR/coll.err'"
kill $CPID; wait $CPID 2>/dev/null

# Without a data folder (copied elsewhere, nothing installed there): said
# plainly, naming where it looked.
unset KIOSK_ASSETS
mkdir -p "$T_DIR/elsewhere"
cp "$BIN/collector" "$T_DIR/elsewhere/"
if [ ! -e "$PREFIX/share/qr-kiosk/web/checkin.html" ]; then
	"$T_DIR/elsewhere/collector" serve --listen 127.0.0.1:0 --db "$CDB" > "$T_DIR/c2.out" 2> "$T_DIR/c2.err" &
	C2=$!
	t_listening "$T_DIR/c2.out" > /dev/null
	kill $C2; wait $C2 2>/dev/null
	check "a collector with no data folder says where it looked" grep -q "phone check-in page is not in '$PREFIX/share/qr-kiosk/web'" "$T_DIR/c2.err"
fi
t_done
