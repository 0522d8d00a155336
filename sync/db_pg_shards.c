/*
 * db_pg_shards: a city's collector over district shards, on PostgreSQL's own
 * partitioning and postgres_fdw (docs/scaling.md).
 *
 * The coordinator is a collector database like any other (tokens,
 * devices, heartbeats, audit) whose visits table is partitioned by LIST
 * on the district; each partition is a postgres_fdw foreign table on that
 * district's server. A district's server is itself a collector database:
 * its visits (by day, with their identities in visit_keys), a copy of its
 * kiosks' device rows, and a view district_visits that adds the district
 * as a column, which is what the coordinator's partition names.
 *
 * Writes do not go through the coordinator's foreign tables: a batch is
 * one device's, so one district's, and db_ingest runs on that district's
 * server as on a single node (its checks and its exactly-once insert in
 * one local transaction). Reads (trace, report, stats) run on the
 * coordinator, whose planner sends each district's part of the query to
 * its server (Async Foreign Scan, the WHERE pushed down).
 *
 * `collector init --db COORDINATOR --shards FILE` reads the shards from
 * a JSON file (db_shards_setup) and keeps them in the coordinator's
 * tables shards and shard_wards, where every collector command finds
 * them when it opens the coordinator (shards_load).
 */
#include "db_pg_impl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "dynbuf.h"
#include "log.h"
#include "wardname.h"

#define SHARDS_MAX 64
#define SHARD_NAME_LEN 31
#define DISTRICT_LEN 127
#define SHARD_WARDS_MAX 4096

struct shard {
	char name[SHARD_NAME_LEN + 1];
	char district[DISTRICT_LEN + 1];
	char *conninfo;
	char (*wards)[WARD_KEY_MAX];	/* ward_key of each ward */
	char (*ward_names)[WARD_KEY_MAX];	/* as written (setup only) */
	size_t nwards, cap, cap_names;
	struct db *db;		/* opened on first use, under lock */
	pthread_mutex_t lock;	/* its own: a district whose server hangs
				 * holds up no other district */
	int locked;		/* lock was initialised */
};

struct shards {
	struct shard *v;
	size_t n;
};

static void
shard_release(struct shard *s)
{
	if (s->locked)
		pthread_mutex_destroy(&s->lock);
	db_close(s->db);
	free(s->conninfo);
	free(s->wards);
	free(s->ward_names);
}

void
shards_free(struct shards *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->n; i++)
		shard_release(&s->v[i]);
	free(s->v);
	free(s);
}

static int
add_ward(struct shard *s, const char *key, const char *name)
{
	if (dynbuf_grow(&s->wards, &s->cap, s->nwards + 1, sizeof(*s->wards),
	    SHARD_WARDS_MAX) != 0 || (name != NULL &&
	    dynbuf_grow(&s->ward_names, &s->cap_names, s->nwards + 1,
	    sizeof(*s->ward_names), SHARD_WARDS_MAX) != 0))
		return -1;
	snprintf(s->wards[s->nwards], sizeof(s->wards[0]), "%s", key);
	if (name != NULL)
		snprintf(s->ward_names[s->nwards], sizeof(s->ward_names[0]),
		    "%s", name);
	s->nwards++;
	return 0;
}

/* ---- loading the shards a coordinator keeps ---- */

static int
shard_row(void *ctx, const struct db_row *r)
{
	struct shards *s = ctx;
	struct shard *last = s->n > 0 ? &s->v[s->n - 1] : NULL;

	if (last == NULL || strcmp(last->name, db_text(r, 0)) != 0) {
		struct shard *v;

		if (s->n >= SHARDS_MAX)
			return -1;
		v = realloc(s->v, (s->n + 1) * sizeof(*v));
		if (v == NULL)
			return -1;
		s->v = v;
		last = &s->v[s->n++];
		memset(last, 0, sizeof(*last));
		pthread_mutex_init(&last->lock, NULL);
		last->locked = 1;
		snprintf(last->name, sizeof(last->name), "%s", db_text(r, 0));
		snprintf(last->district, sizeof(last->district), "%s",
		    db_text(r, 1));
		last->conninfo = strdup(db_text(r, 2));
		if (last->conninfo == NULL)
			return -1;
	}
	return add_ward(last, db_text(r, 3), NULL);
}

static int
one_row(void *ctx, const struct db_row *r)
{
	*(int *)ctx = strcmp(db_text(r, 0), "t") == 0;
	return 0;
}

/* Read the shards D's tables hold into a new struct (none: *OUT NULL). */
static int
shards_read(struct db *d, struct shards **out)
{
	struct shards *s;
	int there = 0;

	*out = NULL;
	if (db_one(d, DB_TX_ONE_READ, "SELECT to_regclass('shard_wards') IS "
	    "NOT NULL", NULL, 0, one_row, &there) < 0)
		return -1;
	if (!there)
		return 0;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return -1;
	if (db_one(d, DB_TX_ONE_READ, "SELECT s.name, s.district, s.conninfo, "
	    "w.ward_key FROM shards s JOIN shard_wards w ON w.shard = s.name "
	    "ORDER BY s.name, w.ward_key", NULL, 0, shard_row, s) < 0) {
		shards_free(s);
		return -1;
	}
	if (s->n == 0) {
		shards_free(s);
		return 0;
	}
	*out = s;
	return 0;
}

