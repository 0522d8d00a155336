# config.mk: build settings. Override on the command line, e.g.
#   make CC=clang SANITIZE=address,undefined
# The user's CFLAGS/LDFLAGS are appended, never replaced.

VERSION   = 0.1.0
PREFIX   ?= /usr/local
DATADIR  ?= $(PREFIX)/share/kiosk

CC       ?= cc
PKG_CONFIG ?= pkg-config

# Libraries of the kiosk core (no display): see DESIGN.md section 3.
CORE_PKGS = sqlite3 libsodium jansson zbar libpng libjpeg libqrencode

WARN     = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
           -Wformat=2 -Wvla -Wno-unused-parameter
BASE_CFLAGS = -std=c11 -D_GNU_SOURCE -O2 -g $(WARN) -include kiosk/banned.h \
           -DKIOSK_VERSION=\"$(VERSION)\" -DKIOSK_DATADIR=\"$(DATADIR)\"
