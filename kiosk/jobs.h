/*
 * jobs: the screens' slow work, on one thread of its own, so that the UI
 * thread never waits for the disk or a key: the admin PIN check (Argon2),
 * the purge, the patrol's figures (PRAGMA quick_check) and signed receipt,
 * the status counts, the venue token for a time slot, the record of a
 * settings change.
 *
 * The screens ask (a SCREEN_REQ_JOB request, screen.h); jobs_post()
 * queues it; the thread runs the hook; jobs_poll() hands the outcome back
 * for a SCREEN_EV_JOB event. One job at a time, in the order asked. No SDL,
 * no store of its own: the hooks do the work, on the jobs thread, and must
 * not share anything with the UI thread that is not locked (kiosk.c gives
 * them a store handle only they use).
 *
 * In manual mode (tests) there is no thread: jobs run when jobs_settle()
 * is called, on the caller's thread, so a test sees the "checking..."
 * screen before it lets the job finish.
 */
#ifndef KIOSK_JOBS_H
#define KIOSK_JOBS_H

#include <stddef.h>
#include <stdint.h>

#include "screen.h"

/* The work itself; each is called on the jobs thread. NULL: fails. */
struct jobs_hooks {
	void *data;
	/* Counts for the ready and admin screens; 0 or -1. */
	int (*status)(void *data, struct screen_status *out);
	/* Compliance figures and a signed receipt; 0 or -1 (the figures
	 * filled so far are shown, without a receipt). */
	int (*patrol)(void *data, struct screen_patrol *out);
	/* Purge old uploaded visits; how many, or -1 (nothing deleted). */
	int64_t (*purge)(void *data);
	/* 1 if PIN opens the admin screen, else 0. */
	int (*check_pin)(void *data, const char *pin);
	/* The signed venue URL for time slot SLOT; 0 or -1. */
	int (*venue_url)(void *data, int64_t slot, char *out, size_t size);
	/* The mode or language changed on the admin screen (record it). */
	void (*changed)(void *data, enum screen_mode mode, const char *lang);
	/* Set-up: PIN is the new admin PIN (hash it, keep it); 0 or -1. */
	int (*set_pin)(void *data, const char *pin);
};

struct jobs;

/*
 * jobs_start(hooks, manual):
 * A job queue running HOOKS (copied) on a thread of its own, or with
 * MANUAL set, in jobs_settle() only. Returns it (stop with jobs_stop), or
 * NULL with a logged reason (no memory, no thread).
 */
struct jobs *jobs_start(const struct jobs_hooks *hooks, int manual);

/*
 * jobs_post(j, rq):
 * Queue the job RQ asks for (copied; a PIN in it is wiped once checked).
 * Returns 0, or -1 (logged) when the queue is full or RQ is not a job: the
 * job will not run, and the caller must treat it as failed.
 */
int jobs_post(struct jobs *j, const struct screen_request *rq);

/*
 * jobs_poll(j, out):
 * Move the oldest finished job's outcome into OUT. Returns 1, or 0 when
 * none has finished. Never waits.
 */
int jobs_poll(struct jobs *j, struct screen_job_done *out);

/*
 * jobs_settle(j):
 * Wait until every job posted so far has finished (in manual mode: run
 * them, here). For tests and shutdown; the UI loop never calls it.
 */
void jobs_settle(struct jobs *j);

/*
 * jobs_stop(j):
 * Let the running job finish, and the queued ones that record something
 * (PIN check, purge, settings); drop the queued reads (status, patrol,
 * venue) and the outcomes not polled, wiped. Stops the thread and frees
 * J. NULL does nothing.
 */
void jobs_stop(struct jobs *j);

#endif