int
shards_load(struct db *d)
{
	struct shards *s;

	if (shards_read(d, &s) != 0)
		return -1;
	d->shards = s;
	if (s != NULL)
		log_info("collector db: coordinator of %zu district shards",
		    s->n);
	return 0;
}

/* ---- routing one device's visits ---- */

struct device_copy {
	/* As struct wire_device holds them. */
	char ward[129];
	unsigned char pk[64];
	size_t pk_len;
	char venue_id[65], venue_name[129], address[257];
	char enrolled[24], revoked[24];
	int found;
};

static int
device_copy_row(void *ctx, const struct db_row *r)
{
	struct device_copy *c = ctx;
	const unsigned char *pk = db_blob(r, 1, &c->pk_len);

	snprintf(c->ward, sizeof(c->ward), "%s", db_text(r, 0));
	if (pk == NULL || c->pk_len > sizeof(c->pk))
		return -1;
	memcpy(c->pk, pk, c->pk_len);
	snprintf(c->venue_id, sizeof(c->venue_id), "%s", db_text(r, 2));
	snprintf(c->venue_name, sizeof(c->venue_name), "%s", db_text(r, 3));
	snprintf(c->address, sizeof(c->address), "%s", db_text(r, 4));
	snprintf(c->enrolled, sizeof(c->enrolled), "%s", db_text(r, 5));
	snprintf(c->revoked, sizeof(c->revoked), "%s", db_text(r, 6));
	c->found = 1;
	return 0;
}

/* The shard whose wards hold WARD, or NULL. */
static struct shard *
shard_of_ward(struct shards *s, const char *ward)
{
	char key[WARD_KEY_MAX];
	size_t i, j;

	if (ward_key(ward, key, sizeof(key)) != 0)
		return NULL;
	for (i = 0; i < s->n; i++)
		for (j = 0; j < s->v[i].nwards; j++)
			if (strcmp(s->v[i].wards[j], key) == 0)
				return &s->v[i];
	return NULL;
}

const char *
shards_district(const struct db *d, const char *ward)
{
	const struct shard *sh = d->shards != NULL && ward != NULL ?
	    shard_of_ward(d->shards, ward) : NULL;

	return sh != NULL ? sh->district : NULL;
}

/* SH's store, opened on first use. NULL: logged. */
static struct db *
shard_db(struct shard *sh)
{
	struct db *d;

	pthread_mutex_lock(&sh->lock);
	if (sh->db == NULL)
		sh->db = db_pg_open(sh->conninfo, DB_CONNECTIONS, 0, 0);
	d = sh->db;
	pthread_mutex_unlock(&sh->lock);
	if (d == NULL)
		log_error("collector db: the server of district %s (shard %s) "
		    "cannot be used: what goes there waits (kiosks keep their "
		    "batches and send them again)", sh->district, sh->name);
	return d;
}

/*
 * The store that keeps DEVICE_ID's visits: its district's server, which
 * is given the device's row as the coordinator has it (its venue, and
 * whether it was revoked). NULL: logged.
 */
static struct db *
route(struct db *d, const char *device_id, struct shard **which)
{
	struct device_copy c;
	struct db_arg a[8];
	struct shard *sh;
	struct db *s;

	memset(&c, 0, sizeof(c));
	a[0] = DB_T(device_id);
	if (db_one(d, DB_TX_ONE_READ, "SELECT coalesce(ward, ''), pubkey, "
	    "venue_id, venue_name, coalesce(address, ''), CAST(enrolled_ms AS "
	    "text), coalesce(CAST(revoked_ms AS text), '') FROM devices WHERE "
	    "device_id = $1", a, 1, device_copy_row, &c) < 0)
		return NULL;
	if (!c.found) {
		log_error("collector db: device %s is not enrolled here",
		    device_id);
		return NULL;
	}
	sh = shard_of_ward(d->shards, c.ward);
	if (sh == NULL) {
		log_error("collector db: device %s's ward '%s' is in no "
		    "district of this coordinator's shards: its batches wait "
		    "until the ward is added to a shard (collector init "
		    "--shards FILE, then restart collector serve)", device_id,
		    c.ward);
		return NULL;
	}
	*which = sh;
	s = shard_db(sh);
	if (s == NULL)
		return NULL;
	a[1] = DB_B(c.pk, c.pk_len);
	a[2] = DB_T(c.venue_id);
	a[3] = DB_T(c.venue_name);
	a[4] = DB_T(c.address);
	a[5] = DB_T(c.ward);
	a[6] = DB_T(c.enrolled);
	a[7] = DB_T(c.revoked[0] ? c.revoked : NULL);
	if (db_one(s, DB_TX_ONE, "INSERT INTO devices(device_id, pubkey, "
	    "venue_id, venue_name, address, ward, enrolled_ms, revoked_ms) "
	    "VALUES ($1, $2, $3, $4, nullif($5, ''), $6, CAST($7 AS bigint), "
	    "CAST($8 AS bigint)) ON CONFLICT (device_id) DO UPDATE SET "
	    "venue_id = EXCLUDED.venue_id, venue_name = EXCLUDED.venue_name, "
	    "address = EXCLUDED.address, ward = EXCLUDED.ward, revoked_ms = "
	    "EXCLUDED.revoked_ms WHERE (devices.venue_id, devices.venue_name, "
	    "devices.address, devices.ward, devices.revoked_ms) IS DISTINCT "
	    "FROM (EXCLUDED.venue_id, EXCLUDED.venue_name, EXCLUDED.address, "
	    "EXCLUDED.ward, EXCLUDED.revoked_ms)", a, 8, NULL, NULL) < 0) {
		log_error("collector db: the server of district %s (shard %s) "
		    "cannot take device %s's visits now: they wait at the "
		    "kiosk", sh->district, sh->name, device_id);
		return NULL;
	}
	return s;
}

