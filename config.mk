# config.mk: build settings. Override on the command line, e.g.
#   make CC=clang SANITIZE=address,undefined
# The user's CFLAGS/LDFLAGS are appended, never replaced.

VERSION   = 0.1.0
# When this source was made: a clock reading earlier is not trusted
# (kiosk/clock.h). dpkg sets SOURCE_DATE_EPOCH; a git checkout has a date.
BUILD_EPOCH ?= $(or $(SOURCE_DATE_EPOCH),$(shell git log -1 --format=%ct 2>/dev/null),0)
PREFIX   ?= /usr/local
DATADIR  ?= $(PREFIX)/share/qr-kiosk
MANDIR   ?= $(PREFIX)/share/man
# Where make install puts the systemd units and the settings' examples
# (the Debian packages: /lib/systemd/system and /etc).
UNITDIR  ?= /etc/systemd/system
SYSCONFDIR ?= /etc

CC       ?= cc
CXX      ?= c++
PKG_CONFIG ?= pkg-config

# What each room links (DESIGN.md section 3; docs/layout.md).
COMMON_PKGS = libsodium jansson zlib cairo fontconfig libqrencode
KIOSK_PKGS  = sqlite3 libpng libjpeg libqrencode zbar libcurl
SYNC_PKGS   = sqlite3 libmicrohttpd libpq

WARN     = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
           -Wformat=2 -Wvla -Wno-unused-parameter
BASE_CFLAGS = -std=c11 -D_GNU_SOURCE -O2 -g $(WARN) -include common/banned.h \
           -DKIOSK_VERSION=\"$(VERSION)\" -DKIOSK_DATADIR=\"$(DATADIR)\" \
           -DKIOSK_BUILD_EPOCH=$(BUILD_EPOCH)
# The one C++ file (zxing-cpp's reader behind a C header): the same
# warnings, without the C-only ones and the C banned-function list.
BASE_CXXFLAGS = -std=c++17 -D_GNU_SOURCE -O2 -g -Wall -Wextra -Werror \
           -Wshadow -Wformat=2 -Wno-unused-parameter
