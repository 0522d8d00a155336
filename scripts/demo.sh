#!/bin/bash
# demo.sh (`make run`): the kiosk on a demo venue in ./demo.
#
# Sets the venue up once (kioskctl init, a ward pass issuer it trusts),
# makes demo camera frames (an ID card, a PC-Covid code, a visitor pass, a
# phone number, a bad card and an officer pass, as a webcam would see
# them), then starts the kiosk:
#   - camera: /dev/video0 when there is one, else the demo frames in a loop
#   - screen: a window under X11/Wayland, full screen on a bare console
#     (KMSDRM), else headless for 25 s with a screenshot saved at the end
# Set DEMO_RESET=1 to start the venue afresh.
set -eu
cd "$(dirname "$0")/.."
K=build/bin/kioskctl
D=demo
[ "${DEMO_RESET:-0}" = 1 ] && rm -rf "$D"
mkdir -p "$D"

if [ ! -f "$D/kiosk.conf" ]; then
	echo "Setting up the demo venue in ./$D"
	$K --db $D/visits.db init --demo --venue-id Q1-CAFE-001 \
		--venue-name "Cà phê Sài Gòn" \
		--address "12 Đường Số 1, P. Bến Nghé, Q.1" \
		--ward "Phường Bến Nghé" | tee $D/setup.txt
	$K keys --type issuer --out $D/ward-issuer
	cat $D/ward-issuer.pub >> $D/trusted-issuers
fi

if [ ! -d "$D/frames" ]; then
	mkdir -p $D/frames
	V=$($K issue-pass --issuer-key $D/ward-issuer.sec --role visitor \
		--name "Trần Thị Bình" --valid-days 365 2>/dev/null)
	O=$($K issue-pass --issuer-key $D/ward-issuer.sec --role officer \
		--name "Cán bộ Phường" --valid-days 365 2>/dev/null)
	M=build/tools/mkframe
	$M --text '079095001234|023456789|Nguyễn Văn An|14031995|Nam|12 Đường Số 1, P. Bến Nghé, Q.1, TP. Hồ Chí Minh|20042021' \
		--out $D/frames/01-cccd.png --module 4 --rotate 6 --blur 1
	$M --text '******123456|NGUYEN VAN BINH|1990-**-**|1|a1b2c3d4e5f6|' \
		--out $D/frames/02-pccovid.png --module 5 --contrast 0.7
	$M --text "$V" --out $D/frames/03-visitor-pass.png --module 3 --invert
	$M --text '0912345678' --out $D/frames/04-phone.png --module 7 --rotate -12
	$M --text '079095001234||Nguyễn Văn An|14031995|Nữ|Hà Nội|20042021' \
		--out $D/frames/05-bad-card.png --module 4
	$M --text "$O" --out $D/frames/06-officer.png --module 3 --rotate 3
	echo "Demo camera frames: ./$D/frames"
fi

CAMERA=dir:$D/frames
[ -e /dev/video0 ] && CAMERA=v4l2:/dev/video0
ARGS=(--db "$D/visits.db" --camera "$CAMERA" --frame-interval 4000)
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
	echo "Starting the kiosk in a window (camera $CAMERA). Admin: F12."
	exec build/bin/kiosk "${ARGS[@]}" --windowed
elif [ -e /dev/dri/card0 ] && tty -s; then
	echo "Starting the kiosk full screen (camera $CAMERA). Admin: F12."
	exec env SDL_VIDEODRIVER=kmsdrm build/bin/kiosk "${ARGS[@]}"
else
	echo "No screen here: running the kiosk headless for 25 s (camera $CAMERA)."
	SDL_VIDEODRIVER=offscreen SDL_AUDIODRIVER=dummy build/bin/kiosk \
		"${ARGS[@]}" --run-for 25 --size 1280x720 \
		--screenshot $D/screenshot.png
	echo
	$K --db $D/visits.db status
	echo
	echo "Last screen: ./$D/screenshot.png. Pass --windowed under X11 to watch it live:"
	echo "  build/bin/kiosk --db $D/visits.db --camera $CAMERA --windowed"
fi
