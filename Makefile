# Makefile for the QR check-in kiosk. See README.md.
#
#   make            build the programs into build/bin/
#   make check      build and run every test (also under ASan + UBSan)
#   make bench      benchmarks, as ratios against a reference in the same run
#   make soak       the long fault tests
#   make fuzz       build the libFuzzer targets and run each briefly
#   make install    install programs, assets and systemd units
#   make deb        the Debian packages, into build/deb/
#   make run        the main job: a demo kiosk on its defaults
#
# SANITIZE=address,undefined builds everything with those sanitizers;
# BUILD=dir puts the build somewhere else (check uses build/asan for that).
#
# Three rooms (docs/layout.md): common/ is what the kiosk and the collector
# share; kiosk/ is the kiosk side (the app, kioskctl, kiosk-sync); sync/ is
# the collector. Each room compiles with its own include path, so a kiosk
# file cannot include a collector header nor the reverse (tests/layout.sh
# checks the same from the sources).

include config.mk

BUILD    ?= build
SANITIZE ?=

ifneq ($(SANITIZE),)
SAN_FLAGS = -fsanitize=$(SANITIZE) -fno-sanitize-recover=all -fno-omit-frame-pointer
endif

pc_cflags = $(shell $(PKG_CONFIG) --cflags $(1) 2>/dev/null)
pc_libs   = $(shell $(PKG_CONFIG) --libs $(1) 2>/dev/null)

COMMON_LIBS := $(call pc_libs,$(COMMON_PKGS)) -lunistring
KIOSK_LIBS  := $(call pc_libs,$(KIOSK_PKGS) zxing) -lpthread -lstdc++
SYNC_LIBS   := $(call pc_libs,$(SYNC_PKGS)) -lpthread
UI_PKGS      = sdl2 SDL2_ttf libsystemd libpng
UI_LIBS     := $(call pc_libs,$(UI_PKGS)) -lm
CMOCKA_LIBS := $(call pc_libs,cmocka)

# Include paths per room: the rule the layout rests on.
INC_common = -Icommon
INC_kiosk  = -Icommon -Ikiosk
INC_sync   = -Icommon -Isync
INC_tests  = -Icommon -Ikiosk -Isync -Itests

ALL_CFLAGS  = $(BASE_CFLAGS) $(SAN_FLAGS) -MMD -MP $(CPPFLAGS) $(CFLAGS)
ALL_CXXFLAGS = $(BASE_CXXFLAGS) $(SAN_FLAGS) $(call pc_cflags,zxing) $(INC_kiosk) -MMD -MP $(CPPFLAGS) $(CXXFLAGS)
ALL_LDFLAGS = $(SAN_FLAGS) $(LDFLAGS)

$(BUILD)/obj/common/%.o: ROOM_CFLAGS = $(INC_common) $(call pc_cflags,$(COMMON_PKGS) libcurl)
$(BUILD)/obj/kiosk/%.o:  ROOM_CFLAGS = $(INC_kiosk) $(call pc_cflags,$(COMMON_PKGS) $(KIOSK_PKGS))
$(BUILD)/obj/sync/%.o:   ROOM_CFLAGS = $(INC_sync) $(call pc_cflags,$(COMMON_PKGS) $(SYNC_PKGS))
$(BUILD)/obj/tests/%.o $(BUILD)/obj/bench/%.o $(BUILD)/obj/tools/%.o: \
                         ROOM_CFLAGS = $(INC_tests) $(call pc_cflags,$(COMMON_PKGS) $(KIOSK_PKGS) $(SYNC_PKGS))

COMMON_SRC = common/log.c common/ktime.c common/fileio.c common/wipe.c common/cmdhelp.c \
             common/csv.c common/keys.c common/seal.c common/reason.c \
             common/payload.c common/pass.c common/token.c common/datadir.c \
             common/wire_batch.c common/wire_export.c \
             common/wire_heartbeat.c common/http.c \
             common/dynbuf.c common/parsenum.c common/harden.c common/termtext.c \
             common/wardname.c common/hours.c common/signed_json.c common/enrolcode.c \
             common/passlist.c common/print.c
COMMON_LIB = $(BUILD)/libcommon.a

CORE_SRC = kiosk/store.c kiosk/store_query.c kiosk/store_sync.c kiosk/store_recover.c kiosk/clock.c kiosk/config.c kiosk/checkin.c kiosk/i18n.c \
           kiosk/image.c kiosk/decode.c kiosk/qr.c kiosk/scanner.c \
           kiosk/camera.c kiosk/camera_v4l2.c kiosk/worker.c kiosk/serial.c \
           kiosk/uploader.c kiosk/outbox.c kiosk/pace.c kiosk/enrol.c
