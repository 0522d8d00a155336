# lib.sh: assertions for the whole-program tests. Each check prints
# "ok - what" or "not ok - what"; tests/run.sh counts them.

T_FAILED=0

ok() { echo "ok - $1"; }
not_ok() { echo "not ok - $1"; T_FAILED=$((T_FAILED + 1)); }

# check DESC CMD...: the command succeeds
check() {
	desc=$1; shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}

# check_exit DESC WANT CMD...: the command exits with WANT
check_exit() {
	desc=$1; want=$2; shift 2
	"$@" > "$T_DIR/out" 2> "$T_DIR/err"
	got=$?
	if [ "$got" = "$want" ]; then ok "$desc"
	else not_ok "$desc (exit $got, want $want; stderr: $(head -c 300 "$T_DIR/err"))"; fi
}

# json_get FILE EXPR: print a value from the JSON on the file's first line
json_get() {
	python3 -c 'import json,sys; d=json.loads(open(sys.argv[1]).readline()); print(eval(sys.argv[2], {"d": d}))' "$1" "$2"
}

t_setup() {
	T_DIR=$(mktemp -d "${TMPDIR:-/tmp}/kiosk-e2e-XXXXXX")
	trap 't_cleanup' EXIT
	# The clock is synchronised, as systemd-timesyncd says it on a kiosk
	# (kiosk/clock.h); the clock tests take the file away.
	touch "$T_DIR/timesync-synchronized"
	export KIOSK_TIMESYNC_FILE="$T_DIR/timesync-synchronized"
}

t_cleanup() {
	rm -rf "$T_DIR"
}

# t_collector_db NAME: a new, empty collector database URL for this test
# on the backend in COLLECTOR_BACKEND: sqlite (default), a file in T_DIR;
# postgresql, a new database on the server tests/run.sh started
# (KIOSK_TEST_PG, see tests/pg.sh).
t_collector_db() {
	local url
	if [ "${COLLECTOR_BACKEND:-sqlite}" = postgresql ]; then
		local db="t_$1_$$_$RANDOM"
		psql -qAt "$KIOSK_TEST_PG/postgres" -c "CREATE DATABASE $db" >&2 || return 1
		url="$KIOSK_TEST_PG/$db"
	else
		url="sqlite:$T_DIR/$1.db"
	fi
	# Made as an operator makes it: only init and serve make one.
	${COLLECTOR:-build/bin/collector} init --db "$url" > /dev/null || return 1
	echo "$url"
}

# t_listening OUT: wait (5 s at most) until the collector writing to the
# file OUT says it listens; prints its URL, or nothing if it never did.
t_listening() {
	for _ in $(seq 50); do grep -q listening "$1" && break; sleep 0.1; done
	grep -o 'http://[0-9.:]*' "$1"
}

# t_sql URL SQL: run SQL on a collector database, either backend; prints
# the rows one a line, columns separated by |.
t_sql() {
	case $1 in
	sqlite:*) sqlite3 "${1#sqlite:}" "$2" ;;
	*) psql -qAt "$1" -c "$2" ;;
	esac
}

t_done() {
	[ "$T_FAILED" -eq 0 ]
}
