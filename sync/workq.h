/*
 * workq: a bounded queue of work and the threads that do it. The HTTP
 * threads (libmicrohttpd's epoll pool) only read requests and write
 * answers; what touches the store runs here, on as many workers as the
 * store has connections. When the queue is full a push is refused at
 * once: the caller answers 503 with Retry-After (back-pressure), rather
 * than holding a connection open for work that cannot start.
 */
#ifndef KIOSK_WORKQ_H
#define KIOSK_WORKQ_H

#include <stddef.h>

struct workq;

/*
 * workq_new(workers, capacity): WORKERS threads over a queue of at most
 * CAPACITY waiting items. NULL (logged) when they cannot start.
 * workq_free(q): let the running items finish, drop the waiting ones
 * (each DROP(ARG) is called for them; see workq_push) and free Q; NULL
 * does nothing.
 */
struct workq *workq_new(int workers, size_t capacity);
void workq_free(struct workq *q);

/*
 * workq_push(q, run, drop, arg): RUN(ARG) on a worker, in order; DROP(ARG)
 * instead if Q is freed before it ran. Returns 0, or -1 when the queue is
 * full (nothing queued).
 */
int workq_push(struct workq *q, void (*run)(void *), void (*drop)(void *),
    void *arg);

/* workq_waiting(q): items waiting now (for the log and the tests). */
size_t workq_waiting(struct workq *q);

#endif