# zxing-cpp is C++: one file behind a C header (kiosk/zxread.h).
CORE_CXX = kiosk/zxread.cpp
CORE_LIB = $(BUILD)/libkioskcore.a

# The collector's pieces (sync/), its storage and both backends.
DB_OBJ = $(BUILD)/obj/sync/db.o $(BUILD)/obj/sync/db_ward.o $(BUILD)/obj/sync/db_devices.o $(BUILD)/obj/sync/db_query.o $(BUILD)/obj/sync/db_sqlite.o \
         $(BUILD)/obj/sync/db_pg.o $(BUILD)/obj/sync/db_pg_load.o $(BUILD)/obj/sync/db_pg_shards.o
COLLECTOR_OBJ = $(BUILD)/obj/sync/collector.o $(BUILD)/obj/sync/collector_enrol.o $(BUILD)/obj/sync/collector_cmds.o $(BUILD)/obj/sync/collector_help.o \
                $(BUILD)/obj/sync/server.o $(BUILD)/obj/sync/api.o $(BUILD)/obj/sync/api_query.o \
                $(BUILD)/obj/sync/api_console.o $(BUILD)/obj/sync/enrolsheet.o \
                $(BUILD)/obj/sync/report.o $(BUILD)/obj/sync/trace_print.o \
                $(BUILD)/obj/sync/query.o $(BUILD)/obj/sync/trace.o \
                $(BUILD)/obj/sync/ingest.o $(BUILD)/obj/sync/limit.o $(BUILD)/obj/sync/watch.o $(BUILD)/obj/sync/workq.o $(BUILD)/obj/sync/codes.o

# tests/gen.c: generated realistic texts, for tests, bench and tools/gentext.
GEN_OBJ = $(BUILD)/obj/tests/gen.o

# The screens' state machine, its view model and its jobs thread: no SDL
# (test_screens links them without it).
SCREEN_OBJ = $(BUILD)/obj/kiosk/screen.o $(BUILD)/obj/kiosk/screen_parts.o $(BUILD)/obj/kiosk/screen_setup.o \
             $(BUILD)/obj/kiosk/screen_ready.o $(BUILD)/obj/kiosk/screen_staff.o \
             $(BUILD)/obj/kiosk/view.o $(BUILD)/obj/kiosk/jobs.o $(BUILD)/obj/kiosk/setupflow.o
# Only the SDL layer sees SDL (the glue, the drawing, the sound): the core
# and the screens build and test without a display.
UI_SDL_OBJ = $(BUILD)/obj/kiosk/ui.o $(BUILD)/obj/kiosk/ui_draw.o $(BUILD)/obj/kiosk/sound.o
UI_OBJ = $(UI_SDL_OBJ) $(SCREEN_OBJ)
$(UI_SDL_OBJ) $(BUILD)/obj/kiosk/kiosk.o $(BUILD)/obj/tests/test_ui.o: ROOM_CFLAGS += $(call pc_cflags,$(UI_PKGS))

KIOSK_LINK     = $(CORE_LIB) $(COMMON_LIB)
KIOSK_LINKLIBS = $(KIOSK_LIBS) $(COMMON_LIBS)
SYNC_LINKLIBS  = $(SYNC_LIBS) $(COMMON_LIBS)

PROGS = $(BUILD)/bin/kioskctl $(BUILD)/bin/kiosk $(BUILD)/bin/collector \
        $(BUILD)/bin/kiosk-sync

UNIT_TESTS = test_payload test_pass test_store test_recovery test_upload test_checkin test_misc test_ui test_screens test_kiosk \
             test_db test_wire test_corpus test_serial test_powercut
TEST_BINS  = $(UNIT_TESTS:%=$(BUILD)/tests/%) $(BUILD)/tests/crash_test
BENCH_BINS = $(BUILD)/bench/bench_store $(BUILD)/bench/bench_decode $(BUILD)/bench/bench_latency \
             $(BUILD)/bench/bench_ingest $(BUILD)/bench/bench_trace $(BUILD)/bench/bench_burst \
             $(BUILD)/bench/bench_growth

FUZZ_TARGETS = fuzz_payload fuzz_cccd fuzz_pccovid fuzz_pass fuzz_phone fuzz_config fuzz_enrol \
               fuzz_batch fuzz_export fuzz_serial fuzz_wire fuzz_api fuzz_text fuzz_shards
