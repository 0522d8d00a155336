# Makefile for the QR check-in kiosk. See README.md.
#
#   make            build the programs into build/bin/
#   make check      build and run every test (also under ASan + UBSan)
#   make bench      benchmarks, as ratios against a reference in the same run
#   make soak       the long fault tests
#   make fuzz       build the libFuzzer targets and run each briefly
#   make install    install programs, assets and systemd units
#   make run        the main job: a demo kiosk on its defaults
#
# SANITIZE=address,undefined builds everything with those sanitizers;
# BUILD=dir puts the build somewhere else (check uses build/asan for that).

include config.mk

BUILD    ?= build
SANITIZE ?=

ifneq ($(SANITIZE),)
SAN_FLAGS = -fsanitize=$(SANITIZE) -fno-sanitize-recover=all -fno-omit-frame-pointer
endif

PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(CORE_PKGS) 2>/dev/null)
PKG_LIBS   := $(shell $(PKG_CONFIG) --libs $(CORE_PKGS) zxing 2>/dev/null) -lunistring -lpthread -lstdc++
ZXING_CFLAGS := $(shell $(PKG_CONFIG) --cflags zxing 2>/dev/null)
ALL_CXXFLAGS = $(BASE_CXXFLAGS) $(SAN_FLAGS) $(ZXING_CFLAGS) -Ikiosk -MMD -MP $(CXXFLAGS)
ALL_CFLAGS  = $(BASE_CFLAGS) $(SAN_FLAGS) $(PKG_CFLAGS) -Ikiosk -MMD -MP $(CFLAGS)
ALL_LDFLAGS = $(SAN_FLAGS) $(LDFLAGS)

CORE_SRC = kiosk/log.c kiosk/ktime.c kiosk/fileio.c kiosk/keys.c \
           kiosk/reason.c kiosk/pass.c kiosk/payload.c kiosk/store.c \
           kiosk/config.c kiosk/seal.c kiosk/i18n.c kiosk/checkin.c \
           kiosk/image.c kiosk/decode.c kiosk/qr.c kiosk/csv.c \
           kiosk/token.c kiosk/scanner.c kiosk/camera.c kiosk/camera_v4l2.c \
           kiosk/worker.c kiosk/wipe.c kiosk/serial.c
# zxing-cpp is C++: one file behind a C header (kiosk/zxread.h).
CORE_CXX = kiosk/zxread.cpp
CORE_OBJ = $(CORE_SRC:%.c=$(BUILD)/obj/%.o) $(CORE_CXX:%.cpp=$(BUILD)/obj/%.o)
CORE_LIB = $(BUILD)/libkioskcore.a
# tests/gen.c: generated realistic texts, for tests, bench and tools/gentext.
GEN_OBJ = $(BUILD)/obj/tests/gen.o

# Only the UI modules see SDL: the core builds and tests without a display.
UI_PKGS    = sdl2 SDL2_ttf libsystemd libpng
UI_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(UI_PKGS) 2>/dev/null)
UI_LIBS   := $(shell $(PKG_CONFIG) --libs $(UI_PKGS) 2>/dev/null) -lm
UI_OBJ     = $(BUILD)/obj/kiosk/ui.o
$(UI_OBJ) $(BUILD)/obj/kiosk/kiosk.o $(BUILD)/obj/tests/test_ui.o: ALL_CFLAGS += $(UI_CFLAGS)

# sync/: both ends of the upload protocol; never SDL.
SYNC_PKGS    = libmicrohttpd libcurl zlib libpq
SYNC_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(SYNC_PKGS) 2>/dev/null) -Isync
SYNC_LIBS   := $(shell $(PKG_CONFIG) --libs $(SYNC_PKGS) 2>/dev/null)
# The collector's storage: the interface's front and both backends.
DB_OBJ = $(BUILD)/obj/sync/db.o $(BUILD)/obj/sync/db_sqlite.o $(BUILD)/obj/sync/db_pg.o
$(BUILD)/obj/sync/%.o: ALL_CFLAGS += $(SYNC_CFLAGS)
$(BUILD)/obj/kiosk/kioskctl.o $(BUILD)/obj/tests/test_sync.o: ALL_CFLAGS += $(SYNC_CFLAGS)
SYNC_COMMON = $(BUILD)/obj/sync/batch.o $(BUILD)/obj/sync/client.o

