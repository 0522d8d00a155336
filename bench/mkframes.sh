#!/bin/bash
# mkframes.sh OUT: kiosk-like frames by category (what a webcam at the door
# sees of phone screens and ID cards), 12 a category, each with a .txt of
# the expected text, for the decode benchmark.
set -eu
cd "$(dirname "$0")/.."
OUT=${1:-build/bench-frames}
MK=build/tools/mkframe
rm -rf "$OUT" "$OUT.texts"
mkdir -p "$(dirname "$OUT")"
n=12
# The texts: generated realistic CCCD, PC-Covid, pass and phone texts
# (tests/gen.c), a different one for every frame.
build/tools/gentext --seed 9 400 > "$OUT.texts"
k=0
gen() {
	local cat=$1; shift
	mkdir -p "$OUT/$cat"
	for i in $(seq 1 $n); do
		k=$((k + 1))
		t=$(sed -n "${k}p" "$OUT.texts")
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
gen far --size 1280x720 --module 2.4 --rotate 6 --noise 6
gen screen-moire --module 4.5 --moire --rotate 3
gen screen-moire-far --module 3 --moire --rotate 11 --noise 8
echo "frames in $OUT"
