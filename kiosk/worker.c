/*
 * worker: capture and scan threads. See worker.h.
 *
 * Frames: the capture thread writes into a spare image and swaps it with
 * the "newest" slot under the lock; the scan thread takes the newest and
 * gives back its old one. Stale frames are dropped, never queued: the
 * kiosk always decodes what is in front of the camera now.
 */
#include "worker.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "config.h"
#include "decode.h"
#include "pass.h"
#include "ktime.h"
#include "log.h"
#include "pace.h"
#include "payload.h"
#include "serial.h"
#include "store.h"

#define TEXT_QUEUE 16
#define EVENT_QUEUE 64

struct text_item {
	char text[PAYLOAD_MAX_BYTES + 8];
	size_t len;
	char source[8];
	int hid;		/* typed by a scanner in keyboard mode */
	int64_t arrived_ms;
};

struct worker {
	struct worker_opts o;
	struct store *store;
	struct camera *cam;
	struct decoder *dec;
	pthread_t capture, scan, serial;
	int have_capture, have_scan, have_serial;
	int keyboard_warned;	/* said once: the scanner loses letters */

	pthread_mutex_t lock;
	pthread_cond_t wake;
	int stop;
	int scanning;		/* under lock: worker_set_scanning */
	struct pass_trust *new_trust;	/* under lock: worker_set_trust's */
	struct pass_trust *own_trust;	/* the scan thread's: in use, owned */
	struct pace pace;	/* the scan thread's */

	/* Frames (under lock). */
	struct image newest, spare;
	int64_t newest_ms;
	uint64_t newest_seq, taken_seq;
	int camera_ok, camera_done;

	/* Typed texts (under lock). */
	struct text_item texts[TEXT_QUEUE];
	size_t t_head, t_count;

	/* Events for the UI (under lock). */
	struct worker_event events[EVENT_QUEUE];
	size_t e_head, e_count;
};

static void
post(struct worker *w, const struct worker_event *ev)
{
	pthread_mutex_lock(&w->lock);
	if (w->e_count == EVENT_QUEUE) {
		/* The UI is not polling: drop the oldest, never block. */
		sodium_memzero(&w->events[w->e_head], sizeof(*ev));
		w->e_head = (w->e_head + 1) % EVENT_QUEUE;
		w->e_count--;
	}
	w->events[(w->e_head + w->e_count) % EVENT_QUEUE] = *ev;
	w->e_count++;
	pthread_mutex_unlock(&w->lock);
	if (w->o.notify != NULL)
		w->o.notify(w->o.notify_ctx);
}

static void
post_type(struct worker *w, enum worker_event_type t)
{
	struct worker_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = t;
	ev.done_ms = ktime_mono_ms();
	post(w, &ev);
}

static void *serial_main(void *arg);

/* Was the worker asked to stop? */
static int
stopping(struct worker *w)
{
	int r;

	pthread_mutex_lock(&w->lock);
	r = w->stop;
	pthread_mutex_unlock(&w->lock);
	return r;
}

static void *
capture_main(void *arg)
{
	struct worker *w = arg;
	struct image frame = { 0, 0, NULL };
	int64_t retry_at = 0;
	int r, lost_said = 0;

	for (;;) {
		int scanning;

		pthread_mutex_lock(&w->lock);
		while (!w->stop && !w->scanning) {
			/* Display mode: the camera is closed, its light off. */
			if (w->cam != NULL) {
				pthread_mutex_unlock(&w->lock);
				camera_close(w->cam);
				w->cam = NULL;
				log_info("camera off: display mode");
				pthread_mutex_lock(&w->lock);
				w->camera_ok = 0;
				continue;
			}
			pthread_cond_wait(&w->wake, &w->lock);
		}
		scanning = w->scanning;
		pthread_mutex_unlock(&w->lock);
		if (stopping(w) || !scanning)
			break;
		if (w->cam == NULL) {
			struct timespec ts = { 0, 200 * 1000000L };

			if (ktime_mono_ms() >= retry_at) {
				w->cam = camera_open(w->o.camera,
				    &w->o.camera_opts);
				retry_at = ktime_mono_ms() + 1000;
				if (w->cam != NULL) {
					log_info("camera on: %s",
					    camera_describe(w->cam));
					lost_said = 0;
					pthread_mutex_lock(&w->lock);
					w->camera_ok = 1;
					pthread_mutex_unlock(&w->lock);
					post_type(w, WORKER_CAMERA_OK);
				} else if (!lost_said) {
					lost_said = 1;
					post_type(w, WORKER_CAMERA_LOST);
				}
			}
			if (w->cam == NULL)
				nanosleep(&ts, NULL);
			continue;
		}
		r = camera_next(w->cam, &frame, 100);
		if (r == 1) {
			struct image t;

			pthread_mutex_lock(&w->lock);
			t = w->newest;
			w->newest = frame;
			frame = t;
			w->newest_ms = ktime_mono_ms();
			w->newest_seq++;
			pthread_cond_broadcast(&w->wake);
			pthread_mutex_unlock(&w->lock);
			if (w->o.notify != NULL)
				w->o.notify(w->o.notify_ctx);
		} else if (r == 2) {
			pthread_mutex_lock(&w->lock);
			w->camera_done = 1;
			pthread_cond_broadcast(&w->wake);
			pthread_mutex_unlock(&w->lock);
			break;
		} else if (r < 0) {
			camera_close(w->cam);
			w->cam = NULL;
			pthread_mutex_lock(&w->lock);
			w->camera_ok = 0;
			pthread_mutex_unlock(&w->lock);
			post_type(w, WORKER_CAMERA_LOST);
			lost_said = 1;
			retry_at = ktime_mono_ms() + 1000;
		}
	}
	image_release(&frame);
	return NULL;
}

