/*
 * test_serial: a 2D scanner in USB serial mode, played by a pseudo-
 * terminal (openpty) fed generated CCCD bytes in bursts, split across
 * reads, with CR, LF, CR LF or no terminator at all; unplugged and
 * plugged in again under the kiosk's worker. And a keyboard-mode scanner
 * that lost the Vietnamese letters: the visitor is told to use the camera.
 */
#include "helpers.h"

#include <fcntl.h>
#include <pty.h>
#include <sys/stat.h>
#include <time.h>

#include <sodium.h>

#include "config.h"
#include "gen.h"
#include "keys.h"
#include "ktime.h"
#include "log.h"
#include "payload.h"
#include "serial.h"
#include "store.h"
#include "worker.h"

static void
sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Write all LEN bytes of S to FD in pieces of 1..MAXPIECE bytes. */
static void
write_split(int fd, const char *s, size_t len, struct gen *g, int maxpiece,
    int pause_ms)
{
	size_t off = 0;

	while (off < len) {
		size_t k = 1 + gen_next(g, (unsigned)maxpiece);

		if (k > len - off)
			k = len - off;
		assert_int_equal(write(fd, s + off, k), (ssize_t)k);
		off += k;
		if (pause_ms > 0)
			sleep_ms((int)gen_next(g, (unsigned)pause_ms + 1));
	}
}

/* The framer alone: every split of a scan, every terminator. */
static void
test_frame(void **state)
{
	static const char *const ends[] = { "\r", "\n", "\r\n" };
	struct serial_frame f;
	struct gen g;
	char text[2048], out[SERIAL_MAX + 1], all[4096];
	int i, r;

	(void)state;
	assert_int_equal(gen_init(&g, 5), 0);
	serial_frame_init(&f);
	for (i = 0; i < 200; i++) {
		int len = gen_text(&g, GEN_CCCD, text, sizeof(text)), got = 0;
		int n = snprintf(all, sizeof(all), "%s%s", text, ends[i % 3]);
		size_t off = 0;

		while (off < (size_t)n) {
			size_t k = 1 + gen_next(&g, 40);

			if (k > (size_t)n - off)
				k = (size_t)n - off;
			r = serial_frame_feed(&f, (unsigned char *)all + off, k,
			    i * 1000, out, sizeof(out));
			off += k;
			while (r > 0) {
				assert_int_equal(r, len);
				assert_memory_equal(out, text, (size_t)len);
				got++;
				r = serial_frame_feed(&f, NULL, 0, i * 1000,
				    out, sizeof(out));
			}
			assert_true(r == 0);
		}
		assert_int_equal(got, 1);
	}
	/* Two scans in one read; an empty line between them. */
	r = serial_frame_feed(&f, (const unsigned char *)"0912345678\r\n\r\n"
	    "0987654321\n", 25, 1, out, sizeof(out));
	assert_int_equal(r, 10);
	assert_string_equal(out, "0912345678");
	r = serial_frame_feed(&f, NULL, 0, 1, out, sizeof(out));
	assert_int_equal(r, 10);
	assert_string_equal(out, "0987654321");
	assert_int_equal(serial_frame_feed(&f, NULL, 0, 1, out, sizeof(out)), 0);
	/* No terminator: the quiet gap ends it. */
	assert_int_equal(serial_frame_feed(&f, (const unsigned char *)
	    "0911222333", 10, 100, out, sizeof(out)), 0);
	assert_int_equal(serial_frame_idle(&f, 100 + SERIAL_GAP_MS - 1, out,
	    sizeof(out)), 0);
	assert_int_equal(serial_frame_idle(&f, 100 + SERIAL_GAP_MS, out,
	    sizeof(out)), 10);
	assert_string_equal(out, "0911222333");
	/* Too long: dropped whole, and the next scan still reads. */
	memset(all, 'x', sizeof(all));
	for (i = 0; i < 5; i++)
		assert_true(serial_frame_feed(&f, (unsigned char *)all, 500, 200,
		    out, sizeof(out)) >= 0);
	assert_int_equal(serial_frame_feed(&f, (const unsigned char *)
	    "\n0911222333\n", 12, 200, out, sizeof(out)), -1);
	assert_int_equal(serial_frame_feed(&f, NULL, 0, 200, out,
	    sizeof(out)), 10);
	gen_release(&g);
	serial_frame_wipe(&f);
}