PROGS = $(BUILD)/bin/kioskctl $(BUILD)/bin/kiosk $(BUILD)/bin/collector \
        $(BUILD)/bin/kiosk-sync

UNIT_TESTS = test_payload test_pass test_store test_checkin test_misc test_ui test_kiosk test_db \
             test_corpus test_serial
TEST_BINS  = $(UNIT_TESTS:%=$(BUILD)/tests/%) $(BUILD)/tests/crash_test
BENCH_BINS = $(BUILD)/bench/bench_store $(BUILD)/bench/bench_decode $(BUILD)/bench/bench_latency \
             $(BUILD)/bench/bench_ingest $(BUILD)/bench/bench_trace

FUZZ_TARGETS = fuzz_payload fuzz_cccd fuzz_pccovid fuzz_pass fuzz_phone fuzz_config \
               fuzz_batch fuzz_export fuzz_serial
FUZZ_CC      ?= clang

.PHONY: all check test-bins bench soak fuzz fuzz-bins install clean run demo

all: $(PROGS)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/obj/%.o: %.cpp
	@mkdir -p $(dir $@)
	$(CXX) $(ALL_CXXFLAGS) -c $< -o $@

$(CORE_LIB): $(CORE_OBJ)
	@mkdir -p $(dir $@)
	$(AR) rcs $@ $^

$(BUILD)/bin/kioskctl: $(BUILD)/obj/kiosk/kioskctl.o $(SYNC_COMMON) $(BUILD)/obj/sync/uploader.o \
                   $(BUILD)/obj/sync/export_file.o $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS) $(SYNC_LIBS)

COLLECTOR_OBJ = $(BUILD)/obj/sync/collector.o $(BUILD)/obj/sync/collector_cmds.o \
                $(BUILD)/obj/sync/query.o $(BUILD)/obj/sync/trace.o \
                $(BUILD)/obj/sync/ingest.o $(BUILD)/obj/sync/export_file.o
$(BUILD)/bin/collector: $(COLLECTOR_OBJ) $(DB_OBJ) $(BUILD)/obj/sync/batch.o $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS) $(SYNC_LIBS)

$(BUILD)/bin/kiosk-sync: $(BUILD)/obj/sync/kiosk_sync.o $(BUILD)/obj/sync/uploader.o $(SYNC_COMMON) $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS) $(SYNC_LIBS) -lsystemd

$(BUILD)/bin/kiosk: $(BUILD)/obj/kiosk/kiosk.o $(UI_OBJ) $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS) $(UI_LIBS)

$(BUILD)/tests/test_ui: $(BUILD)/obj/tests/test_ui.o $(UI_OBJ) $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS) $(UI_LIBS) $(shell $(PKG_CONFIG) --libs cmocka)

$(BUILD)/obj/tests/scenario.o: ALL_CFLAGS += $(SYNC_CFLAGS)
$(BUILD)/tests/scenario: $(BUILD)/obj/tests/scenario.o $(DB_OBJ) $(BUILD)/obj/sync/batch.o $(BUILD)/obj/sync/ingest.o $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS) $(SYNC_LIBS)

$(BUILD)/obj/tests/test_db.o: ALL_CFLAGS += $(SYNC_CFLAGS)
$(BUILD)/tests/test_db: $(BUILD)/obj/tests/test_db.o $(DB_OBJ) $(BUILD)/obj/sync/trace.o $(BUILD)/obj/sync/batch.o $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS) $(SYNC_LIBS) $(shell $(PKG_CONFIG) --libs cmocka)

$(BUILD)/tests/test_corpus $(BUILD)/tests/test_serial: $(BUILD)/tests/%: $(BUILD)/obj/tests/%.o $(GEN_OBJ) $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS) $(shell $(PKG_CONFIG) --libs cmocka)

$(BUILD)/tests/%: $(BUILD)/obj/tests/%.o $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS) $(shell $(PKG_CONFIG) --libs cmocka)