static void
run_text(struct worker *w, const char *text, size_t len, const char *source,
    int hid, int64_t arrived_ms)
{
	struct checkin_ctx ctx = { w->store, w->o.config, w->o.trust };
	struct worker_event ev;

	if (w->o.on_text != NULL) {
		w->o.on_text(w->o.on_text_ctx, text, len);
		return;
	}
	/* The ward's newest pass list, taken between two texts. */
	pthread_mutex_lock(&w->lock);
	if (w->new_trust != NULL) {
		pass_trust_free(w->own_trust);
		w->own_trust = w->new_trust;
		w->new_trust = NULL;
	}
	pthread_mutex_unlock(&w->lock);
	if (w->own_trust != NULL)
		ctx.trust = w->own_trust;
	memset(&ev, 0, sizeof(ev));
	ev.arrived_ms = arrived_ms;
	if (hid && payload_keyboard_lost(text, len)) {
		/*
		 * A CCCD whose Vietnamese letters a keyboard-mode scanner
		 * could not type: the visitor is told to use the camera, the
		 * owner (log, admin screen) to switch the scanner to serial.
		 */
		if (!w->keyboard_warned)
			log_warn("the USB scanner is in keyboard mode and "
			    "loses Vietnamese letters on ID cards: set it to "
			    "USB serial (CDC-ACM) mode and start the kiosk "
			    "with --scanner serial:/dev/ttyACM0");
		w->keyboard_warned = 1;
		(void)store_count_reject(w->store,
		    reason_code(REASON_SCANNER_KEYBOARD), ktime_wall_ms());
		ev.type = WORKER_RESULT;
		ev.out.result = CHECKIN_REJECTED;
		ev.out.reason = REASON_SCANNER_KEYBOARD;
		ev.done_ms = ktime_mono_ms();
		post(w, &ev);
		return;
	}
	if (checkin_scan(&ctx, text, len, source, CHECKIN_NOW,
	    &ev.out) != 0)
		ev.type = WORKER_ERROR;
	else
		ev.type = WORKER_RESULT;
	ev.done_ms = ktime_mono_ms();
	post(w, &ev);
	sodium_memzero(&ev, sizeof(ev));
}

