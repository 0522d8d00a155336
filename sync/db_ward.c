/*
 * db_ward: keys, pass lists and the tokens' list. See db_ward.h.
 */
#include "db_ward.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "db_impl.h"
#include "ktime.h"
#include "log.h"

/* One text column into a buffer (ctx: char[2] of buf, size). */
struct text_out {
	char *buf;
	size_t size;
};

static int
text_row(void *ctx, const struct db_row *r)
{
	struct text_out *t = ctx;

	snprintf(t->buf, t->size, "%s", db_text(r, 0));
	return 0;
}

/* The setting NAME into BUF: 0, 1 none, -1. */
static int
setting_get(struct db *d, const char *name, char *buf, size_t size)
{
	struct text_out t = { buf, size };
	struct db_arg a[1] = { DB_T(name) };
	int64_t n = db_one(d, DB_TX_ONE_READ, "SELECT value FROM settings "
	    "WHERE name = $1", a, 1, text_row, &t);

	return n < 0 ? -1 : n == 0 ? 1 : 0;
}

/* Set NAME to VALUE (KEEP: only when there is none). 0 or -1. */
static int
setting_put(struct db *d, const char *name, const char *value, int keep)
{
	struct db_arg a[2] = { DB_T(name), DB_T(value) };

	return db_one(d, DB_TX_ONE, keep ? "INSERT INTO settings(name, value) "
	    "VALUES ($1, $2) ON CONFLICT (name) DO NOTHING" :
	    "INSERT INTO settings(name, value) VALUES ($1, $2) ON CONFLICT "
	    "(name) DO UPDATE SET value = excluded.value", a, 2, NULL,
	    NULL) < 0 ? -1 : 0;
}

int
db_collector_key(struct db *d, struct key_pair *out, int create)
{
	char text[200];
	size_t len;
	int r;

	memset(out, 0, sizeof(*out));
	r = setting_get(d, "signing_key", text, sizeof(text));
	if (r == 1 && create) {
		struct key_pair k;

		keys_generate(KEY_ED25519, &k);
		sodium_bin2base64(text, sizeof(text), k.sk, KEYS_SEC_LEN,
		    sodium_base64_VARIANT_ORIGINAL);
		keys_wipe(&k);
		/* Two inits at once keep the first one's. */
		if (setting_put(d, "signing_key", text, 1) != 0)
			return -1;
		r = setting_get(d, "signing_key", text, sizeof(text));
	}
	if (r != 0)
		return r;
	out->type = KEY_ED25519;
	r = sodium_base642bin(out->sk, KEYS_SEC_LEN, text, strlen(text), NULL,
	    &len, NULL, sodium_base64_VARIANT_ORIGINAL);
	sodium_memzero(text, sizeof(text));
	if (r != 0 || len != KEYS_SEC_LEN) {
		log_error("the collector's signing key in its database is "
		    "damaged");
		keys_wipe(out);
		return -1;
	}
	crypto_sign_ed25519_sk_to_pk(out->pk, out->sk);
	return 0;
}

int
db_authority_set(struct db *d, const unsigned char pk[KEYS_PUB_LEN])
{
	char text[KEYS_PUB_TEXT];

	(void)keys_format_public(KEY_X25519, pk, text, sizeof(text));
	return setting_put(d, "authority_pk", text, 0);
}

int
db_authority_get(struct db *d, unsigned char pk[KEYS_PUB_LEN])
{
	char text[KEYS_PUB_TEXT];
	int r = setting_get(d, "authority_pk", text, sizeof(text));

	if (r != 0)
		return r;
	if (keys_parse_public(text, KEY_X25519, pk) != 0) {
		log_error("the health authority's key in the collector's "
		    "database is damaged");
		return -1;
	}
	return 0;
}

/* The pass lists' version, one more, in TX. 0 or -1. */
static int
bump(struct db_tx *tx)
{
	return db_exec(tx, "INSERT INTO settings(name, value) VALUES "
	    "('pass_list_version', '1') ON CONFLICT (name) DO UPDATE SET value "
	    "= CAST(CAST(settings.value AS bigint) + 1 AS text)", NULL, 0,
	    NULL, NULL) < 0 ? -1 : 0;
}

/* Run SQL with ARGS and, when it changed a row, bump the version; all in
 * one transaction. 0 changed, 1 not, -1. */