FUZZ_CC      ?= clang

.PHONY: all check test-bins bench soak fuzz fuzz-bins install deb clean run demo layout room-flags

all: $(PROGS) vendor

# The web console's browser libraries (docs/console.md): Chart.js from
# Debian's libjs-chart.js, libsodium.js from npm at the versions in
# package-lock.json, copied next to the console's files. The collector
# serves them itself: nothing is loaded from another host at run time.
CHARTJS ?= /usr/share/javascript/chart.js/chart.min.js
VENDOR   = assets/web/vendor
SODIUMJS = node_modules/libsodium-wrappers/dist/modules/libsodium-wrappers.js
VENDOR_FILES = $(VENDOR)/chart.min.js $(VENDOR)/libsodium-wrappers.js $(VENDOR)/libsodium.js

.PHONY: vendor
vendor: $(VENDOR_FILES)

$(VENDOR)/chart.min.js: $(CHARTJS)
	@mkdir -p $(VENDOR)
	cp $< $@

$(SODIUMJS): package.json package-lock.json
	@command -v npm > /dev/null || { echo 'make: npm is needed for the web console (scripts/install-deps.sh installs it)' >&2; exit 1; }
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@

$(VENDOR)/libsodium-wrappers.js: $(SODIUMJS)
	@mkdir -p $(VENDOR)
	cp $(SODIUMJS) $@

$(VENDOR)/libsodium.js: $(SODIUMJS)
	@mkdir -p $(VENDOR)
	cp node_modules/libsodium/dist/modules/libsodium.js $@

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ROOM_CFLAGS) -c $< -o $@

$(BUILD)/obj/%.o: %.cpp
	@mkdir -p $(dir $@)
	$(CXX) $(ALL_CXXFLAGS) -c $< -o $@

$(COMMON_LIB): $(COMMON_SRC:%.c=$(BUILD)/obj/%.o)
	@mkdir -p $(dir $@)
	rm -f $@ && $(AR) rcs $@ $^

$(CORE_LIB): $(CORE_SRC:%.c=$(BUILD)/obj/%.o) $(CORE_CXX:%.cpp=$(BUILD)/obj/%.o)
	@mkdir -p $(dir $@)
	rm -f $@ && $(AR) rcs $@ $^

# ---- programs ----

KIOSKCTL_OBJ = $(BUILD)/obj/kiosk/kioskctl.o $(BUILD)/obj/kiosk/kioskctl_setup.o $(BUILD)/obj/kiosk/passcard.o \
               $(BUILD)/obj/kiosk/kioskctl_visits.o $(BUILD)/obj/kiosk/kioskctl_status.o \
               $(BUILD)/obj/kiosk/kioskctl_help.o
$(BUILD)/bin/kioskctl: $(KIOSKCTL_OBJ) $(KIOSK_LINK)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(KIOSK_LINKLIBS)

$(BUILD)/bin/kiosk-sync: $(BUILD)/obj/kiosk/kiosk_sync.o $(KIOSK_LINK)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(KIOSK_LINKLIBS) -lsystemd

$(BUILD)/bin/kiosk: $(BUILD)/obj/kiosk/kiosk.o $(UI_OBJ) $(KIOSK_LINK)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(KIOSK_LINKLIBS) $(UI_LIBS)

# The collector links common/ and sync/ only: none of the kiosk's code.
$(BUILD)/bin/collector: $(COLLECTOR_OBJ) $(DB_OBJ) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(SYNC_LINKLIBS)

# ---- tests, benches, tools ----

$(BUILD)/tests/test_ui: $(BUILD)/obj/tests/test_ui.o $(UI_OBJ) $(KIOSK_LINK)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(KIOSK_LINKLIBS) $(UI_LIBS) $(CMOCKA_LIBS)

# The screens without SDL: neither its cflags nor its libraries.
$(BUILD)/tests/test_screens: $(BUILD)/obj/tests/test_screens.o $(SCREEN_OBJ) $(KIOSK_LINK)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(KIOSK_LINKLIBS) $(CMOCKA_LIBS)

$(BUILD)/tests/scenario: $(BUILD)/obj/tests/scenario.o $(DB_OBJ) $(BUILD)/obj/sync/ingest.o $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(SYNC_LINKLIBS)

$(BUILD)/tests/test_powercut: $(BUILD)/obj/tests/test_powercut.o $(BUILD)/obj/tests/powercut_vfs.o \
                             $(DB_OBJ) $(BUILD)/obj/sync/ingest.o $(KIOSK_LINK)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(KIOSK_LINKLIBS) $(SYNC_LIBS) $(CMOCKA_LIBS)