static void *
scan_main(void *arg)
{
	struct worker *w = arg;
	struct image frame = { 0, 0, NULL };
	struct decode_result res;
	struct text_item item;
	unsigned char last_hash[16] = { 0 };
	int64_t last_seen = 0, next_beat = 0, frame_ms;
	size_t i;
	int have_item, have_frame, done;

	for (;;) {
		int64_t now = ktime_mono_ms();

		if (now >= next_beat && w->store != NULL) {
			(void)store_heartbeat(w->store, ktime_wall_ms(), now);
			next_beat = now + (int64_t)w->o.heartbeat_s * 1000;
		}
		pthread_mutex_lock(&w->lock);
		while (!w->stop && w->t_count == 0 &&
		    w->newest_seq == w->taken_seq &&
		    !(w->camera_done)) {
			struct timespec ts;

			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_sec += 1;
			pthread_cond_timedwait(&w->wake, &w->lock, &ts);
			if (ktime_mono_ms() >= next_beat)
				break;
		}
		if (w->stop) {
			pthread_mutex_unlock(&w->lock);
			break;
		}
		have_item = have_frame = 0;
		/* Typed texts first: a person is waiting at the keypad. */
		if (w->t_count > 0) {
			item = w->texts[w->t_head];
			sodium_memzero(&w->texts[w->t_head], sizeof(item));
			w->t_head = (w->t_head + 1) % TEXT_QUEUE;
			w->t_count--;
			have_item = 1;
		} else if (w->newest_seq != w->taken_seq) {
			struct image t = w->newest;

			w->newest = frame;
			frame = t;
			frame_ms = w->newest_ms;
			w->taken_seq = w->newest_seq;
			have_frame = 1;
		}
		done = !have_item && !have_frame && w->camera_done;
		pthread_mutex_unlock(&w->lock);

		if (have_item) {
			run_text(w, item.text, item.len, item.source,
			    item.hid, item.arrived_ms);
			sodium_memzero(&item, sizeof(item));
		} else if (have_frame) {
			enum pace_verdict pv = pace_frame(&w->pace, &frame,
			    ktime_mono_ms());
			int found = pv == PACE_SKIP ? 0 : pv == PACE_FULL ?
			    decoder_scan_live(w->dec, &frame, &res) :
			    decoder_scan_quick(w->dec, &frame, &res);

			if (pv == PACE_SKIP)
				memset(&res, 0, sizeof(res));
			if (found > 0)
				pace_found(&w->pace, ktime_mono_ms());
			if (found > 0) {
				for (i = 0; i < res.n; i++) {
					unsigned char h[16];

					/*
					 * A code held in front of the camera
					 * is read frame after frame: handle
					 * it once while it stays in view.
					 */
					crypto_generichash(h, sizeof(h),
					    (unsigned char *)res.texts[i],
					    res.lens[i], NULL, 0);
					now = ktime_mono_ms();
					if (memcmp(h, last_hash, 16) == 0 &&
					    now - last_seen <
					    w->o.repeat_hold_ms) {
						last_seen = now;
						continue;
					}
					memcpy(last_hash, h, 16);
					last_seen = now;
					run_text(w, res.texts[i], res.lens[i],
					    "camera", 0, frame_ms);
					sodium_memzero(res.texts[i],
					    res.lens[i]);
				}
			}
			decode_result_release(&res);
		} else if (done) {
			post_type(w, WORKER_DONE);
			pthread_mutex_lock(&w->lock);
			w->camera_done = 0;	/* said once */
			pthread_mutex_unlock(&w->lock);
		}
	}
	image_release(&frame);
	return NULL;
}

struct worker *
worker_start(const struct worker_opts *opts)
{
	struct worker *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return NULL;
	w->o = *opts;
	if (w->o.heartbeat_s <= 0)
		w->o.heartbeat_s = 300;
	if (w->o.repeat_hold_ms <= 0)
		w->o.repeat_hold_ms = 5000;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->wake, NULL);
	w->scanning = !opts->display_only;
	pace_init(&w->pace);
	if (opts->on_text == NULL) {
		w->store = store_open_unchecked(opts->db_path);
		if (w->store == NULL)
			goto err;
		(void)store_event(w->store, "start", NULL, ktime_wall_ms());
	}
	w->dec = decoder_new();
	if (w->dec == NULL)
		goto err;
	if (pthread_create(&w->scan, NULL, scan_main, w) != 0)
		goto err;
	w->have_scan = 1;
	if (serial_spec_path(opts->scanner) != NULL) {
		if (pthread_create(&w->serial, NULL, serial_main, w) != 0)
			goto err;
		w->have_serial = 1;
	}
	if (opts->camera != NULL && !camera_spec_is_none(opts->camera)) {
		if (pthread_create(&w->capture, NULL, capture_main, w) != 0)
			goto err;
		w->have_capture = 1;
	}
	return w;
err:
	log_error("cannot start the scan worker");
	worker_stop(w);
	return NULL;
}

/* Queue LEN bytes of TEXT from SOURCE; 0, or -1 when the queue is full. */
static int
queue_text(struct worker *w, const char *text, size_t len,
    const char *source, int hid)
{
	struct text_item *it;
	int r = -1;

	pthread_mutex_lock(&w->lock);
	if (w->t_count < TEXT_QUEUE) {
		it = &w->texts[(w->t_head + w->t_count) % TEXT_QUEUE];
		/* Longer than the limit: cut one past it, refused as too long. */
		it->len = len > PAYLOAD_MAX_BYTES + 1 ? PAYLOAD_MAX_BYTES + 1 :
		    len;
		memcpy(it->text, text, it->len);
		it->text[it->len] = '\0';
		snprintf(it->source, sizeof(it->source), "%s", source);
		it->hid = hid;
		it->arrived_ms = ktime_mono_ms();
		w->t_count++;
		pthread_cond_broadcast(&w->wake);
		r = 0;
	}
	pthread_mutex_unlock(&w->lock);
	return r;
}

int
worker_submit(struct worker *w, const char *text, const char *source)
{
	/* From the UI a "scanner" text was typed by a keyboard wedge. */
	return queue_text(w, text, strlen(text), source,
	    strcmp(source, "scanner") == 0);
}

/*
 * The serial scanner's thread: open the device (again every second while
 * it is missing or after it went away), read scans, queue them.
 */