int
shards_ingest(struct db *d, const struct wire_header *h,
    struct wire_visit *v, size_t n, int64_t now_ms,
    struct db_ingest_res *res)
{
	struct shard *sh = NULL;
	struct db *s = route(d, h->device, &sh);
	struct db_arg a[2] = { DB_T(h->device), DB_I(now_ms) };

	memset(res, 0, sizeof(*res));
	if (s == NULL)
		return -1;
	if (db_ingest(s, h, v, n, now_ms, res) != 0) {
		log_error("collector db: the server of district %s (shard %s) "
		    "did not take device %s's batch: nothing of it is "
		    "acknowledged, the kiosk sends it again", sh->district,
		    sh->name, h->device);
		return -1;
	}
	/* Committed on the district's server: acknowledged whatever
	 * happens here (the ward report's "last upload" and the refusals
	 * counted by stats may lag). */
	for (size_t i = 0; i < n; i++) {
		struct db_arg r[5] = { DB_T(h->device), DB_T(h->instance),
		    DB_I(v[i].seq), DB_T(v[i].reject), DB_I(now_ms) };

		if (v[i].reject != NULL && db_one(d, DB_TX_ONE, "INSERT INTO "
		    "row_rejects(device_id, instance_id, seq, reason, "
		    "received_ms) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO "
		    "NOTHING", r, 5, NULL, NULL) < 0)
			break;
	}
	if (db_one(d, DB_TX_ONE, "UPDATE devices SET last_batch_ms = $2 WHERE "
	    "device_id = $1", a, 2, NULL, NULL) < 0)
		log_warn("collector db: device %s's batch is stored on its "
		    "district's server, but its last upload time was not "
		    "kept", h->device);
	return 0;
}

int
shards_phone_checkin(struct db *d, const char *device_id, const char *kind,
    const char *subject, int64_t now_ms, int64_t window_ms,
    char *venue_name, size_t size)
{
	struct shard *sh;
	struct db *s = route(d, device_id, &sh);

	return s == NULL ? -1 : db_phone_checkin(s, device_id, kind, subject,
	    now_ms, window_ms, venue_name, size);
}

int64_t
shards_purge(struct db *d, int64_t before_ms)
{
	struct shards *s = d->shards;
	int64_t gone = 0, n;
	size_t i;

	int failed = 0;

	/* Every district that can be reached, whatever another does. */
	for (i = 0; i < s->n; i++) {
		struct db *x = shard_db(&s->v[i]);

		n = x != NULL ? db_purge(x, before_ms) : -1;
		if (n < 0) {
			log_error("collector db: district %s (shard %s): its old "
			    "days were not dropped; run purge again when its "
			    "server is back", s->v[i].district, s->v[i].name);
			failed = 1;
			continue;
		}
		log_info("collector db: district %s: %lld visits purged",
		    s->v[i].district, (long long)n);
		gone += n;
	}
	return failed ? -1 : gone;
}

/* ---- setting a coordinator up (collector init --shards FILE) ---- */

static int
name_ok(const char *s)
{
	size_t i;

	if (s[0] < 'a' || s[0] > 'z' || strlen(s) > SHARD_NAME_LEN)
		return 0;
	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' &&
		    s[i] <= '9') || s[i] == '_'))
			return 0;
	return 1;
}

static int
bad(const char *path, const char *what)
{
	log_error("%s: %s", path, what);
	return -1;
}

/* Every key of O is one of KEYS (NULL-ended)? 0, or -1 logged. */
static int
known_keys(const char *path, const char *where, json_t *o,
    const char *const *keys)
{
	const char *k;
	json_t *v;

	json_object_foreach(o, k, v) {
		size_t i;

		(void)v;
		for (i = 0; keys[i] != NULL && strcmp(keys[i], k) != 0; i++)
			;
		if (keys[i] == NULL) {
			log_error("%s: %s: '%s' is not a setting here (%s)",
			    path, where, k, where[0] == 's' && where[1] == 'h' ?
			    "a shard has name, district, db and wards" :
			    "the file has shards");
			return -1;
		}
	}
	return 0;
}

/* Where each libpq option of a shard's URL goes on the coordinator: its
 * foreign server, or the user mapping (who connects, and how). */
static const char *const server_opts[] = { "host", "hostaddr", "port",
	"dbname", "sslmode", "sslrootcert", "sslcrl", "target_session_attrs",
	"connect_timeout", "application_name", "keepalives", "keepalives_idle",
	"keepalives_interval", "keepalives_count", "tcp_user_timeout",
	"gssencmode", NULL };
