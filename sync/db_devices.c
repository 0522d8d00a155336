/*
 * db_devices: tokens, enrolment and the devices' keys (db.h), written once
 * for every backend. An enrolment token is bound to a ward and, when the
 * ward names it, a venue: the kiosk enrolled with it gets them from the
 * token and is refused when it declares others. A venue id belongs to one
 * ward; a device id to one key; a revoked key stays revoked.
 */
#include "db_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "ktime.h"
#include "log.h"
#include "wardname.h"

void
db_token_hash(const char *token, char out[65])
{
	unsigned char h[32];

	crypto_generichash(h, sizeof(h), (const unsigned char *)token,
	    strlen(token), NULL, 0);
	sodium_bin2hex(out, 65, h, sizeof(h));
}

/* A new token for ROLE, bound to B's ward and venue fields (NULL: none). */
static int
token_new(struct db *d, const char *role, const struct wire_device *b,
    int64_t expires_ms, char out[DB_TOKEN_LEN + 1])
{
	unsigned char rnd[32];
	char hash[65];
	struct db_arg a[8];

	/* A coordinator's kiosks upload to their ward's district: a ward
	 * in none would wait for ever. */
	if (d->shards != NULL && strcmp(role, "device-enrolment") == 0 &&
	    b != NULL && shards_district(d, b->ward) == NULL) {
		log_error("ward '%s' is in no district of this coordinator's "
		    "shards: add it to one (collector init --shards FILE) "
		    "before enrolling its kiosks", b->ward);
		return -1;
	}
	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2base64(out, DB_TOKEN_LEN + 1, rnd, sizeof(rnd),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(rnd, sizeof(rnd));
	db_token_hash(out, hash);
	a[0] = DB_T(hash);
	a[1] = DB_T(role);
	a[2] = DB_T(b && b->ward[0] ? b->ward : NULL);
	a[3] = DB_I(ktime_wall_ms());
	a[4] = DB_T(b && b->venue_id[0] ? b->venue_id : NULL);
	a[5] = DB_T(b && b->venue_name[0] ? b->venue_name : NULL);
	a[6] = DB_T(b && b->address[0] ? b->address : NULL);
	a[7] = expires_ms > 0 ? DB_I(expires_ms) : DB_T(NULL);
	return db_one(d, DB_TX_ONE, "INSERT INTO tokens(hash, role, ward, "
	    "created_ms, venue_id, venue_name, address, expires_ms) VALUES "
	    "($1, $2, $3, $4, $5, $6, $7, $8)", a, 8, NULL, NULL) == 1 ? 0 : -1;
}

int
db_token_new(struct db *d, const char *role, const char *ward,
    char out[DB_TOKEN_LEN + 1])
{
	struct wire_device b;

	memset(&b, 0, sizeof(b));
	if (ward != NULL)
		snprintf(b.ward, sizeof(b.ward), "%s", ward);
	return token_new(d, role, &b, 0, out);
}

int
db_token_new_venue(struct db *d, const struct wire_device *venue,
    char out[DB_TOKEN_LEN + 1])
{
	if (venue->ward[0] == '\0') {
		log_error("an enrolment token needs a ward");
		return -1;
	}
	return token_new(d, "device-enrolment", venue, 0, out);
}

int
db_token_new_until(struct db *d, const char *role,
    const struct wire_device *b, int64_t expires_ms,
    char out[DB_TOKEN_LEN + 1])
{
	if (strcmp(role, "device-enrolment") == 0 && (b == NULL ||
	    b->ward[0] == '\0')) {
		log_error("an enrolment token needs a ward");
		return -1;
	}
	return token_new(d, role, b, expires_ms, out);
}

struct token_row {
	char *role, *ward;
	size_t size;
};

static int
token_row(void *ctx, const struct db_row *r)
{
	struct token_row *t = ctx;

	snprintf(t->role, DB_ROLE_LEN, "%s", db_text(r, 0));
	snprintf(t->ward, t->size, "%s", db_text(r, 1));
	return 0;
}

int
db_token_role(struct db *d, const char *token, char role[DB_ROLE_LEN],
    char *ward, size_t size)
{
	struct token_row t = { role, ward, size };
	char hash[65];
	struct db_arg a[2];
	int64_t n;

	db_token_hash(token, hash);
	a[0] = DB_T(hash);
	a[1] = DB_I(ktime_wall_ms());
	n = db_one(d, DB_TX_ONE_READ, "SELECT role, coalesce(ward, '') FROM tokens "
	    "WHERE hash = $1 AND used_ms IS NULL AND revoked_ms IS NULL AND "
	    "(expires_ms IS NULL OR expires_ms > $2)", a, 2, token_row, &t);
	return n < 0 ? -1 : n == 0 ? 1 : 0;
}

/* ---- enrolment ---- */

#define COPY(dst, r, col) snprintf((dst), sizeof(dst), "%s", \
	db_text((r), (col)))