static int
change(struct db *d, const char *sql, const struct db_arg *a, size_t n)
{
	struct db_tx *tx = d->ops->begin(d, DB_TX_WRITE);
	int64_t r;

	if (tx == NULL)
		return -1;
	r = db_exec(tx, sql, a, n, NULL, NULL);
	if (r == 1 && bump(tx) != 0)
		r = -1;
	if (d->ops->end(tx, r >= 0) != 0)
		return -1;
	return r < 0 ? -1 : r == 1 ? 0 : 1;
}

int
db_issuer_add(struct db *d, const char *ward,
    const unsigned char pk[KEYS_PUB_LEN])
{
	char text[KEYS_PUB_TEXT];
	struct db_arg a[3];

	(void)keys_format_public(KEY_ED25519, pk, text, sizeof(text));
	a[0] = DB_T(ward);
	a[1] = DB_T(text);
	a[2] = DB_I(ktime_wall_ms());
	return change(d, "INSERT INTO pass_issuers(ward, pubkey, added_ms) "
	    "VALUES ($1, $2, $3) ON CONFLICT DO NOTHING", a, 3);
}

int
db_issuer_remove(struct db *d, const char *ward,
    const unsigned char pk[KEYS_PUB_LEN])
{
	char text[KEYS_PUB_TEXT];
	struct db_arg a[2];

	(void)keys_format_public(KEY_ED25519, pk, text, sizeof(text));
	a[0] = DB_T(ward);
	a[1] = DB_T(text);
	return change(d, "DELETE FROM pass_issuers WHERE ward = $1 AND "
	    "pubkey = $2", a, 2);
}

int
db_pass_revoke(struct db *d, const char *pass_id)
{
	struct db_arg a[2] = { DB_T(pass_id), DB_I(ktime_wall_ms()) };

	return change(d, "INSERT INTO pass_revoked(pass_id, revoked_ms) "
	    "VALUES ($1, $2) ON CONFLICT DO NOTHING", a, 2);
}

int64_t
db_pass_list_version(struct db *d)
{
	char text[32];
	int r = setting_get(d, "pass_list_version", text, sizeof(text));

	return r < 0 ? -1 : r == 1 ? 0 : strtoll(text, NULL, 10);
}

/* Rows into a growing list of the pass list. */
static int
issuer_row(void *ctx, const struct db_row *r)
{
	struct passlist *l = ctx;
	void *p;

	if (l->n_issuers >= PASSLIST_ISSUERS_MAX)
		return 0;
	p = realloc(l->issuers, (l->n_issuers + 1) * sizeof(*l->issuers));
	if (p == NULL)
		return -1;
	l->issuers = p;
	if (keys_parse_public(db_text(r, 0), KEY_ED25519,
	    l->issuers[l->n_issuers]) == 0)
		l->n_issuers++;
	return 0;
}

static int
revoked_row(void *ctx, const struct db_row *r)
{
	struct passlist *l = ctx;
	const char *id = db_text(r, 0);
	void *p;

	if (l->n_revoked >= PASSLIST_REVOKED_MAX || strlen(id) > PASS_ID_MAX)
		return 0;
	p = realloc(l->revoked, (l->n_revoked + 1) * sizeof(*l->revoked));
	if (p == NULL)
		return -1;
	l->revoked = p;
	memcpy(l->revoked[l->n_revoked++], id, strlen(id) + 1);
	return 0;
}

int
db_pass_list(struct db *d, const char *ward, struct passlist *l)
{
	struct db_arg a[1] = { DB_T(ward) };
	struct text_out t;
	char version[32] = "0";
	struct db_tx *tx;
	int ok;

	memset(l, 0, sizeof(*l));
	snprintf(l->ward, sizeof(l->ward), "%s", ward);
	tx = d->ops->begin(d, DB_TX_READ);
	if (tx == NULL)
		return -1;
	t.buf = version;
	t.size = sizeof(version);
	ok = db_exec(tx, "SELECT value FROM settings WHERE name = "
	    "'pass_list_version'", NULL, 0, text_row, &t) >= 0 &&
	    db_exec(tx, "SELECT pubkey FROM pass_issuers WHERE ward = $1 "
	    "ORDER BY added_ms, pubkey", a, 1, issuer_row, l) >= 0 &&
	    db_exec(tx, "SELECT pass_id FROM pass_revoked ORDER BY pass_id",
	    NULL, 0, revoked_row, l) >= 0;
	if (d->ops->end(tx, 0) != 0 && !ok) {
		passlist_free(l);
		return -1;
	}
	if (!ok) {
		passlist_free(l);
		return -1;
	}
	l->version = strtoll(version, NULL, 10);
	return 0;
}