static const char *const mapping_opts[] = { "user", "password", "sslcert",
	"sslkey", "sslpassword", NULL };

static int
in_list(const char *const *l, const char *k)
{
	for (; *l != NULL; l++)
		if (strcmp(*l, k) == 0)
			return 1;
	return 0;
}

/* The file's shards, checked (names, districts, URLs, no ward twice). */
static int
parse_file(const char *path, struct shards *s)
{
	static const char *const top[] = { "shards", NULL };
	static const char *const keys[] = { "name", "district", "db", "wards",
	    NULL };
	json_error_t err;
	json_t *j = json_load_file(path, JSON_REJECT_DUPLICATES, &err), *arr;
	size_t i, k, m;
	int rc = -1;

	if (j == NULL) {
		log_error("%s: %s (line %d)", path, err.text, err.line);
		return -1;
	}
	arr = json_object_get(j, "shards");
	if (json_is_object(j) && known_keys(path, "the file", j, top) != 0)
		goto out;
	if (!json_is_object(j) || !json_is_array(arr) ||
	    json_array_size(arr) == 0 || json_array_size(arr) > SHARDS_MAX) {
		bad(path, "want {\"shards\": [{\"name\": ..., \"district\": "
		    "..., \"db\": \"postgresql://...\", \"wards\": [...]}, "
		    "...]} with 1 to 64 shards");
		goto out;
	}
	s->v = calloc(json_array_size(arr), sizeof(*s->v));
	if (s->v == NULL)
		goto out;
	for (i = 0; i < json_array_size(arr); i++) {
		json_t *o = json_array_get(arr, i), *w;
		const char *name = json_string_value(json_object_get(o, "name"));
		const char *dist = json_string_value(json_object_get(o,
		    "district"));
		const char *url = json_string_value(json_object_get(o, "db"));
		struct shard *sh = &s->v[s->n];
		char where[64], key[WARD_KEY_MAX], *perr = NULL;
		PQconninfoOption *opts;

		snprintf(where, sizeof(where), "shard %zu", i + 1);
		if (!json_is_object(o)) {
			log_error("%s: %s: want {\"name\": ..., \"district\": "
			    "..., \"db\": ..., \"wards\": [...]}", path, where);
			goto out;
		}
		if (known_keys(path, where, o, keys) != 0)
			goto out;
		if (name == NULL || !name_ok(name)) {
			log_error("%s: %s: want a name of lower-case letters, "
			    "digits and _ (at most %d, a letter first), such "
			    "as \"q1\"", path, where, SHARD_NAME_LEN);
			goto out;
		}
		snprintf(where, sizeof(where), "shard %s", name);
		if (dist == NULL || strlen(dist) > DISTRICT_LEN ||
		    ward_key(dist, key, sizeof(key)) != 0 || key[0] == '\0') {
			log_error("%s: %s: want its district's name (UTF-8, "
			    "at most %d bytes)", path, where, DISTRICT_LEN);
			goto out;
		}
		/* libpq's own message may quote the password: not said. */
		if (url == NULL || (strncmp(url, "postgresql://", 13) != 0 &&
		    strncmp(url, "postgres://", 11) != 0) ||
		    (opts = PQconninfoParse(url, &perr)) == NULL) {
			log_error("%s: %s: want its server's db as "
			    "postgresql://USER:PASSWORD@HOST:PORT/DBNAME (a "
			    "libpq URL: %%-escape what the password holds of "
			    ":@/?#%%)", path, where);
			PQfreemem(perr);
			goto out;
		}
		for (k = 0; opts[k].keyword != NULL; k++)
			if (opts[k].val != NULL && !in_list(server_opts,
			    opts[k].keyword) && !in_list(mapping_opts,
			    opts[k].keyword))
				break;
		if (opts[k].keyword != NULL) {
			log_error("%s: %s: its db's option '%s' is not one the "
			    "coordinator can pass on to its server "
			    "(postgres_fdw)", path, where, opts[k].keyword);
			PQconninfoFree(opts);
			goto out;
		}
		PQconninfoFree(opts);
		for (k = 0; k < s->n; k++)
			if (strcmp(s->v[k].name, name) == 0 ||
			    ward_same(s->v[k].district, dist)) {
				log_error("%s: shards %s and %s: two shards "
				    "with one name or one district", path,
				    s->v[k].name, name);
				goto out;
			}
		snprintf(sh->name, sizeof(sh->name), "%s", name);
		snprintf(sh->district, sizeof(sh->district), "%s", dist);
		sh->conninfo = strdup(url);
		s->n++;
		if (sh->conninfo == NULL)
			goto out;
		w = json_object_get(o, "wards");
		if (!json_is_array(w) || json_array_size(w) == 0) {
			log_error("%s: %s: want its wards, a list of names",
			    path, where);
			goto out;
		}
		for (k = 0; k < json_array_size(w); k++) {
			const char *ward = json_string_value(json_array_get(w,
			    k));
			struct shard *other;

			if (ward == NULL || strlen(ward) >
			    sizeof(((struct wire_device *)0)->ward) - 1 ||
			    ward_key(ward, key, sizeof(key)) != 0 ||
			    key[0] == '\0') {
				log_error("%s: %s: ward %zu is not a ward's "
				    "name", path, where, k + 1);
				goto out;
			}
			other = NULL;
			for (m = 0; m < s->n && other == NULL; m++)
				if (shard_of_ward(&(struct shards){ .v = &s->v[m],
				    .n = 1 }, ward) != NULL)
					other = &s->v[m];
			if (other != NULL) {
				log_error("%s: ward '%s' is in shard %s%s%s: a "
				    "ward is in one district", path, ward,
				    other->name, other == sh ? " twice" :
				    " and in shard ", other == sh ? "" : name);
				goto out;
			}
			if (add_ward(sh, key, ward) != 0) {
				log_error("%s: %s: at most %d wards", path,
				    where, SHARD_WARDS_MAX);
				goto out;
			}
		}
	}
	rc = 0;
out:
	json_decref(j);
	return rc;
}