$(BUILD)/obj/bench/bench_ingest.o: ALL_CFLAGS += $(SYNC_CFLAGS)
$(BUILD)/bench/bench_ingest: $(BUILD)/obj/bench/bench_ingest.o $(DB_OBJ) $(BUILD)/obj/sync/batch.o $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS) $(SYNC_LIBS)

$(BUILD)/obj/bench/bench_trace.o: ALL_CFLAGS += $(SYNC_CFLAGS)
$(BUILD)/bench/bench_trace: $(BUILD)/obj/bench/bench_trace.o $(BUILD)/obj/sync/trace.o $(DB_OBJ) $(BUILD)/obj/sync/batch.o $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS) $(SYNC_LIBS)

$(BUILD)/bench/%: $(BUILD)/obj/bench/%.o $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BUILD)/tools/gentext: $(BUILD)/obj/tools/gentext.o $(GEN_OBJ) $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)
$(BUILD)/obj/tools/gentext.o: ALL_CFLAGS += -Itests

$(BUILD)/tools/mkframe: $(BUILD)/obj/tools/mkframe.o $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS) -lm

$(BUILD)/tests/checkin_many: $(BUILD)/obj/tests/checkin_many.o $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BUILD)/obj/tests/batch_tool.o: ALL_CFLAGS += $(SYNC_CFLAGS)
$(BUILD)/tests/batch_tool: $(BUILD)/obj/tests/batch_tool.o $(SYNC_COMMON) $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS) $(SYNC_LIBS)

$(BUILD)/tests/venue_token: $(BUILD)/obj/tests/venue_token.o $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

test-bins: $(PROGS) $(TEST_BINS) $(BUILD)/tools/mkframe \
           $(BUILD)/tests/checkin_many $(BUILD)/tests/batch_tool \
           $(BUILD)/tests/venue_token $(BUILD)/tests/scenario

# The whole suite: unit tests, whole-program tests, the crash test, a
# second run of the unit tests under ASan + UBSan, and short fuzz runs.
check:
	$(MAKE) test-bins
	$(MAKE) BUILD=build/asan SANITIZE=address,undefined test-bins
	$(MAKE) fuzz-bins
	tests/run.sh

bench: $(PROGS) $(BENCH_BINS) $(BUILD)/tools/mkframe $(BUILD)/tools/gentext \
       $(BUILD)/tests/test_corpus
	bench/run.sh

soak: test-bins
	CRASH_KILLS=2000 $(BUILD)/tests/crash_test

# libFuzzer targets, built with clang; `make fuzz FUZZ_SECONDS=600` runs longer.
FUZZ_SECONDS ?= 10
FUZZ_CFLAGS = $(BASE_CFLAGS) $(PKG_CFLAGS) -Ikiosk -Isync -O1 -g \
              -fsanitize=fuzzer,address,undefined
FUZZ_CORE = $(CORE_SRC) sync/batch.c sync/export_file.c

fuzz-bins: $(FUZZ_TARGETS:%=build/fuzz/%)

# zxing-cpp's C++ wrapper is linked as the normal build made it.
build/fuzz/%: tests/fuzz/%.c tests/fuzz/fuzz_parser.inc $(FUZZ_CORE) $(BUILD)/obj/kiosk/zxread.o
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $< $(FUZZ_CORE) $(BUILD)/obj/kiosk/zxread.o $(PKG_LIBS) -lz

fuzz: fuzz-bins
	tests/fuzz/run.sh $(FUZZ_SECONDS)

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(DATADIR)/strings \
		$(DESTDIR)/etc/systemd/system
	install -m 755 $(PROGS) $(DESTDIR)$(PREFIX)/bin/
	install -m 644 assets/strings/*.txt $(DESTDIR)$(DATADIR)/strings/
	install -m 644 systemd/*.service systemd/*.timer $(DESTDIR)/etc/systemd/system/

# The main job: the kiosk on a demo venue, with a demo camera when there
# is no webcam (scripts/demo.sh).
run demo: $(PROGS) $(BUILD)/tools/mkframe
	scripts/demo.sh

clean:
	rm -rf build

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
