#!/bin/bash
# run.sh SECONDS: run every libFuzzer target for SECONDS each, from the
# seeds in tests/fuzz/seeds, in a scratch corpus. Prints one line per
# target ("ok - fuzz_x: N runs in S s" or "not ok - ...") and exits 1 if
# any target found a crash (the reproducer is kept under build/fuzz/).
set -u
cd "$(dirname "$0")/../.."
secs=${1:-10}
failed=0
work=$(mktemp -d "${TMPDIR:-/tmp}/kiosk-fuzz-XXXXXX")
trap 'rm -rf "$work"' EXIT
for src in tests/fuzz/fuzz_*.c; do
	name=$(basename "$src" .c)
	bin=build/fuzz/$name
	seeds=tests/fuzz/seeds/${name#fuzz_}
	mkdir -p "$work/$name"
	[ -d "$seeds" ] && cp "$seeds"/* "$work/$name/" 2>/dev/null
	log=build/fuzz/$name.log
	if "$bin" -max_total_time="$secs" -max_len=2048 -timeout=5 \
		-artifact_prefix=build/fuzz/"$name"- -print_final_stats=1 \
		"$work/$name" > "$log" 2>&1; then
		runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$')
		echo "ok - $name: ${runs:-?} runs in ${secs}s"
	else
		echo "not ok - $name: crashed, see $log"
		tail -30 "$log"
		failed=1
	fi
done
exit $failed