/* A real serial line (a pseudo-terminal): bursts, splits, a hang-up. */
static void
test_pty(void **state)
{
	struct serial_port *p;
	struct gen g;
	char name[256], text[2048], out[SERIAL_MAX + 1], line[2100];
	int master, slave, i, r;

	(void)state;
	assert_int_equal(gen_init(&g, 11), 0);
	assert_int_equal(openpty(&master, &slave, name, NULL, NULL), 0);
	p = serial_open(name);
	assert_non_null(p);
	assert_int_equal(serial_read(p, 50, out, sizeof(out)), 0);
	for (i = 0; i < 40; i++) {
		int len = gen_text(&g, i % 4 ? GEN_CCCD : gen_kind_for(
		    (unsigned)i), text, sizeof(text));
		int n;

		/* Half end with CR LF, a quarter with CR, a quarter with
		 * nothing (the quiet gap ends them). */
		n = snprintf(line, sizeof(line), "%s%s", text, i % 2 ? "\r\n" :
		    i % 4 == 0 ? "\r" : "");
		write_split(master, line, (size_t)n, &g, 64, i % 3 == 0 ? 10 :
		    0);
		r = serial_read(p, 2000, out, sizeof(out));
		assert_int_equal(r, len);
		assert_memory_equal(out, text, (size_t)len);
	}
	/* A scan too long is dropped; the good one right behind it, in the
	 * same read, is not. */
	{
		static char junk[3001];
		int len = gen_text(&g, GEN_CCCD, text, sizeof(text));

		memset(junk, 'X', 3000);
		junk[3000] = '\r';
		write_split(master, junk, sizeof(junk), &g, 500, 0);
		assert_int_equal(write(master, text, (size_t)len), len);
		assert_int_equal(write(master, "\r", 1), 1);
		r = serial_read(p, 2000, out, sizeof(out));
		assert_int_equal(r, len);
		assert_memory_equal(out, text, (size_t)len);
	}
	/* Unplugged: the read says so, and does not spin. */
	close(master);
	assert_int_equal(serial_read(p, 500, out, sizeof(out)), -1);
	serial_close(p);
	close(slave);
	/* Not a serial line. */
	assert_null(serial_open("/dev/null"));
	assert_null(serial_open("/nonexistent/ttyACM0"));
	gen_release(&g);
}

struct rig {
	char *dir, *db, *link;
	struct config cfg;
	struct key_pair auth;
	struct worker *w;
};

/* Wait for the next result; 0 when none came within MS. */
static int
next_result(struct worker *w, struct worker_event *ev, int ms)
{
	int64_t t0 = ktime_mono_ms();

	while (ktime_mono_ms() - t0 < ms) {
		if (worker_poll(w, ev) && ev->type == WORKER_RESULT)
			return 1;
		sleep_ms(5);
	}
	return 0;
}

/*
 * The kiosk's worker with --scanner serial:LINK: generated cards are
 * checked in with their Vietnamese names intact; the scanner is unplugged
 * (its device goes away) and plugged in again, and reading goes on.
 */
static void
test_worker_serial(void **state)
{
	struct worker_opts wo;
	struct worker_event ev;
	struct store_status st;
	struct store *s;
	struct gen g;
	struct rig r;
	char spec[600], name[256], text[2048];
	int master, slave, i, plug, accepted = 0;

	(void)state;
	assert_int_equal(gen_init(&g, 23), 0);
	r.dir = scratch_new();
	r.db = scratch_path(r.dir, "visits.db");
	r.link = scratch_path(r.dir, "ttyACM0");
	config_defaults(&r.cfg, r.db);
	keys_generate(KEY_X25519, &r.auth);
	memcpy(r.cfg.authority_pk, r.auth.pk, KEYS_PUB_LEN);
	r.cfg.have_authority = 1;
	snprintf(spec, sizeof(spec), "serial:%s", r.link);
	memset(&wo, 0, sizeof(wo));
	wo.db_path = r.db;
	wo.config = &r.cfg;
	wo.camera = "none";
	wo.scanner = spec;
	/* Started before the scanner is plugged in. */
	r.w = worker_start(&wo);
	assert_non_null(r.w);
	for (plug = 0; plug < 2; plug++) {
		assert_int_equal(openpty(&master, &slave, name, NULL, NULL), 0);
		unlink(r.link);
		assert_int_equal(symlink(name, r.link), 0);
		sleep_ms(1300);		/* the worker looks every second */
		for (i = 0; i < 10; i++) {
			int len = gen_text(&g, GEN_CCCD, text, sizeof(text));

			assert_true(len > 0);
			write_split(master, text, (size_t)len, &g, 100, 0);
			assert_int_equal(write(master, "\r\n", 2), 2);
			assert_true(next_result(r.w, &ev, 3000));
			if (ev.out.result != CHECKIN_ACCEPTED) {
				print_error("not accepted (%s): %s\n",
				    reason_code(ev.out.reason), text);
				fail();
			}
			/* The name as on the card, tone marks and all. */
			assert_non_null(strstr(text, ev.out.display));
			accepted++;
		}
		/* Unplugged. */
		close(master);
		close(slave);
		unlink(r.link);
		sleep_ms(300);
	}
	worker_stop(r.w);
	s = store_open(r.db);
	assert_non_null(s);
	assert_int_equal(store_status(s, ktime_wall_ms(), 21, &st), 0);
	assert_int_equal(st.visits_total, 20);
	assert_int_equal(accepted, 20);
	store_close(s);
	keys_wipe(&r.auth);
	gen_release(&g);
	free(r.db);
	free(r.link);
	scratch_free(r.dir);
}

