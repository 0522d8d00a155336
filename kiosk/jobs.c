/*
 * jobs: the screens' slow work on a thread. See jobs.h.
 *
 * Two queues under one lock: jobs asked for (run in order by the thread,
 * or by jobs_settle() in manual mode) and outcomes (taken by jobs_poll()).
 * A PIN is wiped from the queue as soon as it is taken, and from the
 * thread's copy once checked.
 */
#include "jobs.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "log.h"

#define JOBS_QUEUE 16
#define JOBS_DONE (2 * JOBS_QUEUE)

struct jobs {
	struct jobs_hooks h;
	int manual;
	pthread_t thread;
	int have_thread;

	pthread_mutex_t lock;
	pthread_cond_t wake;		/* a job queued, or stop */
	pthread_cond_t idle;		/* a job finished */
	int stop, running;

	struct screen_request q[JOBS_QUEUE];
	size_t q_head, q_count;
	struct screen_job_done d[JOBS_DONE];
	size_t d_head, d_count;
};

/* Run the job RQ asks for into D, on this thread. */
static void
run(const struct jobs_hooks *h, const struct screen_request *rq,
    struct screen_job_done *d)
{
	memset(d, 0, sizeof(*d));
	d->job = rq->job;
	d->id = rq->id;
	d->rc = -1;
	switch (rq->job) {
	case SCREEN_JOB_STATUS:
		if (h->status != NULL)
			d->rc = h->status(h->data, &d->status);
		break;
	case SCREEN_JOB_PATROL:
		if (h->patrol != NULL)
			d->rc = h->patrol(h->data, &d->patrol);
		break;
	case SCREEN_JOB_PURGE:
		if (h->purge != NULL) {
			d->n = h->purge(h->data);
			d->rc = d->n < 0 ? -1 : 0;
		}
		break;
	case SCREEN_JOB_PIN:
		if (h->check_pin != NULL) {
			d->n = h->check_pin(h->data, rq->text) != 0;
			d->rc = 0;
		}
		break;
	case SCREEN_JOB_VENUE:
		d->n = rq->slot;
		if (h->venue_url != NULL)
			d->rc = h->venue_url(h->data, rq->slot, d->url,
			    sizeof(d->url));
		break;
	case SCREEN_JOB_SET_PIN:
		if (h->set_pin != NULL)
			d->rc = h->set_pin(h->data, rq->text);
		break;
	case SCREEN_JOB_SETTINGS:
		if (h->changed != NULL) {
			h->changed(h->data, rq->mode, rq->lang != NULL ?
			    rq->lang : "vi");
			d->rc = 0;
		}
		break;
	}
	if (d->rc != 0)
		d->rc = -1;
}

/* Take the oldest queued job into RQ (under the lock); 0 when none. */
static int
take(struct jobs *j, struct screen_request *rq)
{
	if (j->q_count == 0)
		return 0;
	*rq = j->q[j->q_head];
	sodium_memzero(&j->q[j->q_head], sizeof(*rq));
	j->q_head = (j->q_head + 1) % JOBS_QUEUE;
	j->q_count--;
	return 1;
}

/* Keep D's outcome for jobs_poll() (under the lock). */
static void
keep(struct jobs *j, const struct screen_job_done *d)
{
	if (j->d_count == JOBS_DONE) {
		/* The UI is not polling: drop the oldest, never block. */
		log_warn("jobs: %d outcomes not taken; the oldest is dropped",
		    JOBS_DONE);
		sodium_memzero(&j->d[j->d_head], sizeof(*d));
		j->d_head = (j->d_head + 1) % JOBS_DONE;
		j->d_count--;
	}
	j->d[(j->d_head + j->d_count) % JOBS_DONE] = *d;
	j->d_count++;
}

