/*
 * watch: a deadline for every request a connection sends, whatever pace
 * it sends at. libmicrohttpd's own timeout is per read: a client sending
 * one header line every 20 s could hold a connection (and, 64 of them,
 * every connection its address may have) for ever. Here a request must
 * have arrived whole within the deadline from when the connection opened
 * or its previous answer went out; past it, the connection is shut down.
 * While the collector answers (a trace has its own time budget) the clock
 * is stopped. Also says whether the client has gone, so long work stops.
 */
#ifndef KIOSK_WATCH_H
#define KIOSK_WATCH_H

#include <stdint.h>

struct watch;
struct watch_conn;

/*
 * watch_new(deadline_ms): a watcher with its own thread, or NULL (logged).
 * watch_free(w): stop it and free it (after the server stopped); NULL
 * does nothing.
 */
struct watch *watch_new(int64_t deadline_ms);
void watch_free(struct watch *w);

/*
 * watch_open(w, fd): watch a new connection on socket FD; its handle, or
 * NULL when out of memory (the connection is then not watched).
 * watch_close(w, c): forget C (its connection closed); NULL does nothing.
 */
struct watch_conn *watch_open(struct watch *w, int fd);
void watch_close(struct watch *w, struct watch_conn *c);

/*
 * watch_answering(w, c): the request arrived whole; the clock stops.
 * watch_answered(w, c): its answer went out; the next request's clock
 * starts. Both do nothing for NULL.
 */
void watch_answering(struct watch *w, struct watch_conn *c);
void watch_answered(struct watch *w, struct watch_conn *c);

/* watch_gone(c): 1 when C's client closed its end (or it was cut), 0. */
int watch_gone(struct watch_conn *c);

/* watch_cut(w): how many connections the deadline cut so far. */
int64_t watch_cut(struct watch *w);

#endif