$(BUILD)/tests/test_db: $(BUILD)/obj/tests/test_db.o $(DB_OBJ) $(BUILD)/obj/sync/trace.o $(BUILD)/obj/sync/query.o \
                       $(BUILD)/obj/sync/workq.o $(BUILD)/obj/sync/codes.o \
                       $(BUILD)/obj/sync/ingest.o $(BUILD)/obj/sync/report.o $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(SYNC_LINKLIBS) $(CMOCKA_LIBS)

$(BUILD)/tests/test_corpus $(BUILD)/tests/test_serial: $(BUILD)/tests/%: $(BUILD)/obj/tests/%.o $(GEN_OBJ) $(KIOSK_LINK)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(KIOSK_LINKLIBS) $(CMOCKA_LIBS)

$(BUILD)/tests/%: $(BUILD)/obj/tests/%.o $(KIOSK_LINK)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(KIOSK_LINKLIBS) $(CMOCKA_LIBS)

$(BUILD)/bench/bench_ingest: $(BUILD)/obj/bench/bench_ingest.o $(DB_OBJ) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(SYNC_LINKLIBS)

$(BUILD)/bench/bench_burst: $(BUILD)/obj/bench/bench_burst.o $(DB_OBJ) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(SYNC_LINKLIBS) $(call pc_libs,libcurl)

$(BUILD)/bench/bench_trace: $(BUILD)/obj/bench/bench_trace.o $(BUILD)/obj/sync/trace.o $(DB_OBJ) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(SYNC_LINKLIBS)

$(BUILD)/bench/%: $(BUILD)/obj/bench/%.o $(KIOSK_LINK)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(KIOSK_LINKLIBS)

$(BUILD)/tools/gentext: $(BUILD)/obj/tools/gentext.o $(GEN_OBJ) $(KIOSK_LINK)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(KIOSK_LINKLIBS)

$(BUILD)/tools/mkframe: $(BUILD)/obj/tools/mkframe.o $(KIOSK_LINK)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(KIOSK_LINKLIBS) -lm

$(BUILD)/tests/checkin_many $(BUILD)/tests/batch_tool $(BUILD)/tests/venue_token $(BUILD)/tests/forge_code: \
$(BUILD)/tests/%: $(BUILD)/obj/tests/%.o $(KIOSK_LINK)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(KIOSK_LINKLIBS)

test-bins: $(PROGS) vendor $(TEST_BINS) $(BUILD)/tools/mkframe \
           $(BUILD)/tests/checkin_many $(BUILD)/tests/batch_tool \
           $(BUILD)/tests/venue_token $(BUILD)/tests/forge_code $(BUILD)/tests/scenario

# The whole suite: unit tests, whole-program tests, the crash test, a
# second run of the unit tests under ASan + UBSan, and short fuzz runs.
check:
	$(MAKE) test-bins
	$(MAKE) BUILD=build/asan SANITIZE=address,undefined test-bins
	$(MAKE) fuzz-bins
	tests/run.sh

# The rooms' include rules, checked from the sources (also in make check).
layout:
	tests/layout.sh

# A room's include path, for tests/layout.sh.
room-flags:
	@echo $(INC_$(ROOM))

bench: $(PROGS) $(BENCH_BINS) $(BUILD)/tools/mkframe $(BUILD)/tools/gentext \
       $(BUILD)/tests/test_corpus $(BUILD)/tests/checkin_many
	bench/run.sh

soak: test-bins
	CRASH_KILLS=2000 $(BUILD)/tests/crash_test
	POWERCUTS=2000 $(BUILD)/tests/test_powercut
	bash tests/failover.sh

# libFuzzer targets, built with clang; `make fuzz FUZZ_SECONDS=600` runs longer.
# The sources are compiled once (fuzzer-no-link) into an archive that each
# target links.
FUZZ_SECONDS ?= 10
FUZZ_SAN    = -fsanitize=address,undefined
FUZZ_CFLAGS = $(BASE_CFLAGS) $(call pc_cflags,$(COMMON_PKGS) $(KIOSK_PKGS) $(SYNC_PKGS)) $(INC_tests) -O1 -g
FUZZ_SRC = $(COMMON_SRC) $(CORE_SRC)
FUZZ_OBJ = $(FUZZ_SRC:%.c=build/fuzz/obj/%.o)

fuzz-bins: $(FUZZ_TARGETS:%=build/fuzz/%)