/* Run the queued jobs until there are none (or, threaded, until stop). */
static void
work(struct jobs *j)
{
	struct screen_request rq;
	struct screen_job_done d;

	pthread_mutex_lock(&j->lock);
	for (;;) {
		while (!j->manual && !j->stop && j->q_count == 0)
			pthread_cond_wait(&j->wake, &j->lock);
		if (!take(j, &rq))
			break;	/* manual: all run; threaded: stopping */
		j->running = 1;
		pthread_mutex_unlock(&j->lock);
		run(&j->h, &rq, &d);
		sodium_memzero(&rq, sizeof(rq));
		pthread_mutex_lock(&j->lock);
		keep(j, &d);
		sodium_memzero(&d, sizeof(d));
		j->running = 0;
		pthread_cond_broadcast(&j->idle);
	}
	pthread_mutex_unlock(&j->lock);
}

static void *
jobs_main(void *arg)
{
	work(arg);
	return NULL;
}

struct jobs *
jobs_start(const struct jobs_hooks *hooks, int manual)
{
	struct jobs *j = calloc(1, sizeof(*j));

	if (j == NULL) {
		log_error("jobs: out of memory");
		return NULL;
	}
	j->h = *hooks;
	j->manual = manual;
	pthread_mutex_init(&j->lock, NULL);
	pthread_cond_init(&j->wake, NULL);
	pthread_cond_init(&j->idle, NULL);
	if (!manual) {
		if (pthread_create(&j->thread, NULL, jobs_main, j) != 0) {
			log_error("jobs: cannot start the thread");
			jobs_stop(j);
			return NULL;
		}
		j->have_thread = 1;
	}
	return j;
}

int
jobs_post(struct jobs *j, const struct screen_request *rq)
{
	int r = -1;

	if (rq->type != SCREEN_REQ_JOB) {
		log_error("jobs: a request that is not a job");
		return -1;
	}
	pthread_mutex_lock(&j->lock);
	if (j->q_count < JOBS_QUEUE) {
		j->q[(j->q_head + j->q_count) % JOBS_QUEUE] = *rq;
		j->q_count++;
		pthread_cond_signal(&j->wake);
		r = 0;
	}
	pthread_mutex_unlock(&j->lock);
	if (r != 0)
		log_warn("jobs: %d jobs waiting; one more is dropped",
		    JOBS_QUEUE);
	return r;
}

int
jobs_poll(struct jobs *j, struct screen_job_done *out)
{
	int r = 0;

	pthread_mutex_lock(&j->lock);
	if (j->d_count > 0) {
		*out = j->d[j->d_head];
		sodium_memzero(&j->d[j->d_head], sizeof(*out));
		j->d_head = (j->d_head + 1) % JOBS_DONE;
		j->d_count--;
		r = 1;
	}
	pthread_mutex_unlock(&j->lock);
	return r;
}

void
jobs_settle(struct jobs *j)
{
	if (j->manual) {
		work(j);
		return;
	}
	pthread_mutex_lock(&j->lock);
	while (j->q_count > 0 || j->running)
		pthread_cond_wait(&j->idle, &j->lock);
	pthread_mutex_unlock(&j->lock);
}

/* Drop the queued reads: no one will see their outcome (under the lock). */
static void
drop_reads(struct jobs *j)
{
	struct screen_request keep_q[JOBS_QUEUE];
	size_t n = 0;
	struct screen_request rq;

	while (take(j, &rq)) {
		if (rq.job == SCREEN_JOB_PIN || rq.job == SCREEN_JOB_PURGE ||
		    rq.job == SCREEN_JOB_SETTINGS ||
		    rq.job == SCREEN_JOB_SET_PIN)
			keep_q[n++] = rq;
		sodium_memzero(&rq, sizeof(rq));
	}
	memcpy(j->q, keep_q, n * sizeof(keep_q[0]));
	j->q_head = 0;
	j->q_count = n;
	sodium_memzero(keep_q, sizeof(keep_q));
}

void
jobs_stop(struct jobs *j)
{
	if (j == NULL)
		return;
	pthread_mutex_lock(&j->lock);
	drop_reads(j);
	j->stop = 1;
	pthread_cond_broadcast(&j->wake);
	pthread_mutex_unlock(&j->lock);
	if (j->have_thread)
		pthread_join(j->thread, NULL);
	else
		work(j);
	pthread_cond_destroy(&j->idle);
	pthread_cond_destroy(&j->wake);
	pthread_mutex_destroy(&j->lock);
	sodium_memzero(j, sizeof(*j));
	free(j);
}