static int
bound_row(void *ctx, const struct db_row *r)
{
	struct wire_device *b = ctx;

	COPY(b->ward, r, 0);
	COPY(b->venue_id, r, 1);
	COPY(b->venue_name, r, 2);
	COPY(b->address, r, 3);
	return 0;
}

/* What is known of a device id: its key, ward, venue, revocation. */
struct known {
	int found;
	unsigned char pk[KEYS_PUB_LEN];
	char ward[129], venue_id[65];
	int64_t revoked_ms;
};

static int
known_row(void *ctx, const struct db_row *r)
{
	struct known *k = ctx;
	size_t len;
	const unsigned char *pk = db_blob(r, 0, &len);

	k->found = 1;
	if (pk != NULL && len == KEYS_PUB_LEN)
		memcpy(k->pk, pk, KEYS_PUB_LEN);
	COPY(k->ward, r, 1);
	COPY(k->venue_id, r, 2);
	k->revoked_ms = db_int(r, 3);
	return 0;
}

static int
ward_row(void *ctx, const struct db_row *r)
{
	struct wire_device *o = ctx;

	COPY(o->ward, r, 0);
	return 0;
}

/*
 * DEV's declared FIELD against the token's WANT: the token's when it has
 * one; a declared value that differs is refused. Returns 0, or -1 with
 * WHY set.
 */
static int
take(char *field, size_t size, const char *want, const char *what,
    char *why, size_t wsize)
{
	if (want[0] == '\0')
		return 0;
	/* A ward as people type it ("Phuong Ben Nghe" is the token's
	 * "Phường Bến Nghé"); the rest as it is. */
	if (field[0] != '\0' && strcmp(what, "ward") == 0 ?
	    !ward_same(field, want) : field[0] != '\0' &&
	    strcmp(field, want) != 0) {
		snprintf(why, wsize, "this enrolment token is for %s \"%s\"; "
		    "the kiosk says \"%s\": set the kiosk up for the token's "
		    "venue (kioskctl init --force) or ask the ward for the "
		    "right token", what, want, field);
		return -1;
	}
	snprintf(field, size, "%s", want);
	return 0;
}

/* A token's used, expiry and revocation times. */
static int
state_row(void *ctx, const struct db_row *r)
{
	int64_t *t = ctx;

	t[0] = db_int(r, 0);
	t[1] = db_int(r, 1);
	t[2] = db_int(r, 2);
	t[3] = 1;
	return 0;
}

/* Why the enrolment token HASH cannot be used (at NOW), in words for the
 * owner at the kiosk: into WHY. */
static void
token_state_words(struct db_tx *tx, const char *hash, int64_t now, char *why,
    size_t wsize)
{
	int64_t t[4] = { 0, 0, 0, 0 };
	struct db_arg a[1] = { DB_T(hash) };

	(void)db_exec(tx, "SELECT coalesce(used_ms, 0), coalesce(expires_ms, "
	    "0), coalesce(revoked_ms, 0) FROM tokens WHERE hash = $1 AND "
	    "role = 'device-enrolment'", a, 1, state_row, t);
	if (!t[3])
		snprintf(why, wsize, "this enrolment token is unknown here: "
		    "ask the ward for a new one");
	else if (t[0])
		snprintf(why, wsize, "this enrolment token was used already: "
		    "ask the ward for a new one");
	else if (t[2])
		snprintf(why, wsize, "this enrolment token was revoked by the "
		    "ward: ask the ward for a new one");
	else if (t[1] && t[1] <= now)
		snprintf(why, wsize, "this enrolment token has expired: ask "
		    "the ward for a new one");
	else
		snprintf(why, wsize, "this enrolment token cannot be used: "
		    "ask the ward for a new one");
}

