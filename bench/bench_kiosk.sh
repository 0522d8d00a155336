#!/bin/bash
# bench_kiosk.sh: what the kiosk costs the machine it runs on. The kiosk
# runs headless (SDL offscreen) for RUN seconds in each situation; its CPU
# time over the last WINDOW seconds (from /proc/PID/stat) is given as % of
# one core, with its peak RSS (VmHWM). The camera is a dir: of frames
# replayed from memory at 25 frames a second, as a webcam delivers them.
#
#   static   the ready screen, a still scene in view (a doorway, shelves,
#            signs: textured, no code), sensor noise in every frame
#   none     the ready screen, no camera (scanner and keypad only)
#   none-fhd the same at 1920x1080
#   codes    the still scene, and a new visitor holding up a code for 1 s
#            every 3 s
#   display  display mode (the venue's QR for phones), a camera present
#
# Targets (issue 13): static <= 10%, none <= 3%, peak RSS < 150 MiB.
# usage: bench/bench_kiosk.sh [RUN seconds, default 14]
set -eu
cd "$(dirname "$0")/.."
RUN=${1:-14}
WINDOW=$((RUN - 5))
T=$(mktemp -d /tmp/kiosk-bench-XXXXXX)
trap 'rm -rf "$T"' EXIT
export SDL_VIDEODRIVER=offscreen SDL_AUDIODRIVER=dummy KIOSK_LOG_LEVEL=error
MK=build/tools/mkframe
build/bin/kioskctl --db "$T/k/visits.db" init --demo --venue-id Q1-CAFE-001 \
	--venue-name "Cà phê Sài Gòn" > /dev/null

# One still scene, 8 frames of sensor noise.
mkdir -p "$T/static"
for i in 1 2 3 4 5 6 7 8; do
	$MK --no-code --scene-seed 3 --seed "$i" --out "$T/static/$i.png"
done
# The scene for 2 s, then a visitor's code for 1 s, 6 visitors (a loop;
# hard links, as the camera keeps one frame in memory for each file).
mkdir -p "$T/codes"
for v in 1 2 3 4 5 6; do
	for f in $(seq -w 1 50); do
		ln "$T/static/$(( (10#$f % 8) + 1 )).png" "$T/codes/$v-a$f.png"
	done
	$MK --text "09$(printf %08d "$((v * 7919))")" --module 4 --rotate 5 \
		--seed "$v" --out "$T/codes/$v-b.png"
	for f in $(seq -w 1 25); do
		ln "$T/codes/$v-b.png" "$T/codes/$v-b$f.png"
	done
	rm "$T/codes/$v-b.png"
done

# run NAME ARGS...: one situation; prints its line.
run() {
	local name=$1 pid hz t0 t1 rss
	shift
	build/bin/kiosk --db "$T/k/visits.db" --run-for "$RUN" --silent "$@" &
	pid=$!
	hz=$(getconf CLK_TCK)
	sleep $((RUN - WINDOW))
	t0=$(awk '{print $14 + $15}' "/proc/$pid/stat")
	sleep "$WINDOW"
	t1=$(awk '{print $14 + $15}' "/proc/$pid/stat" 2> /dev/null || echo "$t0")
	rss=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status" 2> /dev/null || echo 0)
	wait "$pid" || true
	awk -v n="$name" -v a="$t0" -v b="$t1" -v hz="$hz" -v w="$WINDOW" \
		-v rss="$rss" 'BEGIN { printf "  %-9s %5.1f%% of a core   peak RSS %4.0f MiB\n",
		n, 100 * (b - a) / hz / w, rss / 1024 }'
}

echo "kiosk resources: ${WINDOW} s measured of ${RUN} s runs, 800x480 unless said"
run static --camera "dir:$T/static" --frame-interval 40 --size 800x480
run none --camera none --size 800x480
run none-fhd --camera none --size 1920x1080
run codes --camera "dir:$T/codes" --frame-interval 40 --size 800x480
run display --camera "dir:$T/static" --frame-interval 40 --mode display --size 800x480
echo "targets: static <= 10%, none <= 3%, peak RSS < 150 MiB"