int
shards_check_file(const char *path)
{
	struct shards s = { .n = 0 };
	size_t i;
	int rc = parse_file(path, &s);

	for (i = 0; i < s.n; i++)
		shard_release(&s.v[i]);
	free(s.v);
	return rc;
}

struct text_out {
	char *s;
};

static int
text_row(void *ctx, const struct db_row *r)
{
	struct text_out *t = ctx;

	free(t->s);
	t->s = strdup(db_text(r, 0));
	return t->s == NULL ? -1 : 0;
}

/* Make the statement with format(FMT, args) (PostgreSQL quotes the
 * values: %I, %L), then run it in TX. 0 or -1 (logged). */
static int
ddl(struct db_tx *tx, const char *fmt, const struct db_arg *a, size_t na)
{
	char sql[1024];
	struct text_out t = { NULL };
	size_t i;
	int rc;

	snprintf(sql, sizeof(sql), "SELECT format(CAST($1 AS text)");
	for (i = 0; i < na; i++)
		snprintf(sql + strlen(sql), sizeof(sql) - strlen(sql),
		    ", CAST($%zu AS text)", i + 2);
	snprintf(sql + strlen(sql), sizeof(sql) - strlen(sql), ")");
	{
		struct db_arg all[16];

		if (na + 1 > sizeof(all) / sizeof(all[0]))
			return -1;
		all[0] = DB_T(fmt);
		for (i = 0; i < na; i++)
			all[i + 1] = a[i];
		if (db_exec(tx, sql, all, na + 1, text_row, &t) != 1) {
			free(t.s);
			return -1;
		}
	}
	rc = db_exec(tx, t.s, NULL, 0, NULL, NULL) < 0 ? -1 : 0;
	free(t.s);
	return rc;
}

struct setting {
	char v[64];
	int found;
};

static int
setting_row(void *ctx, const struct db_row *r)
{
	struct setting *x = ctx;

	snprintf(x->v, sizeof(x->v), "%s", db_text(r, 0));
	x->found = 1;
	return 0;
}

static int
setting_get(struct db_tx *tx, const char *name, struct setting *x)
{
	struct db_arg a[1] = { DB_T(name) };

	memset(x, 0, sizeof(*x));
	return db_exec(tx, "SELECT value FROM settings WHERE name = $1", a, 1,
	    setting_row, x) < 0 ? -1 : 0;
}

/*
 * Make SH's server a collector database (or bring it up to date), mark it
 * as SH's, and give it the view district_visits that the coordinator's
 * partition reads. A shard the coordinator had already (KNOWN) must be
 * the database it was: one that is not marked as its own is refused (its
 * visits are in the other). *MARKED: the mark was made now. 0 or -1
 * (logged).
 */
static int
shard_setup(struct shard *sh, int known, int *marked)
{
	struct db *s = db_pg_open(sh->conninfo, 1, !known, 0);
	struct db_arg a[1] = { DB_T(sh->name) };
	struct db_arg dist[1] = { DB_T(sh->district) };
	struct setting coord, was;
	struct db_tx *tx;
	int rc = -1;

	*marked = 0;
	if (s == NULL) {
		log_error("shard %s (%s): its server's database cannot be "
		    "used (the reason is above)%s", sh->name, sh->district,
		    known ? "; it is a district the coordinator has, whose "
		    "database must be the one it had (to move a district to "
		    "another server, restore its database there first)" : "");
		return -1;
	}
	tx = s->ops->begin(s, DB_TX_WRITE);
	if (tx == NULL)
		goto out;
	if (setting_get(tx, "coordinator", &coord) != 0 ||
	    setting_get(tx, "shard", &was) != 0) {
		(void)s->ops->end(tx, 0);
		goto out;
	}
	if (coord.found || (was.found && strcmp(was.v, sh->name) != 0)) {
		log_error("shard %s (%s): its db is %s: each district needs a "
		    "database of its own", sh->name, sh->district, coord.found ?
		    "a coordinator's (this one's?)" : "another shard's");
		if (was.found && !coord.found)
			log_error("shard %s: that database belongs to shard %s",
			    sh->name, was.v);
		(void)s->ops->end(tx, 0);
		goto out;
	}
	if (known && !was.found) {
		log_error("shard %s (%s): its db is not the database the "
		    "district had (that one is marked as shard %s's, this one "
		    "is not): its visits would no longer be read. To move a "
		    "district to another server, restore its database there "
		    "first", sh->name, sh->district, sh->name);
		(void)s->ops->end(tx, 0);
		goto out;
	}
	/* The district first: columns added to visits later come after it,
	 * and the view can be made again in their order. */
	if (db_exec(tx, "INSERT INTO settings(name, value) VALUES ('shard', "
	    "$1) ON CONFLICT (name) DO NOTHING", a, 1, NULL, NULL) < 0 ||
	    db_exec(tx, "DROP VIEW IF EXISTS district_visits", NULL, 0, NULL,
	    NULL) < 0 ||
	    ddl(tx, "CREATE VIEW district_visits AS SELECT %L::text AS "
	    "district, v.* FROM visits v", dist, 1) != 0) {
		(void)s->ops->end(tx, 0);
		goto out;
	}
	rc = s->ops->end(tx, 1);
	*marked = rc == 0 && !was.found;
out:
	db_close(s);
	return rc;
}