int
db_enroll(struct db *d, const char *token, struct wire_device *dev,
    char *why, size_t wsize)
{
	struct wire_device bound, other;
	struct known k;
	struct db_arg a[7];
	struct db_tx *tx;
	char hash[65], sql[400];
	int64_t now = ktime_wall_ms(), n;
	int ret = -1;

	snprintf(why, wsize, "the collector's store is not answering");
	db_token_hash(token, hash);
	tx = d->ops->begin(d, DB_TX_WRITE);
	if (tx == NULL)
		return -1;
	/* The token: what it is bound to. */
	memset(&bound, 0, sizeof(bound));
	snprintf(sql, sizeof(sql), "SELECT coalesce(ward, ''), coalesce("
	    "venue_id, ''), coalesce(venue_name, ''), coalesce(address, '') "
	    "FROM tokens WHERE hash = $1 AND role = 'device-enrolment' AND "
	    "used_ms IS NULL AND revoked_ms IS NULL AND (expires_ms IS NULL OR "
	    "expires_ms > $2)%s", d->ops->for_update);
	a[0] = DB_T(hash);
	a[1] = DB_I(now);
	n = db_exec(tx, sql, a, 2, bound_row, &bound);
	if (n != 1) {
		if (n == 0)
			token_state_words(tx, hash, now, why, wsize);
		ret = n < 0 ? -1 : DB_ENROLL_BAD_TOKEN;
		goto out;
	}
	if (take(dev->ward, sizeof(dev->ward), bound.ward, "ward", why,
	    wsize) != 0 || take(dev->venue_id, sizeof(dev->venue_id),
	    bound.venue_id, "venue id", why, wsize) != 0 ||
	    take(dev->venue_name, sizeof(dev->venue_name), bound.venue_name,
	    "venue name", why, wsize) != 0 || take(dev->address,
	    sizeof(dev->address), bound.address, "address", why, wsize) != 0) {
		ret = DB_ENROLL_MISMATCH;
		goto out;
	}
	/* A device id is its key's; a revoked key stays revoked; a kiosk
	 * moves to another ward only once its own ward revoked it. */
	memset(&k, 0, sizeof(k));
	snprintf(sql, sizeof(sql), "SELECT pubkey, coalesce(ward, ''), "
	    "venue_id, coalesce(revoked_ms, 0) FROM devices WHERE device_id = "
	    "$1%s", d->ops->for_update);
	a[0] = DB_T(dev->device_id);
	if (db_exec(tx, sql, a, 1, known_row, &k) < 0)
		goto out;
	if (k.found && memcmp(k.pk, dev->pk, KEYS_PUB_LEN) != 0) {
		snprintf(why, wsize, "device id %s is another key's",
		    dev->device_id);
		ret = DB_ENROLL_KEY_TAKEN;
		goto out;
	}
	if (k.found && k.revoked_ms != 0) {
		snprintf(why, wsize, "this kiosk's key was revoked: enrol it "
		    "with a new key (kioskctl enroll --new-key)");
		ret = DB_ENROLL_REVOKED;
		goto out;
	}
	if (k.found && !ward_same(k.ward, dev->ward)) {
		snprintf(why, wsize, "this kiosk is enrolled in ward \"%s\": "
		    "that ward must revoke it before another takes it", k.ward);
		ret = DB_ENROLL_OTHER_WARD;
		goto out;
	}
	/* A venue id is one ward's. */
	memset(&other, 0, sizeof(other));
	a[0] = DB_T(dev->venue_id);
	a[1] = DB_T(dev->ward);
	a[2] = DB_T(dev->device_id);
	n = db_exec(tx, "SELECT coalesce(ward, '') FROM devices WHERE venue_id "
	    "= $1 AND revoked_ms IS NULL AND coalesce(ward, '') <> $2 AND "
	    "device_id <> $3 LIMIT 1", a, 3, ward_row, &other);
	if (n != 0) {
		if (n > 0)
			snprintf(why, wsize, "venue id \"%s\" is held by a kiosk "
			    "of ward \"%s\": a venue id is one ward's",
			    dev->venue_id, other.ward);
		ret = n < 0 ? -1 : DB_ENROLL_VENUE_HELD;
		goto out;
	}
	a[0] = DB_T(hash);
	a[1] = DB_I(now);
	if (db_exec(tx, "UPDATE tokens SET used_ms = $2 WHERE hash = $1", a, 2,
	    NULL, NULL) != 1)
		goto out;
	a[0] = DB_T(dev->device_id);
	a[1] = DB_B(dev->pk, KEYS_PUB_LEN);
	a[2] = DB_T(dev->venue_id);
	a[3] = DB_T(dev->venue_name);
	a[4] = DB_T(dev->address);
	a[5] = DB_T(dev->ward);
	a[6] = DB_I(now);
	if (db_exec(tx, "INSERT INTO devices(device_id, pubkey, venue_id, "
	    "venue_name, address, ward, enrolled_ms) VALUES ($1, $2, $3, $4, "
	    "$5, $6, $7) ON CONFLICT (device_id) DO UPDATE SET venue_id = "
	    "excluded.venue_id, venue_name = excluded.venue_name, address = "
	    "excluded.address, enrolled_ms = excluded.enrolled_ms", a, 7, NULL,
	    NULL) < 0)
		goto out;
	if (k.found && strcmp(k.venue_id, dev->venue_id) != 0)
		log_warn("device %s moved from venue %s to %s (a new token of "
		    "ward %s)", dev->device_id, k.venue_id, dev->venue_id,
		    dev->ward);
	why[0] = '\0';
	ret = 0;
out:
	if (d->ops->end(tx, ret == 0) != 0 && ret == 0) {
		snprintf(why, wsize, "the collector's store is not answering");
		ret = -1;
	}
	return ret;
}