int
db_device_ward(struct db *d, const char *device_id, char *ward, size_t size)
{
	struct text_out t = { ward, size };
	struct db_arg a[1] = { DB_T(device_id) };
	int64_t n = db_one(d, DB_TX_ONE_READ, "SELECT coalesce(ward, '') FROM "
	    "devices WHERE device_id = $1", a, 1, text_row, &t);

	return n < 0 ? -1 : n == 0 ? 1 : 0;
}

struct list_ctx {
	void (*fn)(void *ctx, const struct db_token_info *t);
	void *ctx;
};

static int
token_info_row(void *ctx, const struct db_row *r)
{
	struct list_ctx *c = ctx;
	struct db_token_info t;

	memset(&t, 0, sizeof(t));
	snprintf(t.id, sizeof(t.id), "%.12s", db_text(r, 0));
	snprintf(t.role, sizeof(t.role), "%s", db_text(r, 1));
	snprintf(t.ward, sizeof(t.ward), "%s", db_text(r, 2));
	snprintf(t.venue_id, sizeof(t.venue_id), "%s", db_text(r, 3));
	t.created_ms = db_int(r, 4);
	t.expires_ms = db_int(r, 5);
	t.used_ms = db_int(r, 6);
	t.revoked_ms = db_int(r, 7);
	c->fn(c->ctx, &t);
	return 0;
}

int64_t
db_token_list(struct db *d,
    void (*fn)(void *ctx, const struct db_token_info *t), void *ctx)
{
	struct list_ctx c = { fn, ctx };

	return db_one(d, DB_TX_ONE_READ, "SELECT hash, role, coalesce(ward, "
	    "''), coalesce(venue_id, ''), created_ms, coalesce(expires_ms, 0), "
	    "coalesce(used_ms, 0), coalesce(revoked_ms, 0) FROM tokens ORDER "
	    "BY created_ms DESC, hash", NULL, 0, token_info_row, &c);
}

/* The tokens a revocation's id matches. */
struct match {
	int n;			/* how many */
	int spent;		/* the last one is used or revoked */
	char hash[65];		/* the last one's hash */
};

static int
match_row(void *ctx, const struct db_row *r)
{
	struct match *m = ctx;

	m->n++;
	m->spent = db_int(r, 1) != 0 || db_int(r, 2) != 0;
	snprintf(m->hash, sizeof(m->hash), "%s", db_text(r, 0));
	return 0;
}

int
db_token_revoke(struct db *d, const char *id)
{
	char hash[65], pattern[70];
	struct match m;
	struct db_arg a[2];
	size_t i, len = strlen(id);
	int hex = len >= 8 && len <= 64;

	for (i = 0; hex && i < len; i++)
		hex = (id[i] >= '0' && id[i] <= '9') ||
		    (id[i] >= 'a' && id[i] <= 'f');
	if (hex) {
		snprintf(pattern, sizeof(pattern), "%s%%", id);
	} else {
		db_token_hash(id, hash);
		snprintf(pattern, sizeof(pattern), "%s", hash);
	}
	memset(&m, 0, sizeof(m));
	a[0] = DB_T(pattern);
	if (db_one(d, DB_TX_ONE_READ, "SELECT hash, coalesce(used_ms, 0), "
	    "coalesce(revoked_ms, 0) FROM tokens WHERE hash LIKE $1", a, 1,
	    match_row, &m) < 0)
		return -1;
	if (m.n == 0)
		return 1;
	if (m.n > 1)
		return 3;
	if (m.spent)
		return 2;
	a[0] = DB_T(m.hash);
	a[1] = DB_I(ktime_wall_ms());
	return db_one(d, DB_TX_ONE, "UPDATE tokens SET revoked_ms = $2 WHERE "
	    "hash = $1 AND revoked_ms IS NULL AND used_ms IS NULL", a, 2, NULL,
	    NULL) == 1 ? 0 : -1;
}

void
db_token_id(const char *token, char out[13])
{
	char hash[65];

	db_token_hash(token, hash);
	memcpy(out, hash, 12);
	out[12] = '\0';
}
