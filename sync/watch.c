/*
 * watch: see watch.h. The connections are a list under one lock; a thread
 * looks at them four times a second and shuts down (SHUT_RDWR) the socket
 * of any whose request is late, which wakes the server's thread for it.
 */
#include "watch.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "ktime.h"
#include "log.h"

struct watch_conn {
	struct watch_conn *next, *prev;
	int fd;
	int64_t since_ms;	/* the current request's clock started */
	int answering;
	int cut;
};

struct watch {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_t thread;
	int stop;
	int64_t deadline_ms;
	int64_t cut;
	struct watch_conn *head;
};

static void *
run(void *arg)
{
	struct watch *w = arg;
	struct watch_conn *c;
	struct timespec ts;
	int64_t now;

	pthread_mutex_lock(&w->lock);
	while (!w->stop) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 250 * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		(void)pthread_cond_timedwait(&w->wake, &w->lock, &ts);
		now = ktime_mono_ms();
		for (c = w->head; c != NULL; c = c->next) {
			if (c->answering || c->cut ||
			    now - c->since_ms <= w->deadline_ms)
				continue;
			__atomic_store_n(&c->cut, 1, __ATOMIC_RELEASE);
			w->cut++;
			(void)shutdown(c->fd, SHUT_RDWR);
		}
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

struct watch *
watch_new(int64_t deadline_ms)
{
	struct watch *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return NULL;
	w->deadline_ms = deadline_ms;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->wake, NULL);
	if (pthread_create(&w->thread, NULL, run, w) != 0) {
		log_error("cannot start the request deadline watcher");
		pthread_cond_destroy(&w->wake);
		pthread_mutex_destroy(&w->lock);
		free(w);
		return NULL;
	}
	return w;
}

void
watch_free(struct watch *w)
{
	struct watch_conn *c, *next;

	if (w == NULL)
		return;
	pthread_mutex_lock(&w->lock);
	w->stop = 1;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	for (c = w->head; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	pthread_cond_destroy(&w->wake);
	pthread_mutex_destroy(&w->lock);
	free(w);
}

struct watch_conn *
watch_open(struct watch *w, int fd)
{
	struct watch_conn *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->fd = fd;
	c->since_ms = ktime_mono_ms();
	pthread_mutex_lock(&w->lock);
	c->next = w->head;
	if (w->head != NULL)
		w->head->prev = c;
	w->head = c;
	pthread_mutex_unlock(&w->lock);
	return c;
}

void
watch_close(struct watch *w, struct watch_conn *c)
{
	if (c == NULL)
		return;
	pthread_mutex_lock(&w->lock);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		w->head = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	pthread_mutex_unlock(&w->lock);
	free(c);
}

void
watch_answering(struct watch *w, struct watch_conn *c)
{
	if (c == NULL)
		return;
	pthread_mutex_lock(&w->lock);
	c->answering = 1;
	pthread_mutex_unlock(&w->lock);
}

void
watch_answered(struct watch *w, struct watch_conn *c)
{
	if (c == NULL)
		return;
	pthread_mutex_lock(&w->lock);
	c->answering = 0;
	c->since_ms = ktime_mono_ms();
	pthread_mutex_unlock(&w->lock);
}

int
watch_gone(struct watch_conn *c)
{
	char b;
	ssize_t n;

	if (c == NULL)
		return 0;
	if (__atomic_load_n(&c->cut, __ATOMIC_ACQUIRE))
		return 1;
	/* A request is read whole before it is answered: anything still
	 * readable is a next request, and end of file is a client gone. */
	n = recv(c->fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);
	return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK &&
	    errno != EINTR);
}

int64_t
watch_cut(struct watch *w)
{
	int64_t n;

	pthread_mutex_lock(&w->lock);
	n = w->cut;
	pthread_mutex_unlock(&w->lock);
	return n;
}
