#!/bin/sh
# install-deps.sh: install what building, running and testing the kiosk
# needs on Debian 12, with apt. Runs apt only when something is missing,
# so a second run needs no root and no network.
set -eu

PKGS="build-essential pkg-config clang libclang-rt-14-dev
libsqlite3-dev libsodium-dev libjansson-dev libcmocka-dev
libzbar-dev zbar-tools libzxing-dev libpng-dev libjpeg-dev libqrencode-dev
libunistring-dev python3 sqlite3 faketime
libsdl2-dev libsdl2-ttf-dev fonts-dejavu-core libsystemd-dev
libcurl4-openssl-dev libmicrohttpd-dev zlib1g-dev curl
libpq-dev postgresql postgresql-client postgresql-15-auto-failover libcairo2-dev libfontconfig-dev poppler-utils
debhelper dpkg-dev lintian
chromium python3-websocket nginx openssl libjs-chart.js"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
# npm fetches the console's libsodium.js at build time (package-lock.json);
# a nodejs that brings its own npm will do.
command -v npm > /dev/null 2>&1 || missing="$missing npm"
if [ -z "$missing" ]; then
	echo "install-deps: everything is installed"
	exit 0
fi
echo "install-deps: installing:$missing"
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		SUDO=sudo
	else
		echo "install-deps: run as root (or install sudo)" >&2
		exit 1
	fi
else
	SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
# shellcheck disable=SC2086
$SUDO apt-get install -y --no-install-recommends $missing
