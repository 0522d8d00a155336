#!/bin/bash
# e2e_wrongdb: a tracer or a patrol who points a command at the wrong
# database (a typo in --db, the wrong folder, an empty database) gets an
# error that names it and says how to make one, exit 1; never an empty
# answer ("0 visits, 0 contacts"), and nothing is made in its place. Only
# collector init and serve make a database. Both backends
# (t_collector_db).
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
COLL=${COLLECTOR:-build/bin/collector}
t_setup
export KIOSK_LOG_LEVEL=warn
CDB=$(t_collector_db wrongdb)

# A mistyped SQLite path: every reading command refuses it.
TYPO="sqlite:$T_DIR/colector.db"
for cmd in "trace --reason case-E2E-1 --subject phone:0912345678" "report --ward W" "audit" "stats" \
	"devices list" "purge --older-than 30" "token --role tracer"; do
	name=${cmd%% *}
	# shellcheck disable=SC2086
	check_exit "$name on a missing file: exit 1" 1 $COLL $cmd --db "$TYPO"
	check "$name names the path and says how to make one" sh -c \
		"grep -q \"no collector database at '$T_DIR/colector.db'\" '$T_DIR/err' && grep -q 'collector init --db' '$T_DIR/err'"
	check "$name does not answer as if it were empty" sh -c "! grep -qi '0 visits\|no contacts\|F1' '$T_DIR/out'"
done
check "and nothing was made at that path" test ! -e "$T_DIR/colector.db"

# A SQLite file that is not a collector's.
sqlite3 "$T_DIR/other.db" "CREATE TABLE notes(x)"
check_exit "a file with no collector tables: exit 1" 1 $COLL stats --db "sqlite:$T_DIR/other.db"
check "says it is not a collector database" grep -q "is not a collector database" "$T_DIR/err"
check "and leaves it as it was" test "$(sqlite3 "$T_DIR/other.db" "SELECT group_concat(name) FROM sqlite_master")" = notes

# PostgreSQL: a database with no collector tables is refused, then init
# makes it one.
if [ "${COLLECTOR_BACKEND:-sqlite}" = postgresql ]; then
	EMPTY="t_empty_$$_$RANDOM"
	psql -qAt "$KIOSK_TEST_PG/postgres" -c "CREATE DATABASE $EMPTY"
	check_exit "an empty PostgreSQL database: exit 1" 1 $COLL trace --db "$KIOSK_TEST_PG/$EMPTY" --reason "case E2E-1" --subject phone:0912345678
	check "says which database, not the URL" sh -c "grep -q \"database '$EMPTY'\" '$T_DIR/err' && ! grep -q 'postgresql://' '$T_DIR/err'"
	check "with no tables made" test "$(psql -qAt "$KIOSK_TEST_PG/$EMPTY" -c "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")" = 0
	check_exit "collector init makes it one" 0 $COLL init --db "$KIOSK_TEST_PG/$EMPTY"
	check_exit "then stats answers" 0 $COLL stats --db "$KIOSK_TEST_PG/$EMPTY"
fi

# The right one answers; init again keeps what is there.
check_exit "the database made by init answers" 0 $COLL stats --db "$CDB"
check_exit "init on it again" 0 $COLL init --db "$CDB"
check "and keeps it" grep -q "ready" "$T_DIR/out"
check_exit "init with no --db takes \$COLLECTOR_DB" 0 env COLLECTOR_DB="sqlite:$T_DIR/env/c.db" $COLL init
check "  and makes its folder and file" test -s "$T_DIR/env/c.db"
check_exit "init with something after it: usage" 2 $COLL init --db "$CDB" extra
check_exit "init --help" 0 $COLL init --help
check "shows an example" grep -q "collector init --db sqlite:" "$T_DIR/out"
t_done
