/*
 * worker: the kiosk's work off the UI thread.
 *
 *   capture thread  pulls frames from the camera, keeps only the newest,
 *                   reopens a camera that went away (every second)
 *   scan thread     decodes the newest frame (bounded work per frame),
 *                   runs each new text, and each text typed on the
 *                   scanner or keypad, through checkin_scan(), records
 *                   heartbeats
 *
 * The UI thread hands texts in with worker_submit() and takes results out
 * with worker_poll(), both without blocking; it never waits for the
 * camera, zbar or an fsync. The worker owns its own store handle.
 */
#ifndef KIOSK_WORKER_H
#define KIOSK_WORKER_H

#include <stdint.h>

#include "camera.h"
#include "checkin.h"
#include "image.h"

struct config;
struct pass_trust;
struct worker;

struct worker_opts {
	const char *db_path;
	const struct config *config;
	const struct pass_trust *trust;
	const char *camera;		/* camera spec; "none" for none */
	const char *scanner;		/* "serial:PATH", or NULL: keyboard mode */
	struct camera_opts camera_opts;
	int heartbeat_s;		/* default 300 */
	int repeat_hold_ms;		/* same code in view: ignore (default 5000) */
	int display_only;		/* 1: no camera, no decoder (display
					 * mode) until worker_set_scanning */
	/* Called (on a worker thread) when an event or a camera frame is
	 * ready for worker_poll / worker_preview: the UI's loop sleeps until
	 * then. May be NULL. */
	void (*notify)(void *ctx);
	void *notify_ctx;
	/* Set-up mode: every text read or typed goes to ON_TEXT (on the
	 * worker's thread) instead of a check-in; no store is opened. */
	void (*on_text)(void *ctx, const char *text, size_t len);
	void *on_text_ctx;
};

enum worker_event_type {
	WORKER_RESULT,		/* a check-in outcome: ev.out */
	WORKER_CAMERA_LOST,	/* the camera went away */
	WORKER_CAMERA_OK,	/* the camera is (back) on */
	WORKER_ERROR,		/* the store failed: nothing was recorded */
	WORKER_DONE		/* dir camera: every file handled */
};

struct worker_event {
	enum worker_event_type type;
	struct checkin_out out;
	int64_t arrived_ms;	/* monotonic: frame captured / text typed */
	int64_t done_ms;	/* monotonic: outcome durable */
};

/*
 * worker_start(opts):
 * Open the store, the camera (if any) and start the threads. A camera
 * that cannot be opened yet is retried, not fatal. Returns the worker
 * (stop with worker_stop), or NULL with a logged reason.
 */
struct worker *worker_start(const struct worker_opts *opts);

/*
 * worker_submit(w, text, source):
 * Queue a typed TEXT (scanner or keypad) for check-in. The text is copied
 * and wiped after use. Returns 0, or -1 when the queue is full.
 */
int worker_submit(struct worker *w, const char *text, const char *source);

/*
 * worker_set_trust(w, t):
 * From the next text on, check passes against T (the ward's new pass
 * list): the worker owns T from now on and frees it when it is replaced
 * or the worker stops. The trust in the options stays the caller's.
 */
void worker_set_trust(struct worker *w, struct pass_trust *t);

/*
 * worker_poll(w, ev):
 * Take the next event into *EV. Returns 1, or 0 when there is none.
 */
int worker_poll(struct worker *w, struct worker_event *ev);

/*
 * worker_preview(w, frame, seq):
 * Copy the newest camera frame into FRAME if it is newer than *SEQ
 * (updated). Returns 1 when copied, 0 when there is nothing new.
 */
int worker_preview(struct worker *w, struct image *frame, uint64_t *seq);

/*
 * worker_set_scanning(w, on):
 * Whether the camera is read and decoded: off in display mode (the screen
 * shows the venue's QR for phones; the camera is closed, nothing is
 * decoded), on in scan and both modes. The scanner and keypad work
 * either way.
 */
void worker_set_scanning(struct worker *w, int on);

/* worker_camera_ok(w): 1 while frames are coming, 0 while lost or none. */
int worker_camera_ok(struct worker *w);

/* worker_stop(w): stop the threads, record nothing more, free W. */
void worker_stop(struct worker *w);

#endif
