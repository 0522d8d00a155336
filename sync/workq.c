/*
 * workq: see workq.h. A ring of items under one lock and a condition the
 * workers wait on.
 */
#include "workq.h"

#include <pthread.h>
#include <stdlib.h>

#include "log.h"

struct item {
	void (*run)(void *);
	void (*drop)(void *);
	void *arg;
};

struct workq {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct item *ring;
	size_t cap, head, n;
	pthread_t *threads;
	int nthreads;
	int stop;
};

static void *
worker(void *arg)
{
	struct workq *q = arg;
	struct item it;

	pthread_mutex_lock(&q->lock);
	for (;;) {
		while (q->n == 0 && !q->stop)
			pthread_cond_wait(&q->wake, &q->lock);
		if (q->stop)
			break;
		it = q->ring[q->head];
		q->head = (q->head + 1) % q->cap;
		q->n--;
		pthread_mutex_unlock(&q->lock);
		it.run(it.arg);
		pthread_mutex_lock(&q->lock);
	}
	pthread_mutex_unlock(&q->lock);
	return NULL;
}

struct workq *
workq_new(int workers, size_t capacity)
{
	struct workq *q = calloc(1, sizeof(*q));
	int i;

	if (q == NULL)
		return NULL;
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->wake, NULL);
	q->cap = capacity > 0 ? capacity : 1;
	q->ring = calloc(q->cap, sizeof(*q->ring));
	q->threads = calloc((size_t)workers, sizeof(*q->threads));
	if (q->ring == NULL || q->threads == NULL) {
		workq_free(q);
		return NULL;
	}
	for (i = 0; i < workers; i++) {
		if (pthread_create(&q->threads[i], NULL, worker, q) != 0) {
			log_error("cannot start worker %d of %d", i + 1,
			    workers);
			workq_free(q);
			return NULL;
		}
		q->nthreads++;
	}
	return q;
}

void
workq_free(struct workq *q)
{
	int i;

	if (q == NULL)
		return;
	pthread_mutex_lock(&q->lock);
	q->stop = 1;
	pthread_cond_broadcast(&q->wake);
	pthread_mutex_unlock(&q->lock);
	for (i = 0; i < q->nthreads; i++)
		pthread_join(q->threads[i], NULL);
	while (q->n > 0) {
		struct item *it = &q->ring[q->head];

		if (it->drop != NULL)
			it->drop(it->arg);
		q->head = (q->head + 1) % q->cap;
		q->n--;
	}
	free(q->threads);
	free(q->ring);
	pthread_cond_destroy(&q->wake);
	pthread_mutex_destroy(&q->lock);
	free(q);
}

int
workq_push(struct workq *q, void (*run)(void *), void (*drop)(void *),
    void *arg)
{
	int rc = -1;

	pthread_mutex_lock(&q->lock);
	if (q->n < q->cap && !q->stop) {
		q->ring[(q->head + q->n) % q->cap] = (struct item){ run, drop,
		    arg };
		q->n++;
		pthread_cond_signal(&q->wake);
		rc = 0;
	}
	pthread_mutex_unlock(&q->lock);
	return rc;
}

size_t
workq_waiting(struct workq *q)
{
	size_t n;

	pthread_mutex_lock(&q->lock);
	n = q->n;
	pthread_mutex_unlock(&q->lock);
	return n;
}