/* ---- devices ---- */

int
db_device_key(struct db *d, const char *device_id,
    unsigned char pk[KEYS_PUB_LEN])
{
	unsigned char zero[KEYS_PUB_LEN] = { 0 };
	struct db_arg a[1] = { DB_T(device_id) };
	struct known k;
	int64_t n;

	memset(&k, 0, sizeof(k));
	n = db_one(d, DB_TX_ONE_READ, "SELECT pubkey, coalesce(ward, ''), venue_id, "
	    "coalesce(revoked_ms, 0) FROM devices WHERE device_id = $1", a, 1,
	    known_row, &k);
	if (n < 0)
		return -1;
	if (n == 0 || memcmp(k.pk, zero, KEYS_PUB_LEN) == 0)
		return 1;
	if (k.revoked_ms != 0)
		return 2;
	memcpy(pk, k.pk, KEYS_PUB_LEN);
	return 0;
}

static int
name_row(void *ctx, const struct db_row *r)
{
	char **name = ctx;

	snprintf(name[0], (size_t)(uintptr_t)name[1], "%s", db_text(r, 0));
	return 0;
}

int
db_device_venue(struct db *d, const char *device_id, char *name, size_t size)
{
	char *nr[2] = { name, (char *)(uintptr_t)size };
	struct db_arg a[1] = { DB_T(device_id) };
	int64_t n;

	n = db_one(d, DB_TX_ONE_READ, "SELECT venue_name FROM devices WHERE "
	    "device_id = $1 AND revoked_ms IS NULL", a, 1, name_row, nr);
	return n < 0 ? -1 : n == 0 ? 1 : 0;
}

int
db_device_revoke(struct db *d, const char *device_id, int64_t now_ms)
{
	struct db_arg a[2] = { DB_T(device_id), DB_I(now_ms) };
	int64_t n;

	n = db_one(d, DB_TX_WRITE, "UPDATE devices SET revoked_ms = $2 WHERE "
	    "device_id = $1 AND revoked_ms IS NULL", a, 2, NULL, NULL);
	if (n != 0)
		return n < 0 ? -1 : 0;
	n = db_one(d, DB_TX_ONE, "SELECT 1 FROM devices WHERE device_id = $1",
	    a, 1, NULL, NULL);
	return n < 0 ? -1 : n == 0 ? 1 : 2;
}
