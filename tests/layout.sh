#!/bin/bash
# layout.sh: the rooms' rules (docs/layout.md), checked from the sources
# and the build, one "ok - ..." / "not ok - ..." line each:
#   common/ includes only common/ headers;
#   kiosk/ includes common/ and kiosk/ headers, never sync/ ones;
#   sync/ (the collector) includes common/ and sync/ headers, never kiosk/;
#   the build's include paths refuse a header from the wrong room;
#   the collector links none of the kiosk's code.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
fail=0

ok() { echo "ok - $*"; }
bad() { echo "not ok - $*"; fail=1; }

# The headers of a room, by name.
headers() { (cd "$1" && ls -- *.h) 2>/dev/null; }

check_room() {
	local room=$1; shift
	local allowed=("$@") f inc found r problems=0
	for f in "$room"/*.c "$room"/*.h "$room"/*.cpp; do
		[ -e "$f" ] || continue
		while IFS= read -r inc; do
			case $inc in
			*/*) bad "$f includes \"$inc\": a path, not a header of its room"; problems=1; continue ;;
			esac
			found=
			for r in "${allowed[@]}"; do
				[ -e "$r/$inc" ] && found=$r
			done
			if [ -z "$found" ]; then
				bad "$f includes \"$inc\", which is not in ${allowed[*]}"
				problems=1
			fi
		done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f")
	done
	[ $problems -eq 0 ] && ok "$room/ includes only headers from ${allowed[*]}"
}

check_room common common
check_room kiosk common kiosk
check_room sync common sync

# The build refuses it too: a kiosk file naming a collector header, and a
# collector file naming a kiosk header, do not compile with their room's
# include path.
probe=$(mktemp -d "${TMPDIR:-/tmp}/layout-XXXXXX")
trap 'rm -rf "$probe"' EXIT
for pair in "kiosk db.h" "sync store.h" "common store.h" "common db.h"; do
	set -- $pair
	flags=$(make -s --no-print-directory room-flags ROOM="$1")
	printf '#include "%s"\nint probe(void);\nint probe(void) { return 0; }\n' "$2" > "$probe/p.c"
	if ${CC:-cc} -fsyntax-only $flags "$probe/p.c" 2>/dev/null; then
		bad "a $1/ file can include $2: the build does not refuse it"
	else
		ok "the build refuses $2 in a $1/ file"
	fi
done

# The collector is deployed apart: no symbol the kiosk's own objects
# define is in it.
# (The programs' own commands, cmd_*, are not shared code: each program
# has its own of the same name.)
objs=()
for c in kiosk/*.c kiosk/*.cpp; do
	o=$BUILD/obj/${c%.*}.o
	[ -e "$o" ] && objs+=("$o")
done
if [ -x "$BUILD/bin/collector" ] && [ ${#objs[@]} -gt 0 ]; then
	nm --defined-only "${objs[@]}" 2>/dev/null |
		awk '$2 ~ /^[TDBR]$/ { print $3 }' | sort -u > "$probe/kiosk.syms"
	nm --defined-only "$BUILD/bin/collector" |
		awk '$2 ~ /^[TDBR]$/ { print $3 }' | sort -u > "$probe/coll.syms"
	leaked=$(comm -12 "$probe/kiosk.syms" "$probe/coll.syms" |
		grep -vE '^(main|cmd_[a-z_]+)$' | head -5)
	if [ -z "$leaked" ]; then
		ok "the collector links none of the kiosk's code ($(wc -l < "$probe/kiosk.syms") kiosk symbols checked)"
	else
		bad "the collector holds kiosk code: $(echo $leaked)"
	fi
fi

# A module's private header is included by that module's files only.
private() {
	local header=$1 pattern=$2 f
	for f in $(grep -l "#include \"$header\"" common/* kiosk/* sync/* 2>/dev/null); do
		case $(basename "$f") in
		$pattern) ;;
		*) bad "$f includes $header, private to $pattern"; return ;;
		esac
	done
	ok "$header is included by its own module's files only"
}
private wire_json.h 'wire_*'
private store_impl.h 'store*'
private db_impl.h 'db*'
private db_pg_impl.h 'db_pg*'
private api_impl.h 'api*'
private kioskctl.h 'kioskctl*'

# No library's types in a module's public header (the private ones above
# are a module's own business).
leaks=$(grep -lE '\<(json_t|sqlite3|PGconn|PGresult|CURL|MHD_[A-Za-z_]+)\>' \
	common/*.h kiosk/*.h sync/*.h | grep -vE '/(wire_json|signed_json|store_impl|db_pg_impl|kioskctl)\.h$')
if [ -z "$leaks" ]; then
	ok "no library's types in a module's public header"
else
	bad "library types in public headers: $(echo $leaks)"
fi
exit $fail
