#!/bin/bash
# deb_install: the Debian packages as a ward and a shop get them. make deb
# builds them (lintian finds no error); apt-get installs them; the
# installed programs run from their installed paths, as the packages'
# users, with the units' command lines and environment (tests/unitrun.py:
# systemd is not PID 1 here). The collector serves the phone page from
# /usr/share; a kiosk with no settings is set up by scanning its ward's
# enrolment code; its visitor's visit is uploaded; a tracer finds it. Then
# apt-get purge leaves only the documented state (docs/deploy.md), which
# this test then removes.
#
# It installs and removes system packages and users: it runs only as root
# with KIOSK_TEST_DEB=1 (.ci/run sets it), on a machine without them.
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
if [ "$(id -u)" != 0 ] || [ "${KIOSK_TEST_DEB:-}" != 1 ]; then
	echo "# skipped: installs system packages; run as root with KIOSK_TEST_DEB=1"
	exit 0
fi
t_setup
chmod 755 "$T_DIR"
if dpkg -s qr-kiosk > /dev/null 2>&1 || dpkg -s qr-kiosk-collector > /dev/null 2>&1 ||
	[ -e /var/lib/kiosk ] || [ -e /var/lib/kiosk-collector ]; then
	not_ok "the packages or their state are here already: not touching them"
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
check "make deb (lintian: no errors)" sh -c "make -s deb > '$T_DIR/deb.log' 2>&1"
ARCH=$(dpkg --print-architecture)
check "qr-kiosk built" test -s build/deb/qr-kiosk_*_"$ARCH".deb
check "qr-kiosk-collector built" test -s build/deb/qr-kiosk-collector_*_"$ARCH".deb
for p in qr-kiosk qr-kiosk-collector; do
	dpkg -c build/deb/${p}_*_"$ARCH".deb | awk '{print $6}' > "$T_DIR/$p.files"
	[ -n "${SHOTS:-}" ] && mkdir -p "$SHOTS" && cp "$T_DIR/$p.files" "$SHOTS/"
