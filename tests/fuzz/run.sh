#!/bin/bash
# run.sh SECONDS: run every libFuzzer target for SECONDS each, from the
# seeds in tests/fuzz/seeds, in a scratch corpus, as many at once as
# there are cores (FUZZ_JOBS). Prints one line per target ("ok - fuzz_x:
# N runs in S s" or "not ok - ...") and exits 1 if any target found a
# crash (the reproducer is kept under build/fuzz/).
set -u
cd "$(dirname "$0")/../.."
secs=${1:-10}
jobs=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 1)}
work=$(mktemp -d "${TMPDIR:-/tmp}/kiosk-fuzz-XXXXXX")
trap 'rm -rf "$work"' EXIT

one() {	# $1: target name; its line into $work/$1.result
	local name=$1 bin=build/fuzz/$1 seeds=tests/fuzz/seeds/${1#fuzz_}
	local log=build/fuzz/$1.log runs
	mkdir -p "$work/$name"
	[ -d "$seeds" ] && cp "$seeds"/* "$work/$name/" 2>/dev/null
	if "$bin" -max_total_time="$secs" -max_len=2048 -timeout=5 \
		-artifact_prefix=build/fuzz/"$name"- -print_final_stats=1 \
		"$work/$name" > "$log" 2>&1; then
		runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$')
		echo "ok - $name: ${runs:-?} runs in ${secs}s" > "$work/$name.result"
	else
		{ echo "not ok - $name: crashed, see $log"; tail -30 "$log"; } > "$work/$name.result"
	fi
}

names=()
for src in tests/fuzz/fuzz_*.c; do
	names+=("$(basename "$src" .c)")
done
running=0
for name in "${names[@]}"; do
	if [ "$running" -ge "$jobs" ]; then
		wait -n
		running=$((running - 1))
	fi
	one "$name" &
	running=$((running + 1))
done
wait
failed=0
for name in "${names[@]}"; do
	cat "$work/$name.result" 2>/dev/null || { echo "not ok - $name: did not run"; false; } || failed=1
	grep -q '^not ok' "$work/$name.result" 2>/dev/null && failed=1
done
exit $failed