build/fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link $(FUZZ_SAN) -MMD -MP -c $< -o $@

build/fuzz/libfuzzcore.a: $(FUZZ_OBJ)
	rm -f $@ && $(AR) rcs $@ $^

# zxing-cpp's C++ wrapper is linked as the normal build made it.
build/fuzz/%: tests/fuzz/%.c tests/fuzz/fuzz_parser.inc build/fuzz/libfuzzcore.a $(BUILD)/obj/kiosk/zxread.o
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer $(FUZZ_SAN) -o $@ $< \
		$(BUILD)/obj/kiosk/zxread.o build/fuzz/libfuzzcore.a $(KIOSK_LINKLIBS)

# The collector's request handling (fuzz_api): its sources, compiled the
# same way, linked with the collector's libraries.
FUZZ_SYNC_SRC = sync/api.c sync/api_query.c sync/api_console.c sync/enrolsheet.c sync/db.c sync/db_devices.c \
                sync/db_query.c sync/db_ward.c sync/db_sqlite.c sync/db_pg.c sync/db_pg_load.c sync/db_pg_shards.c \
                sync/ingest.c sync/query.c sync/trace.c sync/trace_print.c \
                sync/report.c sync/limit.c sync/codes.c
build/fuzz/libfuzzsync.a: $(FUZZ_SYNC_SRC:%.c=build/fuzz/obj/%.o)
	rm -f $@ && $(AR) rcs $@ $^

build/fuzz/fuzz_api build/fuzz/fuzz_shards: build/fuzz/%: tests/fuzz/%.c build/fuzz/libfuzzsync.a build/fuzz/libfuzzcore.a
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer $(FUZZ_SAN) -o $@ $< \
		build/fuzz/libfuzzsync.a build/fuzz/libfuzzcore.a $(SYNC_LINKLIBS) -lm

fuzz: fuzz-bins
	tests/fuzz/run.sh $(FUZZ_SECONDS)

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(DATADIR)/strings \
		$(DESTDIR)$(DATADIR)/web $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSCONFDIR)/qr-kiosk
	install -m 755 $(PROGS) $(DESTDIR)$(PREFIX)/bin/
	install -m 644 assets/strings/*.txt $(DESTDIR)$(DATADIR)/strings/
	install -d $(DESTDIR)$(DATADIR)/web/console $(DESTDIR)$(DATADIR)/web/vendor
	install -m 644 assets/web/*.* $(DESTDIR)$(DATADIR)/web/
	install -m 644 assets/web/console/* $(DESTDIR)$(DATADIR)/web/console/
	install -m 644 $(VENDOR_FILES) $(DESTDIR)$(DATADIR)/web/vendor/
	install -m 644 man/*.1 $(DESTDIR)$(MANDIR)/man1/
	for u in systemd/*.service systemd/*.timer; do \
		sed -e 's#@bindir@#$(PREFIX)/bin#g' -e 's#@sysconfdir@#$(SYSCONFDIR)#g' \
			$$u > $(DESTDIR)$(UNITDIR)/$${u#systemd/} && \
		chmod 644 $(DESTDIR)$(UNITDIR)/$${u#systemd/} || exit 1; \
	done
	# The settings' examples, never over an owner's own.
	for f in deploy/etc/qr-kiosk/*.env; do \
		t=$(DESTDIR)$(SYSCONFDIR)/qr-kiosk/$${f##*/}; \
		[ -e $$t ] || install -m 644 $$f $$t || exit 1; \
	done

DEB_OUT = build/deb/qr-kiosk_$(VERSION)_$(shell dpkg --print-architecture 2>/dev/null)
# The Debian packages qr-kiosk and qr-kiosk-collector, into build/deb/
# (debian/rules; docs/deploy.md says how to build them on a Pi).
deb:
	rm -rf build/deb
	dpkg-buildpackage -us -uc -b \
		--buildinfo-option=-ubuild/deb --buildinfo-option=-O$(DEB_OUT).buildinfo \
		--changes-option=-ubuild/deb --changes-option=-O$(DEB_OUT).changes
	lintian --fail-on error build/deb/*.deb
	ls -l build/deb

# The main job: the kiosk on a demo venue, with a demo camera when there
# is no webcam (scripts/demo.sh).
run demo: $(PROGS) $(BUILD)/tools/mkframe
	scripts/demo.sh

clean:
	rm -rf build

-include $(shell find $(BUILD)/obj build/fuzz/obj -name '*.d' 2>/dev/null)