done
check "the kiosk's files" sh -c "grep -qx './usr/bin/kiosk' '$T_DIR/qr-kiosk.files' && grep -qx './usr/share/qr-kiosk/strings/vi.txt' '$T_DIR/qr-kiosk.files' && grep -qx './lib/systemd/system/kiosk.service' '$T_DIR/qr-kiosk.files' && grep -qx './usr/lib/sysusers.d/qr-kiosk.conf' '$T_DIR/qr-kiosk.files'"
check "the collector's files" sh -c "grep -qx './usr/bin/collector' '$T_DIR/qr-kiosk-collector.files' && grep -qx './usr/share/qr-kiosk/web/checkin.html' '$T_DIR/qr-kiosk-collector.files' && grep -qx './lib/systemd/system/collector-purge.timer' '$T_DIR/qr-kiosk-collector.files'"
check_exit "apt-get install ./build/deb/*.deb" 0 apt-get install -y ./build/deb/*.deb

check "the kiosk user, with the screen, camera, input and sound" sh -c "id -nG kiosk | tr ' ' '\n' | sort | tr '\n' ' ' | grep -q 'audio input kiosk render video'"
check "the collector user" sh -c "id kiosk-collector > /dev/null"
check "a system user: no login shell" sh -c "getent passwd kiosk | grep -q ':/usr/sbin/nologin$'"
for f in /usr/bin/kiosk /usr/bin/kioskctl /usr/bin/kiosk-sync /usr/bin/collector \
	/usr/share/qr-kiosk/web/checkin.js /usr/share/man/man1/collector.1.gz \
	/usr/share/qr-kiosk/web/console/index.html /usr/share/qr-kiosk/web/console/app.js \
	/usr/share/qr-kiosk/web/vendor/chart.min.js /usr/share/qr-kiosk/web/vendor/libsodium.js \
	/etc/qr-kiosk/kiosk.env /etc/qr-kiosk/collector.env; do
	check "installed: $f" test -s "$f"
done
check "units run the installed programs" sh -c "grep -q '^ExecStart=/usr/bin/kiosk$' /lib/systemd/system/kiosk.service && grep -q '^ExecStart=/usr/bin/collector serve' /lib/systemd/system/collector.service"
check "the kiosk starts at boot (its set-up screen)" test -L /etc/systemd/system/multi-user.target.wants/kiosk.service
check "the collector waits for its settings" test ! -e /etc/systemd/system/multi-user.target.wants/collector.service
check "nothing in /usr/local" sh -c "! ls /usr/local/bin/kiosk /usr/local/bin/collector 2>/dev/null"

# The ward: the collector as its unit runs it, on a free port.
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
UNITRUN_ENV="COLLECTOR_LISTEN=127.0.0.1:$PORT" tests/unitrun.py /lib/systemd/system/collector.service > "$T_DIR/coll.out" 2> "$T_DIR/coll.err" &
CPID=$!
SPID=
trap 'kill $CPID $SPID 2>/dev/null; wait 2>/dev/null; t_cleanup' EXIT
URL=$(t_listening "$T_DIR/coll.out")
check "collector.service's command line serves" test -n "$URL"
check "its state folder, private, the user's" test "$(stat -c '%U %a' /var/lib/kiosk-collector)" = "kiosk-collector 700"
check "the database, private" test "$(stat -c '%U %a' /var/lib/kiosk-collector/collector.db)" = "kiosk-collector 600"
check "the phone page from /usr/share" sh -c "curl -s '$URL/c/anything' | grep -qi '<html'"
check "the web console and its libraries from /usr/share" sh -c "curl -sf '$URL/' | grep -q 'console/app.js' && curl -sf '$URL/vendor/libsodium-wrappers.js' > /dev/null && curl -sf '$URL/vendor/chart.min.js' > /dev/null"
check "no complaint about the page" sh -c "! grep -q 'page is not' '$T_DIR/coll.err'"
CDB=sqlite:/var/lib/kiosk-collector/collector.db
AS_C=(runuser -u kiosk-collector -- env TZ=Asia/Ho_Chi_Minh COLLECTOR_DB=$CDB)
mkdir -m 777 "$T_DIR/ward"
/usr/bin/kioskctl keys --type authority --out "$T_DIR/ward/auth" > /dev/null
/usr/bin/kioskctl keys --type issuer --out "$T_DIR/ward/issuer" > /dev/null
chmod 644 "$T_DIR/ward/auth.pub" "$T_DIR/ward/issuer.pub"
check_exit "collector init --authority-key, as its user" 0 "${AS_C[@]}" /usr/bin/collector init --authority-key "$T_DIR/ward/auth.pub"
check_exit "the ward's pass issuer" 0 "${AS_C[@]}" /usr/bin/collector pass issuer-add --ward "Phường Cửa Nam" "$T_DIR/ward/issuer.pub"
check_exit "the enrolment code and sheet" 0 "${AS_C[@]}" /usr/bin/collector token --role device-enrolment --ward "Phường Cửa Nam" --venue-id HK-CAFE-042 --venue-name "Cà phê Cửa Nam" --address "5 Cửa Nam, Hoàn Kiếm" --hours "07:00-23:00" --collector-url "$URL" --qr "$T_DIR/ward/code.png" --pdf "$T_DIR/ward/sheet.pdf"
check "the sheet is a PDF" sh -c "head -c 5 '$T_DIR/ward/sheet.pdf' | grep -q '%PDF-'"

# The shop: kiosk-sync and the kiosk as their units run them, the camera a
# folder showing the ward's code, then a visitor's card.
mkdir -m 755 "$T_DIR/frames"
cp "$T_DIR/ward/code.png" "$T_DIR/frames/01.png"
build/tools/mkframe --text '079095001234|023456789|Nguyễn Văn An|14031995|Nam|12 Đường Số 1, P. Bến Nghé, Q.1, TP. Hồ Chí Minh|20042021' --out "$T_DIR/frames/02.png" --module 3 --rotate 5
chmod 644 "$T_DIR/frames/"*.png
chmod 644 "$KIOSK_TIMESYNC_FILE"
UNITRUN_ENV="KIOSK_TIMESYNC_FILE=$KIOSK_TIMESYNC_FILE" tests/unitrun.py /lib/systemd/system/kiosk-sync.service --interval 1 --heartbeat 2 > /dev/null 2> "$T_DIR/sync.err" &
SPID=$!
check_exit "kiosk.service's command line: set up by the code, then a visitor" 0 env UNITRUN_ENV="KIOSK_TIMESYNC_FILE=$KIOSK_TIMESYNC_FILE SDL_VIDEODRIVER=offscreen SDL_AUDIODRIVER=dummy" timeout 120 tests/unitrun.py /lib/systemd/system/kiosk.service --camera "dir:$T_DIR/frames" --frame-interval 300 --exit-when-done --setup-done-after 2 --size 800x480 --silent
check "the kiosk's state folder, private, its user's" test "$(stat -c '%U %a' /var/lib/kiosk)" = "kiosk 700"
check "its settings, private" test "$(stat -c '%U %a' /var/lib/kiosk/kiosk.conf 2>/dev/null)" = "kiosk 600"
check "its store, private" test "$(stat -c '%U %a' /var/lib/kiosk/visits.db 2>/dev/null)" = "kiosk 600"
Q="select count(*) from visits v join devices d using (device_id) where d.venue_id = 'HK-CAFE-042'"
for _ in $(seq 100); do [ "$(sqlite3 /var/lib/kiosk-collector/collector.db "$Q")" = 1 ] && break; sleep 0.2; done
check "the visit was uploaded" test "$(sqlite3 /var/lib/kiosk-collector/collector.db "$Q")" = 1
check "the ward's pass list reached the kiosk" test -s /var/lib/kiosk/pass-list
check_exit "a tracer's trace answers" 0 "${AS_C[@]}" /usr/bin/collector trace --subject cccd:079095001234 --reason "CI: installed packages" --format json
check "the trace finds the venue" grep -q HK-CAFE-042 "$T_DIR/out"
check_exit "kioskctl status as the kiosk user" 0 runuser -u kiosk -- /usr/bin/kioskctl --db /var/lib/kiosk/visits.db status
check "enrolled, nothing left to upload" sh -c "grep -q '^enrolled: *yes' '$T_DIR/out' && grep -q '^not yet uploaded: 0' '$T_DIR/out'"
kill $SPID $CPID 2>/dev/null
wait $SPID $CPID 2>/dev/null
SPID=
CPID=

# Purge: the programs, units and settings go; the state and the users
# stay (docs/deploy.md: visits not yet uploaded, the keys).
check_exit "apt-get purge" 0 apt-get purge -y qr-kiosk qr-kiosk-collector qr-kiosk-dbgsym qr-kiosk-collector-dbgsym
for f in /usr/bin/kiosk /usr/bin/collector /usr/share/qr-kiosk /etc/qr-kiosk \
	/lib/systemd/system/kiosk.service /etc/systemd/system/multi-user.target.wants/kiosk.service \
	/usr/lib/sysusers.d/qr-kiosk.conf; do
	check "purged: $f" test ! -e "$f"
done
check "kept, as documented: the kiosk's state" test -e /var/lib/kiosk/visits.db
check "kept, as documented: the collector's state" test -e /var/lib/kiosk-collector/collector.db
# This machine as it was.
rm -rf /var/lib/kiosk /var/lib/kiosk-collector
userdel kiosk 2>/dev/null
userdel kiosk-collector 2>/dev/null
groupdel kiosk 2>/dev/null
groupdel kiosk-collector 2>/dev/null
t_done