/* Take back the mark shard_setup made on SH's database (init failed
 * after it): the database is free for another shard again. */
static void
shard_unmark(const struct shard *sh)
{
	struct db *s = db_pg_open(sh->conninfo, 1, 0, 0);
	struct db_arg a[1] = { DB_T(sh->name) };

	if (s == NULL || db_one(s, DB_TX_ONE, "DELETE FROM settings WHERE "
	    "name = 'shard' AND value = $1", a, 1, NULL, NULL) < 0)
		log_warn("shard %s: its database stays marked as shard %s's",
		    sh->name, sh->name);
	db_close(s);
}

/* SH's foreign server, user mapping and partition, made afresh. */
static int
shard_partition(struct db_tx *tx, const struct shard *sh)
{
	PQconninfoOption *opts = PQconninfoParse(sh->conninfo, NULL), *o;
	char server[48], table[48], fmt[2048], map[512];
	struct db_arg a[16], m[8];
	size_t na = 0, nm = 0;
	int rc = -1;

	if (opts == NULL)
		return -1;
	snprintf(server, sizeof(server), "shard_%s", sh->name);
	snprintf(table, sizeof(table), "visits_%s", sh->name);
	a[na++] = DB_T(server);
	m[nm++] = DB_T(server);
	/* Both districts' parts of a query at once; big venues' days in few
	 * round trips. */
	snprintf(fmt, sizeof(fmt), "CREATE SERVER %%I FOREIGN DATA WRAPPER "
	    "postgres_fdw OPTIONS (async_capable 'true', fetch_size '10000'");
	/* A server that hangs fails a read after 10 s, not never. */
	for (o = opts; o->keyword != NULL; o++)
		if (strcmp(o->keyword, "connect_timeout") == 0 && o->val)
			break;
	if (o->keyword == NULL)
		snprintf(fmt + strlen(fmt), sizeof(fmt) - strlen(fmt),
		    ", connect_timeout '10'");
	snprintf(map, sizeof(map), "CREATE USER MAPPING FOR CURRENT_USER "
	    "SERVER %%I");
	for (o = opts; o->keyword != NULL; o++) {
		if (o->val == NULL)
			continue;
		if (in_list(server_opts, o->keyword) && na < 15) {
			snprintf(fmt + strlen(fmt), sizeof(fmt) - strlen(fmt),
			    ", %s %%L", o->keyword);
			a[na++] = DB_T(o->val);
		} else if (in_list(mapping_opts, o->keyword) && nm < 7) {
			snprintf(map + strlen(map), sizeof(map) - strlen(map),
			    "%s %s %%L", nm == 1 ? " OPTIONS (" : ",",
			    o->keyword);
			m[nm++] = DB_T(o->val);
		} else {
			log_error("shard %s: its db's option '%s' is not one "
			    "the coordinator can pass on (postgres_fdw)",
			    sh->name, o->keyword);
			goto out;
		}
	}
	snprintf(fmt + strlen(fmt), sizeof(fmt) - strlen(fmt), ")");
	if (nm > 1)
		snprintf(map + strlen(map), sizeof(map) - strlen(map), ")");
	{
		struct db_arg p[3] = { DB_T(table), DB_T(sh->district),
		    DB_T(server) };
		struct db_arg row[3] = { DB_T(sh->name), DB_T(sh->district),
		    DB_T(sh->conninfo) };

		struct setting owner = { .found = 0 };

		/* Made again by the role that made it: another's DROP would
		 * take the collector's user mapping with it. */
		if (db_exec(tx, "SELECT pg_get_userbyid(srvowner) FROM "
		    "pg_foreign_server WHERE srvname = $1 AND srvowner <> "
		    "(SELECT oid FROM pg_roles WHERE rolname = current_user)",
		    a, 1, setting_row, &owner) < 0)
			goto out;
		if (owner.found) {
			log_error("shard %s: its foreign server belongs to the "
			    "PostgreSQL role %s: run collector init as that "
			    "role (the one collector serve uses)", sh->name,
			    owner.v);
			goto out;
		}
		if (ddl(tx, "DROP SERVER IF EXISTS %I CASCADE", a, 1) != 0 ||
		    ddl(tx, fmt, a, na) != 0 || ddl(tx, map, m, nm) != 0 ||
		    ddl(tx, "CREATE FOREIGN TABLE %I PARTITION OF visits FOR "
		    "VALUES IN (%L) SERVER %I OPTIONS (table_name "
		    "'district_visits')", p, 3) != 0)
			goto out;
		/* Read through it once, as every trace will: from the
		 * coordinator's server, with the user mapping. */
		if (ddl(tx, "SELECT 1 FROM %I LIMIT 1", p, 1) != 0) {
			log_error("shard %s (%s): the coordinator's PostgreSQL "
			    "server cannot read the district's visits (the "
			    "reason is above). Its db URL must work from that "
			    "server, with a password unless the collector's "
			    "role is a superuser, and the district's pg_hba.conf "
			    "must let the coordinator's server in "
			    "(docs/scaling.md)", sh->name, sh->district);
			goto out;
		}
		if (db_exec(tx, "INSERT INTO shards(name, district, conninfo) "
		    "VALUES ($1, $2, $3) ON CONFLICT (name) DO UPDATE SET "
		    "district = EXCLUDED.district, conninfo = EXCLUDED.conninfo",
		    row, 3, NULL, NULL) < 0)
			goto out;
	}
	for (size_t i = 0; i < sh->nwards; i++) {
		struct db_arg w[3] = { DB_T(sh->wards[i]),
		    DB_T(sh->ward_names[i]), DB_T(sh->name) };

		if (db_exec(tx, "INSERT INTO shard_wards(ward_key, ward, shard) "
		    "VALUES ($1, $2, $3) ON CONFLICT (ward_key) DO UPDATE SET "
		    "ward = EXCLUDED.ward", w, 3, NULL, NULL) < 0)
			goto out;
	}
	rc = 0;
out:
	PQconninfoFree(opts);
	return rc;
}

