#!/bin/bash
# mkframes.sh OUT: kiosk-like frames by category (what a webcam at the door
# sees of phone screens and ID cards), 12 a category, each with a .txt of
# the expected text, for the decode benchmark.
set -eu
cd "$(dirname "$0")/.."
OUT=${1:-build/bench-frames}
MK=build/tools/mkframe
rm -rf "$OUT"
n=12
text() {
	case $(( $1 % 4 )) in
	0) printf '0790950%05d|023456789|Nguyễn Văn An|14031995|Nam|12 Đường Số 1, P. Bến Nghé, Q.1, TP. Hồ Chí Minh|20042021' "$1" ;;
	1) printf '******12%04d|NGUYEN VAN BINH|1990-**-**|1|a1b2c3d4e5f6%02d|' "$1" "$1" ;;
	2) printf '09%08d' "$1" ;;
	3) printf 'KP1.eyJ2IjoxLCJpZCI6InZpc2l0b3ItMDAwMSIsInJvbGUiOiJ2aXNpdG9yIiwibmFtZSI6IlRy4bqnbiBUaOG7iyBCw6xuaCJ9.%043d' "$1" ;;
	esac
}
gen() {
	local cat=$1; shift
	mkdir -p "$OUT/$cat"
	for i in $(seq 1 $n); do
		t=$(text "$i")
		printf '%s' "$t" > "$OUT/$cat/$(printf %02d "$i").txt"
		$MK --text "$t" --out "$OUT/$cat/$(printf %02d "$i").png" --seed "$i" "$@"
	done
}
gen clean --module 4
gen small --module 1.6 --rotate 3
gen rotated --module 4 --rotate 33
gen tilted --module 4 --tilt 30 --rotate 4
gen blurred --module 4 --blur 2
gen motion --module 4 --motion 3
gen dim --module 4 --contrast 0.3 --bright -0.35 --noise 4
gen glare --module 4 --glare
gen noisy --module 4 --noise 28
gen inverted --module 4 --invert --rotate 8
echo "frames in $OUT"
