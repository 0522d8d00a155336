#!/bin/bash
# run.sh: the whole test suite, as `make check` runs it after building
# build/ (normal) and build/asan/ (AddressSanitizer + UBSan) and the fuzz
# targets. Every test prints its own lines; this script counts them and
# ends with the one line CI reads: "N passed, N failed".
#
#   FUZZ_SECONDS   seconds per fuzz target (default 10; 0 skips fuzzing)
#   CRASH_KILLS    kills in the crash test (default 200)
set -u
cd "$(dirname "$0")/.."
export KIOSK_LOG_LEVEL=${KIOSK_LOG_LEVEL:-warn}
passed=0
failed=0
failures=()

# A cmocka binary: count its own summary.
run_cmocka() {
	local label=$1 bin=$2 out p f t0=$SECONDS
	out=$("$bin" 2>&1)
	local rc=$?
	# A binary may run several groups (test_db: one per backend): sum.
	p=$(grep -o '^\[  PASSED  \] [0-9]* test' <<<"$out" | grep -o '[0-9]*' | awk '{s += $1} END {print s + 0}')
	f=$(grep -o '^\[  FAILED  \] [0-9]* test' <<<"$out" | grep -o '[0-9]*' | awk '{s += $1} END {print s + 0}')
	p=${p:-0}
	f=${f:-0}
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1	# crashed or sanitizer report before the summary
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	if [ "$f" -gt 0 ]; then
		failures+=("$label")
		echo "FAIL $label"
		echo "$out" | tail -40
	else
		echo "PASS $label ($p tests, $((SECONDS - t0)) s)"
	fi
}

# A script printing "ok - ..." / "not ok - ..." lines.
run_script() {
	local label=$1; shift
	local out p f t0=$SECONDS
	out=$("$@" 2>&1)
	local rc=$?
	p=$(grep -c '^ok ' <<<"$out")
	f=$(grep -c '^not ok ' <<<"$out")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	if [ "$f" -gt 0 ]; then
		failures+=("$label")
		echo "FAIL $label"
		grep -v '^ok ' <<<"$out" | tail -40
	else
		echo "PASS $label ($p checks, $((SECONDS - t0)) s)"
	fi
}

start=$(date +%s)
export SDL_VIDEODRIVER=offscreen SDL_AUDIODRIVER=dummy

# A PostgreSQL server of our own for the collector's second backend
# (tests/pg.sh); stopped when the suite ends, however it ends.
. tests/pg.sh
trap pg_stop EXIT
if pg_start; then
	echo "PASS PostgreSQL server for the backend tests ($KIOSK_TEST_PG)"
	passed=$((passed + 1))
else
	echo "FAIL PostgreSQL server for the backend tests"
	failed=$((failed + 1))
	failures+=("postgresql")
fi

# SDL loads and unloads system libraries (udev, dbus, video drivers) at
# run time; their allocations show up as leaks from unknown modules that
# no suppression can name. The SDL programs therefore run under ASan and
# UBSan with leak detection off; everything else keeps it on.
NOLEAK=detect_leaks=0
for t in test_payload test_pass test_store test_recovery test_upload test_checkin test_misc test_kiosk test_ui test_screens \
	test_db test_wire test_corpus test_serial test_powercut; do
	run_cmocka "$t" "build/tests/$t"
	if [ "$t" = test_corpus ]; then
		# 600 generated codes above; 200 are enough under the sanitizers.
		KIOSK_CORPUS_N=200 run_cmocka "$t (asan+ubsan)" "build/asan/tests/$t"
	elif [ "$t" = test_ui ]; then
		ASAN_OPTIONS=$NOLEAK run_cmocka "$t (asan+ubsan)" "build/asan/tests/$t"
	elif [ "$t" = test_db ]; then
		# The flooded venue: 100,000 visits above, 20,000 here.
		KIOSK_FLOOD_N=20000 run_cmocka "$t (asan+ubsan)" "build/asan/tests/$t"
	else
		run_cmocka "$t (asan+ubsan)" "build/asan/tests/$t"
	fi
done
run_cmocka "crash_test" build/tests/crash_test
run_script "layout (the rooms' include and link rules)" tests/layout.sh
# The tests that talk to a collector run once per storage backend.
for t in tests/e2e_*.sh; do
	name=$(basename "$t" .sh)
	backends=sqlite
	grep -q t_collector_db "$t" && backends="sqlite postgresql"
	for b in $backends; do
		label=$name
		[ "$b" = sqlite ] || label="$name [$b]"
		COLLECTOR_BACKEND=$b run_script "$label" bash "$t"
		# Under ASan + UBSan on SQLite only: the programs' C is the
		# same on both backends but for db_pg.c, which test_db runs
		# under ASan on PostgreSQL (CHECK_FULL=1: both here too).
		[ "$b" = sqlite ] || [ "${CHECK_FULL:-}" = 1 ] || continue
		RECOVERY_TRIALS=${RECOVERY_TRIALS_ASAN:-25} \
		COLLECTOR_BACKEND=$b KIOSKCTL=build/asan/bin/kioskctl \
		KIOSK="env ASAN_OPTIONS=$NOLEAK build/asan/bin/kiosk" \
		KIOSK_SYNC=build/asan/bin/kiosk-sync COLLECTOR=build/asan/bin/collector \
			run_script "$label (asan+ubsan)" bash "$t"
	done
done
# A city's coordinator over two districts' servers (three PostgreSQL
# servers): run by the sanitized programs, which is where db_pg_shards.c's C
# is checked.
COLLECTOR=build/asan/bin/collector KIOSKCTL=build/asan/bin/kioskctl \
KIOSK_SYNC=build/asan/bin/kiosk-sync \
	run_script "shards (coordinator, two districts; asan+ubsan)" bash tests/shards.sh
# The collector on a pg_auto_failover formation through a switchover and
# a kill -9 (about a minute): `make soak`, or here with FAILOVER=1.
if [ "${FAILOVER:-}" = 1 ]; then
	run_script "failover (pg_auto_failover: switchover, kill -9)" bash tests/failover.sh
fi
# The Debian packages, built, installed and run as a ward and a shop get
# them, then purged: only where that may be done (.ci/run: root, a clean
# machine, KIOSK_TEST_DEB=1); elsewhere it says it skipped.
run_script "packages (make deb, apt-get install, run installed, purge)" tests/deb_install.sh
if [ "${FUZZ_SECONDS:-10}" != 0 ]; then
	run_script "fuzz (${FUZZ_SECONDS:-10}s per target)" tests/fuzz/run.sh "${FUZZ_SECONDS:-10}"
fi

echo
echo "suite took $(( $(date +%s) - start ))s"
if [ ${#failures[@]} -gt 0 ]; then
	echo "failed: ${failures[*]}"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