/* The coordinator's visits: partitioned by district (made so while it
 * holds none). */
static const char coordinator_visits[] =
	"CREATE TABLE visits("
	"  device_id text NOT NULL, instance_id text NOT NULL,"
	"  seq bigint NOT NULL, kind text NOT NULL, subject text NOT NULL,"
	"  sealed bytea, direction text NOT NULL, wall_ms bigint NOT NULL,"
	"  boot_id text NOT NULL, mono_ms bigint NOT NULL,"
	"  source text NOT NULL, received_ms bigint NOT NULL,"
	"  clock smallint NOT NULL DEFAULT 0, claimed_ms bigint,"
	"  district text NOT NULL) PARTITION BY LIST (district)";

/* Does the new list keep every shard and ward of the old? 0 or -1. */
static int
keeps(const char *path, const struct shards *had, struct shards *want)
{
	size_t i, j;

	for (i = 0; had != NULL && i < had->n; i++) {
		const struct shard *h = &had->v[i];
		struct shard *w = NULL;

		for (j = 0; j < want->n && w == NULL; j++)
			if (strcmp(want->v[j].name, h->name) == 0)
				w = &want->v[j];
		if (w == NULL) {
			log_error("%s: shard %s (%s) is not in it: the visits "
			    "on its server would no longer be read. Keep it "
			    "in the file", path, h->name, h->district);
			return -1;
		}
		if (strcmp(w->district, h->district) != 0) {
			log_error("%s: shard %s is district '%s' here, '%s' in "
			    "the coordinator: a district keeps its name (its "
			    "visits are filed under it)", path, h->name,
			    w->district, h->district);
			return -1;
		}
		for (j = 0; j < h->nwards; j++) {
			size_t k;
			int kept = 0;

			for (k = 0; k < w->nwards && !kept; k++)
				kept = strcmp(w->wards[k], h->wards[j]) == 0;
			if (!kept) {
				log_error("%s: a ward of shard %s (key '%s') "
				    "is no longer in it: a ward's visits stay "
				    "on the server they went to (a batch sent "
				    "again would be stored twice). Keep it in "
				    "shard %s", path, h->name, h->wards[j],
				    h->name);
				return -1;
			}
		}
	}
	return 0;
}