#define LOST(s) payload_keyboard_lost((s), strlen(s))

/* What a US-keyboard scanner makes of a card: the letters are gone. */
static void
test_keyboard_lost(void **state)
{
	struct worker_opts wo;
	struct worker_event ev;
	struct rig r;

	(void)state;
	/* Letters dropped, or typed as '?': lost. */
	assert_true(LOST("079095001234|023456789|Nguyn Vn An|"
	    "14031995|Nam|12 ng S 1, P. Bn Ngh, Q.1, TP. H Ch Minh|20042021"));
	assert_true(LOST("079095001234||Nguy?n V?n An|14031995"
	    "|Nam|12 ???ng S? 1|20042021"));
	assert_true(LOST("079095001234|Nguyen Van An|14031995|"
	    "Nam|12 Le Loi|20042021"));
	/* A whole card, a phone number, PC-Covid codes (with a 12-digit
	 * document number too): not lost. */
	assert_false(LOST("341789199309|NGO MINH TUAN|1977-08-17|4|"
	    "q0000001204c934576258|ext63283"));
	assert_false(LOST("079095001234|023456789|Nguyễn Văn "
	    "An|14031995|Nam|12 Đường Số 1, P. Bến Nghé|20042021"));
	assert_false(LOST("0912345678"));
	assert_false(LOST("******104729|BUI MINH AN|1971-**-**"
	    "|1|q00000001efed85931761|ext88094"));

	r.dir = scratch_new();
	r.db = scratch_path(r.dir, "visits.db");
	config_defaults(&r.cfg, r.db);
	keys_generate(KEY_X25519, &r.auth);
	memcpy(r.cfg.authority_pk, r.auth.pk, KEYS_PUB_LEN);
	r.cfg.have_authority = 1;
	memset(&wo, 0, sizeof(wo));
	wo.db_path = r.db;
	wo.config = &r.cfg;
	wo.camera = "none";
	r.w = worker_start(&wo);
	assert_non_null(r.w);
	/* From the keyboard wedge: refused with the reason to use the
	 * camera. The same text typed on no scanner is a normal reject. */
	assert_int_equal(worker_submit(r.w, "079095001234|023456789|Nguyn Vn "
	    "An|14031995|Nam|12 ng S 1|20042021", "scanner"), 0);
	assert_true(next_result(r.w, &ev, 3000));
	assert_int_equal(ev.out.result, CHECKIN_REJECTED);
	assert_int_equal(ev.out.reason, REASON_SCANNER_KEYBOARD);
	/* A keyboard-mode scan that kept its letters goes through. */
	assert_int_equal(worker_submit(r.w, "0912345678", "scanner"), 0);
	assert_true(next_result(r.w, &ev, 3000));
	assert_int_equal(ev.out.result, CHECKIN_ACCEPTED);
	worker_stop(r.w);
	keys_wipe(&r.auth);
	free(r.db);
	scratch_free(r.dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frame),
		cmocka_unit_test(test_pty),
		cmocka_unit_test(test_worker_serial),
		cmocka_unit_test(test_keyboard_lost),
	};

	log_set_level(LOG_ERROR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
