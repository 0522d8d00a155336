# pg.sh: a throwaway PostgreSQL server for the collector's tests and
# benchmarks, on 127.0.0.1 and a free port, its data in a temporary
# folder. Source it, then:
#
#   pg_start    start the server; exports KIOSK_TEST_PG (a base URL
#               without a database name). Returns 1 with a message when
#               PostgreSQL is not installed (apt-get install postgresql).
#   pg_stop     stop it and delete its data.
#
# initdb refuses to run as root, so as root the server runs as the
# postgres user that Debian's package makes.

pg_start() {
	local bin port
	bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
	if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
		echo "pg.sh: PostgreSQL is not installed (apt-get install postgresql)" >&2
		return 1
	fi
	PG_BIN=$bin
	PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/kiosk-pg-XXXXXX")
	PG_AS=()
	if [ "$(id -u)" = 0 ]; then
		chown postgres: "$PG_DIR"
		chmod 700 "$PG_DIR"
		PG_AS=(runuser -u postgres --)
	fi
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	if ! "${PG_AS[@]}" "$PG_BIN/initdb" -D "$PG_DIR/data" -U kiosk \
	    --auth=trust -E UTF8 --locale=C.UTF-8 > "$PG_DIR/initdb.log" 2>&1; then
		echo "pg.sh: initdb failed:" >&2
		tail -5 "$PG_DIR/initdb.log" >&2
		return 1
	fi
	if ! "${PG_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" \
	    -o "-c listen_addresses=127.0.0.1 -p $port -k $PG_DIR -c max_connections=200 -c shared_buffers=256MB" \
	    -w -t 60 start > /dev/null; then
		echo "pg.sh: the server did not start:" >&2
		tail -5 "$PG_DIR/server.log" >&2
		return 1
	fi
	export KIOSK_TEST_PG="postgresql://kiosk@127.0.0.1:$port"
	export PG_BIN PG_DIR
}

pg_stop() {
	[ -n "${PG_DIR:-}" ] || return 0
	"${PG_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop > /dev/null 2>&1
	rm -rf "$PG_DIR"
	PG_DIR=
}