int
db_shards_setup(struct db *d, const char *path, FILE *out)
{
	struct shards want = { .n = 0 }, *had = NULL;
	struct setting was, strat;
	int *marked = NULL;
	struct db_tx *tx = NULL;
	size_t i;
	int rc = -1;

	if (strcmp(db_backend(d), "postgresql") != 0) {
		log_error("district shards need a PostgreSQL coordinator "
		    "(--db postgresql://...)");
		goto out;
	}
	if (parse_file(path, &want) != 0 || shards_read(d, &had) != 0 ||
	    keeps(path, had, &want) != 0)
		goto out;
	/* This database is the coordinator: marked before the shards are
	 * made, so that a shard's URL that points here is refused. */
	tx = d->ops->begin(d, DB_TX_WRITE);
	if (tx == NULL || setting_get(tx, "shard", &was) != 0)
		goto out;
	if (was.found) {
		log_error("this database is the server of shard %s: the "
		    "coordinator is a database of its own", was.v);
		goto out;
	}
	if (db_exec(tx, "INSERT INTO settings(name, value) VALUES "
	    "('coordinator', '1') ON CONFLICT (name) DO NOTHING", NULL, 0,
	    NULL, NULL) < 0)
		goto out;
	rc = d->ops->end(tx, 1);
	tx = NULL;
	if (rc != 0)
		goto out;
	rc = -1;
	marked = calloc(want.n, sizeof(*marked));
	if (marked == NULL)
		goto out;
	for (i = 0; i < want.n; i++) {
		int known = 0;

		for (size_t k = 0; had != NULL && k < had->n && !known; k++)
			known = strcmp(had->v[k].name, want.v[i].name) == 0;
		if (shard_setup(&want.v[i], known, &marked[i]) != 0)
			goto out;
	}
	/* One transaction: a running collector sees the old partitions or
	 * the new, never none. */
	tx = d->ops->begin(d, DB_TX_WRITE);
	if (tx == NULL)
		goto out;
	if (db_exec(tx, "CREATE EXTENSION IF NOT EXISTS postgres_fdw", NULL, 0,
	    NULL, NULL) < 0) {
		log_error("the coordinator needs postgres_fdw: as a superuser, "
		    "run CREATE EXTENSION postgres_fdw in this database (and "
		    "GRANT USAGE ON FOREIGN DATA WRAPPER postgres_fdw to the "
		    "collector's role), then init again");
		goto out;
	}
	memset(&strat, 0, sizeof(strat));
	if (db_exec(tx, "SELECT CAST(partstrat AS text) FROM "
	    "pg_partitioned_table WHERE partrelid = CAST('visits' AS regclass)",
	    NULL, 0, setting_row, &strat) < 0)
		goto out;
	if (strcmp(strat.v, "l") != 0) {
		int any = 0;

		if (db_exec(tx, "SELECT EXISTS (SELECT 1 FROM visits)", NULL, 0,
		    one_row, &any) < 0)
			goto out;
		if (any) {
			log_error("this database holds visits already: a "
			    "coordinator starts empty (its visits live on the "
			    "districts' servers)");
			goto out;
		}
		if (db_exec(tx, "DROP TABLE visits CASCADE", NULL, 0, NULL,
		    NULL) < 0 || db_exec(tx, coordinator_visits, NULL, 0, NULL,
		    NULL) < 0)
			goto out;
	}
	if (db_exec(tx, "CREATE TABLE IF NOT EXISTS shards(name text PRIMARY "
	    "KEY, district text NOT NULL, conninfo text NOT NULL)", NULL, 0,
	    NULL, NULL) < 0 || db_exec(tx, "CREATE TABLE IF NOT EXISTS "
	    "shard_wards(ward_key text PRIMARY KEY, ward text NOT NULL, shard "
	    "text NOT NULL REFERENCES shards(name))", NULL, 0, NULL, NULL) < 0)
		goto out;
	for (i = 0; i < want.n; i++)
		if (shard_partition(tx, &want.v[i]) != 0)
			goto out;
	rc = d->ops->end(tx, 1);
	tx = NULL;
	if (rc != 0)
		goto out;
	/* A count or sum grouped by district is made on each district's
	 * server, not by fetching its rows (PostgreSQL 15 does not send a
	 * partial aggregate to a foreign server: docs/scaling.md). */
	tx = d->ops->begin(d, DB_TX_WRITE);
	if (tx == NULL || db_exec(tx, "SELECT current_database()", NULL, 0,
	    setting_row, &was) < 0 || ddl(tx, "ALTER DATABASE %I SET "
	    "enable_partitionwise_aggregate = on", (struct db_arg[]){
	    DB_T(was.v) }, 1) != 0 || d->ops->end(tx, 1) != 0)
		log_warn("the coordinator's database could not be set to "
		    "count on the districts' servers (its owner can: ALTER "
		    "DATABASE ... SET enable_partitionwise_aggregate = on)");
	else
		tx = NULL;
	if (tx != NULL)
		(void)d->ops->end(tx, 0);
	tx = NULL;
	for (i = 0; i < want.n; i++) {
		PQconninfoOption *o = PQconninfoParse(want.v[i].conninfo, NULL);
		const char *host = NULL, *port = NULL, *db = NULL;

		for (size_t k = 0; o != NULL && o[k].keyword != NULL; k++) {
			if (strcmp(o[k].keyword, "host") == 0)
				host = o[k].val;
			else if (strcmp(o[k].keyword, "port") == 0)
				port = o[k].val;
			else if (strcmp(o[k].keyword, "dbname") == 0)
				db = o[k].val;
		}
		/* Named by host and database: the URL may hold a password. */
		fprintf(out, "shard %s: district %s, %zu ward%s, on %s%s%s "
		    "database %s\n", want.v[i].name, want.v[i].district,
		    want.v[i].nwards, want.v[i].nwards == 1 ? "" : "s",
		    host ? host : "the local server", port ? ":" : "",
		    port ? port : "", db ? db : "(default)");
		PQconninfoFree(o);
	}
out:
	if (tx != NULL)
		(void)d->ops->end(tx, 0);
	for (i = 0; rc != 0 && marked != NULL && i < want.n; i++)
		if (marked[i])
			shard_unmark(&want.v[i]);
	free(marked);
	for (i = 0; i < want.n; i++)
		shard_release(&want.v[i]);
	free(want.v);
	shards_free(had);
	return rc;
}
