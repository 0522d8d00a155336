/*
 * db: the storage interface's front (db.h). Picks the backend from the
 * URL, hashes tokens (no backend ever sees one in clear) and forwards.
 */
#include "db_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "ktime.h"
#include "log.h"

static void
token_hash(const char *token, char out[65])
{
	unsigned char h[32];

	crypto_generichash(h, sizeof(h), (const unsigned char *)token,
	    strlen(token), NULL, 0);
	sodium_bin2hex(out, 65, h, sizeof(h));
}

struct db *
db_open(const char *url)
{
	if (sodium_init() < 0) {
		log_error("libsodium could not start");
		return NULL;
	}
	if (strncmp(url, "postgresql://", 13) == 0 ||
	    strncmp(url, "postgres://", 11) == 0)
		return db_pg_open(url);
	if (strncmp(url, "sqlite:", 7) == 0 && url[7] != '\0')
		return db_sqlite_open(url + 7);
	log_error("bad --db '%s': want sqlite:PATH or "
	    "postgresql://USER@HOST:PORT/DBNAME", url);
	return NULL;
}

void
db_close(struct db *d)
{
	if (d != NULL)
		d->ops->close(d);
}

const char *
db_backend(const struct db *d)
{
	return d->ops->name;
}

int
db_token_new(struct db *d, const char *role, const char *ward,
    char out[DB_TOKEN_LEN + 1])
{
	unsigned char rnd[32];
	char hash[65];

	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2base64(out, DB_TOKEN_LEN + 1, rnd, sizeof(rnd),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(rnd, sizeof(rnd));
	token_hash(out, hash);
	return d->ops->token_put(d, hash, role, ward, ktime_wall_ms());
}

int
db_token_role(struct db *d, const char *token, char role[DB_ROLE_LEN], char *ward,
    size_t size)
{
	char hash[65];

	token_hash(token, hash);
	return d->ops->token_role(d, hash, role, ward, size);
}

int
db_enroll(struct db *d, const char *token, const struct db_device *dev)
{
	char hash[65];

	token_hash(token, hash);
	return d->ops->enroll(d, hash, dev, ktime_wall_ms());
}

int
db_device_key(struct db *d, const char *device_id,
    unsigned char pk[KEYS_PUB_LEN])
{
	return d->ops->device_key(d, device_id, pk);
}

int
db_ingest(struct db *d, const struct batch_header *h, struct batch_visit *v,
    size_t n, int64_t now_ms, struct db_ingest_res *res)
{
	return d->ops->ingest(d, h, v, n, now_ms, res);
}

int
db_device_venue(struct db *d, const char *device_id, char *name, size_t size)
{
	return d->ops->device_venue(d, device_id, name, size);
}

int
db_phone_checkin(struct db *d, const char *device_id, const char *kind,
    const char *subject, int64_t now_ms, int64_t window_ms,
    char *venue_name, size_t size)
{
	return d->ops->phone_checkin(d, device_id, kind, subject, now_ms,
	    window_ms, venue_name, size);
}

int
db_heartbeat(struct db *d, const char *device_id, const char *json,
    int64_t sent_at_ms, int64_t now_ms)
{
	return d->ops->heartbeat(d, device_id, json, sent_at_ms, now_ms);
}

char *
db_stats(struct db *d)
{
	return d->ops->stats(d);
}

int64_t
db_purge(struct db *d, int64_t before_ms)
{
	return d->ops->purge(d, before_ms);
}

int
db_visits_subject(struct db *d, const char *kind, const char *subject,
    int64_t from_ms, int64_t to_ms, struct db_visit **out, size_t *n)
{
	return d->ops->visits(d, kind, subject, NULL, from_ms, to_ms, out, n);
}

int
db_visits_venue(struct db *d, const char *venue_id, int64_t from_ms,
    int64_t to_ms, struct db_visit **out, size_t *n)
{
	return d->ops->visits(d, NULL, NULL, venue_id, from_ms, to_ms, out, n);
}

void
db_visits_free(struct db_visit *v, size_t n)
{
	size_t i;

	for (i = 0; v != NULL && i < n; i++)
		free(v[i].sealed);
	free(v);
}

struct db_visit *
db_visit_push(struct db_visit **v, size_t *n, size_t *cap)
{
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 64;
		struct db_visit *p = realloc(*v, c * sizeof(*p));

		if (p == NULL)
			return NULL;
		*v = p;
		*cap = c;
	}
	memset(&(*v)[*n], 0, sizeof(**v));
	return &(*v)[(*n)++];
}

int
db_audit_add(struct db *d, int64_t at_ms, const char *who, const char *action,
    const char *detail_json, int64_t results)
{
	return d->ops->audit_add(d, at_ms, who, action, detail_json, results);
}

char *
db_audit_list(struct db *d)
{
	return d->ops->audit_list(d);
}

int
db_ward_devices(struct db *d, const char *ward, struct db_venue_status **out,
    size_t *n)
{
	return d->ops->ward_devices(d, ward, out, n);
}

int64_t
db_count_visits(struct db *d, const char *device_id, int64_t from_ms,
    int64_t to_ms)
{
	return d->ops->count_visits(d, device_id, from_ms, to_ms);
}

int
db_heartbeat_times(struct db *d, const char *device_id, int64_t from_ms,
    int64_t to_ms, int64_t **out, size_t *n)
{
	return d->ops->heartbeat_times(d, device_id, from_ms, to_ms, out, n);
}

int
db_inspection_add(struct db *d, const char *device_id, int64_t at_ms,
    const char *pass_id, const char *issuer, int64_t now_ms)
{
	return d->ops->inspection_add(d, device_id, at_ms, pass_id, issuer,
	    now_ms);
}

char *
db_inspections(struct db *d, const char *device_id, int64_t from_ms,
    int64_t to_ms)
{
	return d->ops->inspections(d, device_id, from_ms, to_ms);
}
