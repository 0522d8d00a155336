#!/bin/bash
# run.sh: `make bench`. Every figure is a ratio against a reference run in
# the same process or the same run, so it holds on a noisy machine.
set -eu
cd "$(dirname "$0")/.."
echo "== store: kiosk check-in path vs bare SQLite insert (same durability)"
build/bench/bench_store "${BENCH_CHECKINS:-2000}" "${BENCH_ROUNDS:-5}"
echo
PHOTOS=${QR_PHOTOS:-../shared/data/qr-photos}
if [ -d "$PHOTOS" ] && command -v zbarimg >/dev/null; then
	echo "== decode: kioskctl decode vs zbarimg (QR only) on $PHOTOS"
	python3 bench/decode_compare.py build/bin/kioskctl "$PHOTOS"
else
	echo "== decode: skipped (no $PHOTOS or no zbarimg)"
fi