static void *
serial_main(void *arg)
{
	struct worker *w = arg;
	const char *path = serial_spec_path(w->o.scanner);
	struct serial_port *p = NULL;
	char code[SERIAL_MAX + 1];
	int64_t retry_at = 0;
	int r, said = 0;

	for (;;) {
		if (stopping(w))
			break;
		if (p == NULL) {
			struct timespec ts = { 0, 200 * 1000000L };

			if (ktime_mono_ms() >= retry_at) {
				struct stat st;
				int kind;

				retry_at = ktime_mono_ms() + 1000;
				/* 1 missing, 2 not a serial device, 3 one. */
				kind = stat(path, &st) != 0 ? 1 :
				    !S_ISCHR(st.st_mode) ? 2 : 3;
				if (kind == 3)
					p = serial_open(path);
				if (p != NULL) {
					log_info("serial scanner on: %s", path);
					said = 0;
				} else if (kind == 3) {
					/* There but unusable (logged by
					 * serial_open): look again less often. */
					retry_at = ktime_mono_ms() + 30000;
					said = 3;
				} else if (kind != said) {
					/* Said once, until things change. */
					if (kind == 1)
						log_warn("serial scanner '%s' "
						    "is not there (unplugged?); "
						    "trying again every second",
						    path);
					else if (kind == 2)
						log_error("serial scanner '%s' "
						    "is not a serial device: "
						    "check --scanner", path);
					said = kind;
				}
			}
			if (p == NULL)
				nanosleep(&ts, NULL);
			continue;
		}
		r = serial_read(p, 200, code, sizeof(code));
		if (r > 0) {
			if (queue_text(w, code, (size_t)r, "scanner", 0) != 0)
				log_warn("serial scanner: a scan was dropped "
				    "(the queue is full)");
			sodium_memzero(code, (size_t)r);
		} else if (r < 0) {
			/* Unplugged (reopened when it is back) or failing
			 * (reopened now). */
			serial_close(p);
			p = NULL;
			if (access(path, F_OK) != 0)
				retry_at = ktime_mono_ms() + 1000;
		}
	}
	serial_close(p);
	return NULL;
}

int
worker_poll(struct worker *w, struct worker_event *ev)
{
	int r = 0;

	pthread_mutex_lock(&w->lock);
	if (w->e_count > 0) {
		*ev = w->events[w->e_head];
		sodium_memzero(&w->events[w->e_head], sizeof(*ev));
		w->e_head = (w->e_head + 1) % EVENT_QUEUE;
		w->e_count--;
		r = 1;
	}
	pthread_mutex_unlock(&w->lock);
	return r;
}

int
worker_preview(struct worker *w, struct image *frame, uint64_t *seq)
{
	int r = 0;

	pthread_mutex_lock(&w->lock);
	if (w->newest_seq != *seq && w->newest.px != NULL) {
		if (frame->w != w->newest.w || frame->h != w->newest.h) {
			image_release(frame);
			if (image_init(frame, w->newest.w, w->newest.h) != 0)
				goto out;
		}
		memcpy(frame->px, w->newest.px,
		    (size_t)frame->w * (size_t)frame->h);
		*seq = w->newest_seq;
		r = 1;
	}
out:
	pthread_mutex_unlock(&w->lock);
	return r;
}

void
worker_set_trust(struct worker *w, struct pass_trust *t)
{
	pthread_mutex_lock(&w->lock);
	pass_trust_free(w->new_trust);
	w->new_trust = t;
	pthread_mutex_unlock(&w->lock);
}

void
worker_set_scanning(struct worker *w, int on)
{
	pthread_mutex_lock(&w->lock);
	w->scanning = on != 0;
	pthread_cond_broadcast(&w->wake);
	pthread_mutex_unlock(&w->lock);
}

int
worker_camera_ok(struct worker *w)
{
	int r;

	pthread_mutex_lock(&w->lock);
	r = w->camera_ok;
	pthread_mutex_unlock(&w->lock);
	return r;
}

void
worker_stop(struct worker *w)
{
	if (w == NULL)
		return;
	pthread_mutex_lock(&w->lock);
	w->stop = 1;
	pthread_cond_broadcast(&w->wake);
	pthread_mutex_unlock(&w->lock);
	if (w->have_capture)
		pthread_join(w->capture, NULL);
	if (w->have_serial)
		pthread_join(w->serial, NULL);
	if (w->have_scan)
		pthread_join(w->scan, NULL);
	if (w->store != NULL)
		(void)store_event(w->store, "stop", NULL, ktime_wall_ms());
	camera_close(w->cam);
	decoder_free(w->dec);
	store_close(w->store);
	pass_trust_free(w->new_trust);
	pass_trust_free(w->own_trust);
	image_release(&w->newest);
	image_release(&w->spare);
	sodium_memzero(w->texts, sizeof(w->texts));
	pthread_cond_destroy(&w->wake);
	pthread_mutex_destroy(&w->lock);
	free(w);
}
