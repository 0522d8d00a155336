/*
 * db_impl: what a collector storage backend provides (db.h is what the
 * server sees). Each backend's own struct begins with a struct db whose
 * ops point at its functions; db.c dispatches on the URL's scheme.
 */
#ifndef KIOSK_DB_IMPL_H
#define KIOSK_DB_IMPL_H

#include "db.h"

struct db_ops {
	const char *name;
	void (*close)(struct db *d);
	int (*token_put)(struct db *d, const char *hash, const char *role,
	    const char *ward, int64_t now_ms);
	int (*token_role)(struct db *d, const char *hash, char role[DB_ROLE_LEN],
	    char *ward, size_t size);
	int (*enroll)(struct db *d, const char *hash,
	    const struct db_device *dev, int64_t now_ms);
	int (*device_key)(struct db *d, const char *device_id,
	    unsigned char pk[KEYS_PUB_LEN]);
	int (*ingest)(struct db *d, const struct batch_header *h,
	    struct batch_visit *v, size_t n, int64_t now_ms,
	    struct db_ingest_res *res);
	int (*device_venue)(struct db *d, const char *device_id, char *name,
	    size_t size);
	int (*phone_checkin)(struct db *d, const char *device_id,
	    const char *kind, const char *subject, int64_t now_ms,
	    int64_t window_ms, char *venue_name, size_t size);
	int (*heartbeat)(struct db *d, const char *device_id,
	    const char *json, int64_t sent_at_ms, int64_t now_ms);
	char *(*stats)(struct db *d);
	int64_t (*purge)(struct db *d, int64_t before_ms);
	int (*visits)(struct db *d, const char *kind, const char *subject,
	    const char *venue_id, int64_t from_ms, int64_t to_ms,
	    struct db_visit **out, size_t *n);
	int (*audit_add)(struct db *d, int64_t at_ms, const char *who,
	    const char *action, const char *detail_json, int64_t results);
	char *(*audit_list)(struct db *d);
	int (*ward_devices)(struct db *d, const char *ward,
	    struct db_venue_status **out, size_t *n);
	int64_t (*count_visits)(struct db *d, const char *device_id,
	    int64_t from_ms, int64_t to_ms);
	int (*heartbeat_times)(struct db *d, const char *device_id,
	    int64_t from_ms, int64_t to_ms, int64_t **out, size_t *n);
	int (*inspection_add)(struct db *d, const char *device_id,
	    int64_t at_ms, const char *pass_id, const char *issuer,
	    int64_t now_ms);
	char *(*inspections)(struct db *d, const char *device_id,
	    int64_t from_ms, int64_t to_ms);
};

/* A growing array of visits for the backends' query loops. */
struct db_visit *db_visit_push(struct db_visit **v, size_t *n, size_t *cap);

struct db {
	const struct db_ops *ops;
};

/* The backends' constructors: NULL with a log line on failure. */
struct db *db_sqlite_open(const char *path);
struct db *db_pg_open(const char *conninfo);

#endif
