#!/bin/bash
# e2e_help: every program and every command answers --help (exit 0) with
# its usage and an example; a wrong value is named, with the ones there
# are; the man pages render.
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
K=${KIOSKCTL:-build/bin/kioskctl}
SYNC=${KIOSK_SYNC:-build/bin/kiosk-sync}
COLL=${COLLECTOR:-build/bin/collector}
KIOSK=${KIOSK:-build/bin/kiosk}
t_setup
export KIOSK_LOG_LEVEL=warn

helps() {	# PROG CMD...: each CMD --help
	local prog=$1; shift
	for cmd in "$@"; do
		# shellcheck disable=SC2086
		check_exit "$(basename "$prog") $cmd --help: exit 0" 0 $prog $cmd --help
		check "  with its usage and an example" sh -c "grep -q '^usage: ' '$T_DIR/out' && grep -q '^Example:' '$T_DIR/out' && test ! -s '$T_DIR/err'"
	done
}
helps "$COLL" init serve token devices stats purge trace audit report verify-receipt import
helps "$K" init enroll checkin status export purge keys issue-pass decode set-pin quarantine clock verify-receipt
check_exit "collector --help lists the commands" 0 $COLL --help
check "  each of them" sh -c "grep -q '^  trace ' '$T_DIR/out' && grep -q '^  init ' '$T_DIR/out'"
check_exit "kioskctl --help lists the commands" 0 $K --help
check "  each of them" sh -c "grep -q '^  enroll ' '$T_DIR/out' && grep -q '^  clock ' '$T_DIR/out'"
check_exit "kiosk-sync --help" 0 $SYNC --help
check "  with an example" grep -q "^Example:" "$T_DIR/out"
check_exit "kiosk --help" 0 $KIOSK --help
check "  with an example" grep -q "Example:" "$T_DIR/out"
check_exit "--help after other options too" 0 $COLL trace --subject phone:0912345678 --help

# A wrong value: named, with the allowed ones; exit 2.
check_exit "collector token --role tracr: usage error" 2 $COLL token --role tracr
check "  names 'tracr' and the roles there are" sh -c "grep -q \"'tracr'\" '$T_DIR/err' && grep -q 'device-enrolment, tracer, patrol, admin' '$T_DIR/err'"
check_exit "collector trace --format xml: usage error" 2 $COLL trace --subject phone:0912345678 --format xml
check "  names 'xml' and the formats" sh -c "grep -q \"'xml'\" '$T_DIR/err' && grep -q 'table|json|csv' '$T_DIR/err'"
check_exit "kiosk --mode sideways: usage error" 2 $KIOSK --mode sideways
check "  names it and the modes" grep -q "'sideways' is not one of scan|display|both" "$T_DIR/err"
check_exit "kioskctl keys --type foo: usage error" 2 $K keys --type foo --out "$T_DIR/k"
check "  names it and the types" grep -q "'foo' is not one of issuer|authority|device" "$T_DIR/err"
check_exit "collector token for enrolment without --ward" 2 $COLL token --role device-enrolment
check "  says a ward is needed" grep -q "needs --ward" "$T_DIR/err"
check_exit "an unknown command: usage error" 2 $COLL tarce
check "  named" grep -q "'tarce' is not a command" "$T_DIR/err"
check_exit "kioskctl with no command: usage error" 2 $K
check "  lists the commands on stderr" grep -q "^  status " "$T_DIR/err"

# Quiet for people: no info lines unless -v (KIOSK_LOG_LEVEL still rules).
(
	unset KIOSK_LOG_LEVEL
	check_exit "kioskctl init, as a person types it" 0 $K --db "$T_DIR/q/visits.db" init --demo --venue-id Q1 --venue-name "Cà phê"
	check "  says what it did, no info lines" sh -c "grep -q 'kiosk set up for venue Q1' '$T_DIR/out' && ! grep -q 'info:' '$T_DIR/err'"
	check_exit "kioskctl -v init" 0 $K -v --db "$T_DIR/q2/visits.db" init --demo --venue-id Q1 --venue-name "Cà phê"
	check "  -v shows them" grep -q "info: store .* schema migrated" "$T_DIR/err"
	check_exit "collector init, then stats" 0 $COLL init --db "sqlite:$T_DIR/q/c.db"
	check "  no info lines" sh -c "! grep -q 'info:' '$T_DIR/err'"
	check_exit "collector stats -v" 0 $COLL stats -v --db "sqlite:$T_DIR/q/c.db"
	exit $T_FAILED
)
T_FAILED=$((T_FAILED + $?))

# The man pages.
if command -v man > /dev/null; then
	for p in kiosk kioskctl kiosk-sync collector; do
		check "man page $p renders with its name and an example" sh -c \
			"MANWIDTH=80 man -l man/$p.1 2> '$T_DIR/man.err' | grep -q '^NAME' && ! grep -qi warn '$T_DIR/man.err' && grep -q '^.SH EXAMPLE' man/$p.1"
	done
else
	for p in kiosk kioskctl kiosk-sync collector; do
		check "man page $p is there with an example" grep -q '^.SH EXAMPLE' "man/$p.1"
	done
fi
t_done
