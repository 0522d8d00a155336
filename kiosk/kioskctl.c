/*
 * kioskctl: set up and look after a kiosk from a shell.
 *
 * Each subcommand is one function, cmd_<name>(argc, argv), that parses its
 * own options and returns the exit code: 0 done, 1 failed, 2 usage error,
 * 3 scan rejected (checkin only). Only main() exits. The work is done by
 * the kiosk core (checkin, store, pass, decode); this file is the command
 * line around it. See docs/kioskctl.md.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "checkin.h"
#include "http.h"
#include "config.h"
#include "csv.h"
#include "decode.h"
#include "fileio.h"
#include "image.h"
#include "keys.h"
#include "ktime.h"
#include "log.h"
#include "pass.h"
#include "payload.h"
#include "qr.h"
#include "store.h"
#include "token.h"
#include "outbox.h"
#include "wipe.h"
#include "i18n.h"

#define EXIT_USAGE 2
#define EXIT_REJECTED 3
#define DEFAULT_DB "/var/lib/kiosk/visits.db"

/* Options given before the subcommand. */
static const char *opt_db;
static const char *opt_config;
static const char *opt_lang;

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: kioskctl [--db PATH] [--config PATH] [--lang vi|en] "
	    "COMMAND [ARGS]\n"
	    "\n"
	    "commands:\n"
	    "  init --venue-id ID --venue-name NAME [--address A] [--ward W]\n"
	    "       [--authority-key PUBFILE] [--force]\n"
	    "                          set up a new kiosk store and settings\n"
	    "  enroll --collector URL --token T\n"
	    "                          register this kiosk with the ward's "
	    "collector\n"
	    "  checkin (--payload TEXT | --payload-file FILE|-)\n"
	    "       [--source camera|scanner|keypad] [--at TIME]\n"
	    "                          record a scan, as the kiosk does\n"
	    "  status [--json]         today's count, uploads, health\n"
	    "  export --format csv|json [--from T] [--to T] [--pending] "
	    "[--out FILE]\n"
	    "                          visits, personal fields still sealed\n"
	    "  purge [--days N]        delete uploaded visits older than the "
	    "retention\n"
	    "  keys --type issuer|authority|device --out PREFIX\n"
	    "                          make a key pair (PREFIX.sec, PREFIX.pub)\n"
	    "  issue-pass --issuer-key FILE --role visitor|officer --name NAME\n"
	    "       [--id ID] [--valid-from T] [--valid-days N | --expires T] "
	    "[--png FILE]\n"
	    "                          print a signed pass (and its QR)\n"
	    "  decode FILE...          read QR codes in PNG/JPEG files\n"
	    "  set-pin PIN             change the admin screen PIN\n"
	    "  verify-receipt [--device-pub FILE] TEXT|-\n"
	    "                          check a patrol receipt from a kiosk's "
	    "screen\n"
	    "\n"
	    "The store is --db, else $KIOSK_DB, else %s; its settings\n"
	    "are kiosk.conf in the same folder unless --config is given.\n",
	    DEFAULT_DB);
}

static const char *
db_path(void)
{
	const char *e;

	if (opt_db != NULL)
		return opt_db;
	e = getenv("KIOSK_DB");
	return (e != NULL && *e != '\0') ? e : DEFAULT_DB;
}

static int
config_file(char *buf, size_t size)
{
	int r;

	if (opt_config != NULL) {
		r = snprintf(buf, size, "%s", opt_config);
		return (r < 0 || (size_t)r >= size) ? -1 : 0;
	}
	return config_path_for(db_path(), buf, size);
}

/* Load the settings of the store at db_path(). */
static int
load_config(struct config *c)
{
	char path[CONFIG_PATH_MAX];

	config_defaults(c, db_path());
	if (config_file(path, sizeof(path)) != 0) {
		log_error("settings path too long");
		return -1;
	}
	return config_load(path, c);
}

/* Print J as one JSON line on stdout and release it. */
static int
print_json(json_t *j)
{
	int r;

	if (j == NULL) {
		log_error("out of memory");
		return -1;
	}
	r = json_dumpf(j, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER |
	    JSON_REAL_PRECISION(6));
	json_decref(j);
	if (r != 0 || fputc('\n', stdout) == EOF || fflush(stdout) != 0) {
		log_error("cannot write to standard output");
		return -1;
	}
	return 0;
}

/* An ISO time, or JSON null for 0 (never). */
static json_t *
json_time(int64_t ms)
{
	char buf[40];

	if (ms == 0 || ktime_format(ms, buf, sizeof(buf)) != 0)
		return json_null();
	return json_string(buf);
}

static void
text_time(int64_t ms, char *buf, size_t size)
{
	if (ms == 0 || ktime_format(ms, buf, size) != 0)
		snprintf(buf, size, "never");
}

/* Parse a non-negative int option; -1 if bad. */
static int
parse_count(const char *s, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < 0 || v > max)
		return -1;
	*out = v;
	return 0;
}

/* Create FILE with TEXT if it does not exist yet. */
static int
create_if_missing(const char *path, const char *text)
{
	if (access(path, F_OK) == 0)
		return 0;
	return fileio_write_atomic(path, text, strlen(text), 0644);
}

static int
cmd_init(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "venue-id", required_argument, NULL, 'i' },
		{ "venue-name", required_argument, NULL, 'n' },
		{ "address", required_argument, NULL, 'a' },
		{ "ward", required_argument, NULL, 'w' },
		{ "authority-key", required_argument, NULL, 'k' },
		{ "force", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 }
	};
	const char *venue_id = NULL, *venue_name = NULL, *address = "",
	    *ward = "", *authority = NULL, *why;
	char cpath[CONFIG_PATH_MAX], dir[CONFIG_PATH_MAX], prefix[4200];
	char detail[256];
	struct config c;
	struct store *s;
	int ch, force = 0, r;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'i': venue_id = optarg; break;
		case 'n': venue_name = optarg; break;
		case 'a': address = optarg; break;
		case 'w': ward = optarg; break;
		case 'k': authority = optarg; break;
		case 'f': force = 1; break;
		default: return EXIT_USAGE;
		}
	}
	if (optind != argc || venue_id == NULL || venue_name == NULL) {
		fprintf(stderr, "usage: kioskctl init --venue-id ID "
		    "--venue-name NAME [--address A] [--ward W] "
		    "[--authority-key PUBFILE] [--force]\n");
		return EXIT_USAGE;
	}
	if (config_file(cpath, sizeof(cpath)) != 0 ||
	    fileio_dirname(db_path(), dir, sizeof(dir)) != 0) {
		log_error("path too long");
		return 1;
	}
	if (access(cpath, F_OK) == 0 && !force) {
		log_error("'%s' exists: this kiosk is already set up (use "
		    "--force to rewrite its settings; visits are kept)", cpath);
		return 1;
	}
	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		log_error("cannot create '%s': %s", dir, strerror(errno));
		return 1;
	}

	config_defaults(&c, db_path());
	if (config_set(&c, "venue_id", venue_id, &why) != 0) {
		log_error("bad --venue-id: want %s", why);
		return EXIT_USAGE;
	}
	if (config_set(&c, "venue_name", venue_name, &why) != 0 ||
	    config_set(&c, "address", address, &why) != 0 ||
	    config_set(&c, "ward", ward, &why) != 0) {
		log_error("bad venue name, address or ward: want %s", why);
		return EXIT_USAGE;
	}
	if (authority != NULL) {
		if (keys_load_public(authority, KEY_X25519, c.authority_pk) != 0)
			return 1;
	} else {
		struct key_pair kp;

		/* A demo only: a real venue gets the authority's key. */
		r = snprintf(prefix, sizeof(prefix), "%s/demo-authority", dir);
		if (r < 0 || (size_t)r >= sizeof(prefix))
			return 1;
		keys_generate(KEY_X25519, &kp);
		if (keys_save(&kp, prefix) != 0) {
			keys_wipe(&kp);
			return 1;
		}
		memcpy(c.authority_pk, kp.pk, KEYS_PUB_LEN);
		keys_wipe(&kp);
		printf("demo authority key: %s.sec (secret) and %s.pub\n"
		    "  (for a real venue, pass the health authority's public "
		    "key with --authority-key)\n", prefix, prefix);
	}
	c.have_authority = 1;

	/* The device key signs the venue QR, patrol receipts and uploads. */
	if (access(c.device_key, F_OK) != 0) {
		struct key_pair dk;
		char dprefix[CONFIG_PATH_MAX];
		size_t dl = strlen(c.device_key);

		if (dl < 5 || strcmp(c.device_key + dl - 4, ".sec") != 0)
			return 1;
		memcpy(dprefix, c.device_key, dl - 4);
		dprefix[dl - 4] = '\0';
		keys_generate(KEY_ED25519, &dk);
		r = keys_save(&dk, dprefix);
		keys_wipe(&dk);
		if (r != 0)
			return 1;
	}
	if (c.admin_pin[0] == '\0') {
		char pin[8];
		uint32_t n = randombytes_uniform(1000000);

		snprintf(pin, sizeof(pin), "%06u", (unsigned)n);
		if (crypto_pwhash_str(c.admin_pin, pin, strlen(pin),
		    crypto_pwhash_OPSLIMIT_INTERACTIVE,
		    crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
			log_error("out of memory hashing the PIN");
			return 1;
		}
		printf("admin screen PIN: %s (write it down; change it with "
		    "`kioskctl set-pin`)\n", pin);
		sodium_memzero(pin, sizeof(pin));
	}

	s = store_open(db_path());
	if (s == NULL)
		return 1;
	if (create_if_missing(c.trust_file,
	    "# Pass issuers this kiosk trusts: one \"ed25519:<base64>\" "
	    "line each\n# (append an issuer's .pub file).\n") != 0 ||
	    create_if_missing(c.revoked_file,
	    "# Revoked pass ids, one a line.\n") != 0 ||
	    config_save(cpath, &c) != 0) {
		store_close(s);
		return 1;
	}
	snprintf(detail, sizeof(detail), "{\"action\":\"init\"}");
	(void)store_event(s, "admin", detail, ktime_wall_ms());
	printf("kiosk set up for venue %s\n  store:    %s\n  instance: %s\n"
	    "  settings: %s\n  trust:    %s\n", c.venue_id, db_path(),
	    store_instance_id(s), cpath, c.trust_file);
	store_close(s);
	return 0;
}

/* Read a payload from FILE ("-" for stdin), at most the parser's limit + 2. */
static char *
read_payload_file(const char *path, size_t *len)
{
	size_t cap = PAYLOAD_MAX_BYTES + 8, n;
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	char *buf;

	if (f == NULL) {
		log_error("cannot open '%s': %s", path, strerror(errno));
		return NULL;
	}
	buf = malloc(cap + 1);
	if (buf != NULL) {
		n = fread(buf, 1, cap, f);
		buf[n] = '\0';
		*len = n;	/* more than the limit is refused as too long */
	}
	if (f != stdin)
		fclose(f);
	return buf;
}

static int
cmd_set_pin(int argc, char **argv)
{
	char cpath[CONFIG_PATH_MAX], pin[64];
	struct config c;
	size_t n, i;
	int r;

	if (argc != 2) {
		fprintf(stderr, "usage: kioskctl set-pin PIN   (4-12 digits; "
		    "\"-\" reads it from stdin)\n");
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "-") == 0) {
		if (fgets(pin, sizeof(pin), stdin) == NULL)
			return EXIT_USAGE;
		pin[strcspn(pin, "\r\n")] = '\0';
	} else {
		snprintf(pin, sizeof(pin), "%s", argv[1]);
	}
	n = strlen(pin);
	for (i = 0; i < n; i++)
		if (pin[i] < '0' || pin[i] > '9')
			n = 0;
	if (n < 4 || n > 12) {
		sodium_memzero(pin, sizeof(pin));
		fprintf(stderr, "kioskctl: the PIN must be 4-12 digits\n");
		return EXIT_USAGE;
	}
	if (load_config(&c) != 0 || config_file(cpath, sizeof(cpath)) != 0)
		return 1;
	r = crypto_pwhash_str(c.admin_pin, pin, n,
	    crypto_pwhash_OPSLIMIT_INTERACTIVE,
	    crypto_pwhash_MEMLIMIT_INTERACTIVE);
	sodium_memzero(pin, sizeof(pin));
	if (r != 0 || config_save(cpath, &c) != 0)
		return 1;
	printf("admin PIN changed; restart the kiosk to use it\n");
	return 0;
}

static int
cmd_checkin(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "payload", required_argument, NULL, 'p' },
		{ "payload-file", required_argument, NULL, 'f' },
		{ "source", required_argument, NULL, 's' },
		{ "at", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 }
	};
	const char *payload = NULL, *pfile = NULL, *source = "scanner";
	struct checkin_ctx ctx;
	struct checkin_out out;
	struct pass_trust *trust = NULL;
	struct i18n *str = NULL;
	struct config c;
	struct store *s = NULL;
	char *text = NULL, key[64];
	int64_t now = ktime_wall_ms();
	size_t len;
	json_t *j;
	int ch, ret = 1;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'p': payload = optarg; break;
		case 'f': pfile = optarg; break;
		case 's': source = optarg; break;
		case 't':
			if (ktime_parse(optarg, &now) != 0) {
				log_error("bad --at time '%s'", optarg);
				return EXIT_USAGE;
			}
			break;
		default: return EXIT_USAGE;
		}
	}
	if (optind != argc || (payload == NULL) == (pfile == NULL) ||
	    !checkin_source_valid(source) || strcmp(source, "phone") == 0) {
		fprintf(stderr, "usage: kioskctl checkin (--payload TEXT | "
		    "--payload-file FILE|-) [--source camera|scanner|keypad] "
		    "[--at TIME]\n");
		return EXIT_USAGE;
	}
	if (pfile != NULL) {
		text = read_payload_file(pfile, &len);
		if (text == NULL)
			return 1;
	} else {
		len = strlen(payload);
	}
	if (load_config(&c) != 0)
		goto done;
	trust = pass_trust_load(c.trust_file, c.revoked_file);
	s = store_open(db_path());
	if (trust == NULL || s == NULL)
		goto done;
	str = i18n_load(i18n_dir(), opt_lang ? opt_lang : c.language);

	ctx.store = s;
	ctx.config = &c;
	ctx.trust = trust;
	if (checkin_scan(&ctx, text ? text : payload, len, source, now,
	    &out) != 0) {
		fprintf(stderr, "kioskctl: %s\n", i18n_get(str,
		    "error.system"));
		goto done;
	}
	j = json_object();
	switch (out.result) {
	case CHECKIN_ACCEPTED:
	case CHECKIN_DUPLICATE:
		json_object_set_new(j, "result", json_string(
		    out.result == CHECKIN_ACCEPTED ? "accepted" : "duplicate"));
		if (!out.patrol)
			json_object_set_new(j, "seq", json_integer(out.seq));
		json_object_set_new(j, "kind",
		    json_string(payload_kind_name(out.kind)));
		if (out.patrol) {
			json_object_set_new(j, "patrol", json_true());
		} else {
			json_object_set_new(j, "direction", json_string(
			    out.dir == STORE_OUT ? "out" : "in"));
		}
		if (out.result == CHECKIN_DUPLICATE)
			json_object_set_new(j, "first_seen",
			    json_time(out.previous_ms));
		if (out.warnings & PAYLOAD_WARN_PROVINCE)
			json_object_set_new(j, "warnings",
			    json_pack("[s]", "unknown_province"));
		ret = 0;
		break;
	case CHECKIN_REJECTED:
		snprintf(key, sizeof(key), "reason.%s",
		    reason_code(out.reason));
		json_object_set_new(j, "result", json_string("rejected"));
		json_object_set_new(j, "reason",
		    json_string(reason_code(out.reason)));
		json_object_set_new(j, "message",
		    json_string(i18n_get(str, key)));
		ret = EXIT_REJECTED;
		break;
	}
	if (print_json(j) != 0)
		ret = 1;
done:
	sodium_memzero(&out, sizeof(out));
	if (text != NULL) {
		sodium_memzero(text, len);
		free(text);
	}
	i18n_free(str);
	pass_trust_free(trust);
	store_close(s);
	return ret;
}

struct reject_list {
	json_t *obj;
	char text[512];
	size_t used;
};

static void
collect_reject(void *ctx, const char *reason, int64_t count)
{
	struct reject_list *rl = ctx;
	int r;

	if (rl->obj != NULL)
		json_object_set_new(rl->obj, reason, json_integer(count));
	if (rl->used < sizeof(rl->text)) {
		r = snprintf(rl->text + rl->used, sizeof(rl->text) - rl->used,
		    "%s%s %lld", rl->used ? ", " : "", reason,
		    (long long)count);
		if (r > 0)
			rl->used += (size_t)r;
	}
}

static int
cmd_status(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 }
	};
	struct store_status st;
	struct reject_list rl;
	struct config c;
	struct store *s;
	const char *health;
	char t1[40], t2[40], t3[40];
	int ch, as_json = 0, ret = 1, check;
	int64_t now = ktime_wall_ms();

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch != 'j')
			return EXIT_USAGE;
		as_json = 1;
	}
	if (optind != argc) {
		fprintf(stderr, "usage: kioskctl status [--json]\n");
		return EXIT_USAGE;
	}
	if (load_config(&c) != 0)
		return 1;
	s = store_open(db_path());
	if (s == NULL)
		return 1;
	if (store_status(s, now, c.retention_days, &st) != 0)
		goto done;
	check = store_check(s, 0);
	health = check != 0 ? "corrupt" :
	    store_recovered_from(s) ? "recovered" : "ok";
	memset(&rl, 0, sizeof(rl));
	if (as_json) {
		json_t *j = json_object();

		rl.obj = json_object();
		if (store_rejects(s, collect_reject, &rl) != 0) {
			json_decref(j);
			json_decref(rl.obj);
			goto done;
		}
		json_object_set_new(j, "venue_id", json_string(c.venue_id));
		json_object_set_new(j, "venue_name", json_string(c.venue_name));
		json_object_set_new(j, "instance_id",
		    json_string(store_instance_id(s)));
		json_object_set_new(j, "visits_total",
		    json_integer(st.visits_total));
		json_object_set_new(j, "visits_today",
		    json_integer(st.visits_today));
		json_object_set_new(j, "pending_upload",
		    json_integer(st.pending_upload));
		json_object_set_new(j, "pending_overdue",
		    json_integer(st.pending_overdue));
		json_object_set_new(j, "oldest_pending",
		    json_time(st.oldest_pending_ms));
		json_object_set_new(j, "last_upload",
		    json_time(st.last_upload_ms));
		json_object_set_new(j, "last_heartbeat",
		    json_time(st.last_heartbeat_ms));
		json_object_set_new(j, "last_visit",
		    json_time(st.last_visit_ms));
		json_object_set_new(j, "rejects_today",
		    json_integer(st.rejects_today));
		json_object_set_new(j, "rejects_total",
		    json_integer(st.rejects_total));
		json_object_set_new(j, "rejects", rl.obj);
		json_object_set_new(j, "seq_max", json_integer(st.seq_max));
		json_object_set_new(j, "quarantined",
		    json_integer(st.quarantined));
		json_object_set_new(j, "store_health", json_string(health));
		ret = print_json(j) == 0 ? 0 : 1;
		goto done;
	}
	if (store_rejects(s, collect_reject, &rl) != 0)
		goto done;
	text_time(st.last_upload_ms, t1, sizeof(t1));
	text_time(st.last_heartbeat_ms, t2, sizeof(t2));
	text_time(st.oldest_pending_ms, t3, sizeof(t3));
	printf("venue:            %s (%s)\n", c.venue_name, c.venue_id);
	printf("store:            %s, instance %s, health %s\n", db_path(),
	    store_instance_id(s), health);
	printf("visits today:     %lld\n", (long long)st.visits_today);
	printf("visits total:     %lld\n", (long long)st.visits_total);
	printf("not yet uploaded: %lld%s%s%s\n", (long long)st.pending_upload,
	    st.pending_upload ? " (oldest " : "", st.pending_upload ? t3 : "",
	    st.pending_upload ? ")" : "");
	if (st.pending_overdue > 0)
		printf("  warning: %lld of them are older than %d days: check "
		    "the network and kiosk-sync\n",
		    (long long)st.pending_overdue, c.retention_days);
	if (st.quarantined > 0)
		printf("  ALERT: %lld visits were refused by the collector and "
		    "set aside (see the kiosk-sync log)\n",
		    (long long)st.quarantined);
	printf("last upload:      %s\n", t1);
	printf("last heartbeat:   %s\n", t2);
	printf("rejected scans:   %lld today, %lld kept in all%s%s%s\n",
	    (long long)st.rejects_today, (long long)st.rejects_total,
	    rl.used ? " (" : "", rl.text, rl.used ? ")" : "");
	ret = 0;
done:
	store_close(s);
	return ret;
}

struct export_ctx {
	FILE *f;
	int json;
	int count;
};

static int
export_visit(void *arg, const struct store_visit *v)
{
	struct export_ctx *e = arg;
	char subject[160], time[40], up[40], seq[24], mono[24];
	char *sealed = NULL;
	size_t b64len;
	int r = 0;

	snprintf(subject, sizeof(subject), "%s:%s", v->kind, v->subject);
	if (ktime_format(v->wall_ms, time, sizeof(time)) != 0)
		return -1;
	if (v->uploaded_ms)
		ktime_format(v->uploaded_ms, up, sizeof(up));
	else
		up[0] = '\0';
	if (v->sealed != NULL) {
		b64len = sodium_base64_ENCODED_LEN(v->sealed_len,
		    sodium_base64_VARIANT_ORIGINAL);
		sealed = malloc(b64len);
		if (sealed == NULL)
			return -1;
		sodium_bin2base64(sealed, b64len, v->sealed, v->sealed_len,
		    sodium_base64_VARIANT_ORIGINAL);
	}
	if (e->json) {
		json_t *j = json_pack("{s:I, s:s, s:s, s:s, s:s, s:I, s:s, "
		    "s:I, s:s}", "seq", (json_int_t)v->seq,
		    "instance_id", v->instance_id, "subject", subject,
		    "direction", v->dir == STORE_OUT ? "out" : "in",
		    "time", time, "time_ms", (json_int_t)v->wall_ms,
		    "boot_id", v->boot_id, "mono_ms", (json_int_t)v->mono_ms,
		    "source", v->source);

		if (j == NULL) {
			free(sealed);
			return -1;
		}
		json_object_set_new(j, "uploaded",
		    up[0] ? json_string(up) : json_null());
		json_object_set_new(j, "sealed",
		    sealed ? json_string(sealed) : json_null());
		if (e->count > 0)
			fputs(",\n", e->f);
		r = json_dumpf(j, e->f, JSON_COMPACT | JSON_PRESERVE_ORDER);
		json_decref(j);
	} else {
		snprintf(seq, sizeof(seq), "%lld", (long long)v->seq);
		snprintf(mono, sizeof(mono), "%lld", (long long)v->mono_ms);
		r = csv_cell(e->f, seq, 1) || csv_cell(e->f, v->instance_id, 0) ||
		    csv_cell(e->f, subject, 0) ||
		    csv_cell(e->f, v->dir == STORE_OUT ? "out" : "in", 0) ||
		    csv_cell(e->f, time, 0) || csv_cell(e->f, v->boot_id, 0) ||
		    csv_cell(e->f, mono, 0) || csv_cell(e->f, v->source, 0) ||
		    csv_cell(e->f, up, 0) ||
		    csv_cell(e->f, sealed ? sealed : "", 0) || csv_end(e->f);
	}
	free(sealed);
	e->count++;
	return r ? -1 : 0;
}

/*
 * export --sealed: every not-yet-uploaded visit as the same signed batches
 * kiosk-sync would send, with the device's public key and venue, the
 * whole sealed to the health authority (nobody but the collector's
 * operator with the authority's key can read the stick), for a kiosk that
 * never reaches the network. `collector import` verifies and ingests it
 * exactly like an upload. Nothing is marked uploaded: rows stay pending
 * until a collector acknowledges them over the network, and importing
 * the same visits twice stores them once.
 */
static int
export_sealed(const char *out)
{
	struct key_pair dev;
	struct config c;
	struct wire_device venue;
	struct store *s;
	char *file = NULL;
	size_t flen = 0;
	int64_t visits = 0;
	int rc = 1;

	if (load_config(&c) != 0)
		return 1;
	if (!c.have_authority) {
		log_error("no authority_key in the settings: a sealed export "
		    "needs the health authority's public key");
		return 1;
	}
	if (keys_load_secret(c.device_key, KEY_ED25519, &dev) != 0)
		return 1;
	s = store_open(db_path());
	if (s == NULL) {
		keys_wipe(&dev);
		return 1;
	}
	config_venue(&c, &venue);
	if (outbox_export(s, &dev, &venue, c.authority_pk, &file, &flen,
	    &visits) == 0 && fileio_write_atomic(out, file, flen, 0600) == 0) {
		fprintf(stderr, "kioskctl: %lld visits sealed for the health "
		    "authority into %s; they stay pending here until a "
		    "collector acknowledges them\n", (long long)visits, out);
		print_json(json_pack("{s:I, s:s}", "exported",
		    (json_int_t)visits, "out", out));
		rc = 0;
	}
	store_close(s);
	keys_wipe(&dev);
	free(file);
	return rc;
}

static int
cmd_export(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "from", required_argument, NULL, 'a' },
		{ "to", required_argument, NULL, 'b' },
		{ "pending", no_argument, NULL, 'p' },
		{ "out", required_argument, NULL, 'o' },
		{ "sealed", no_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 }
	};
	const char *format = NULL, *out = NULL;
	int64_t from = 0, to = INT64_MAX;
	struct export_ctx e = { stdout, 0, 0 };
	struct store *s;
	int ch, pending = 0, sealed = 0, r;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'f': format = optarg; break;
		case 'a':
		case 'b':
			if (ktime_parse(optarg, ch == 'a' ? &from : &to) != 0) {
				log_error("bad time '%s': want YYYY-MM-DD, "
				    "YYYY-MM-DDTHH:MM[:SS][Z|+hh:mm] or Unix "
				    "seconds", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'p': pending = 1; break;
		case 'o': out = optarg; break;
		case 's': sealed = 1; break;
		default: return EXIT_USAGE;
		}
	}
	if (sealed) {
		if (optind != argc || out == NULL || format != NULL) {
			fprintf(stderr, "usage: kioskctl export --sealed --out "
			    "FILE\n");
			return EXIT_USAGE;
		}
		return export_sealed(out);
	}
	if (optind != argc || format == NULL ||
	    (strcmp(format, "csv") != 0 && strcmp(format, "json") != 0)) {
		fprintf(stderr, "usage: kioskctl export --format csv|json "
		    "[--from T] [--to T] [--pending] [--out FILE]\n"
		    "       kioskctl export --sealed --out FILE\n");
		return EXIT_USAGE;
	}
	e.json = strcmp(format, "json") == 0;
	s = store_open(db_path());
	if (s == NULL)
		return 1;
	if (out != NULL) {
		e.f = fopen(out, "w");
		if (e.f == NULL) {
			log_error("cannot create '%s': %s", out,
			    strerror(errno));
			store_close(s);
			return 1;
		}
	}
	if (e.json) {
		fputs("[\n", e.f);
	} else {
		csv_bom(e.f);
		fputs("seq,instance_id,subject,direction,time,boot_id,mono_ms,"
		    "source,uploaded,sealed\r\n", e.f);
	}
	r = store_foreach_visit(s, from, to, pending, export_visit, &e);
	if (e.json)
		fputs(e.count ? "\n]\n" : "]\n", e.f);
	if (fflush(e.f) != 0 || ferror(e.f))
		r = -1;
	if (out != NULL && fclose(e.f) != 0)
		r = -1;
	if (r != 0)
		log_error("export failed after %d visits", e.count);
	else if (out != NULL)
		fprintf(stderr, "kioskctl: %d visits written to %s\n", e.count,
		    out);
	store_close(s);
	return r == 0 ? 0 : 1;
}

static int
cmd_purge(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "days", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 }
	};
	struct store_purge_res res;
	struct config c;
	struct store *s;
	char detail[160];
	long days = -1;
	int ch, r;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch != 'd' || parse_count(optarg, 3650, &days) != 0 ||
		    days < 1) {
			fprintf(stderr, "kioskctl: --days wants 1-3650\n");
			return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "usage: kioskctl purge [--days N]\n");
		return EXIT_USAGE;
	}
	if (load_config(&c) != 0)
		return 1;
	if (days < 0)
		days = c.retention_days;
	s = store_open(db_path());
	if (s == NULL)
		return 1;
	r = store_purge(s, ktime_wall_ms(), (int)days, &res);
	if (r == 0) {
		snprintf(detail, sizeof(detail), "{\"action\":\"purge\","
		    "\"days\":%ld,\"visits\":%lld,\"events\":%lld}", days,
		    (long long)res.visits_deleted,
		    (long long)res.events_deleted);
		(void)store_event(s, "admin", detail, ktime_wall_ms());
		printf("purged %lld uploaded visits and %lld events older than "
		    "%ld days; kept %lld old visits not yet uploaded\n",
		    (long long)res.visits_deleted,
		    (long long)res.events_deleted, days,
		    (long long)res.kept_unuploaded);
	}
	store_close(s);
	return r == 0 ? 0 : 1;
}

static int
cmd_keys(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "type", required_argument, NULL, 't' },
		{ "out", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 }
	};
	const char *type = NULL, *out = NULL;
	char id[KEYS_ID_LEN + 1];
	struct key_pair kp;
	enum key_type kt;
	int ch, r;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 't': type = optarg; break;
		case 'o': out = optarg; break;
		default: return EXIT_USAGE;
		}
	}
	if (optind != argc || type == NULL || out == NULL ||
	    (strcmp(type, "issuer") != 0 && strcmp(type, "authority") != 0 &&
	    strcmp(type, "device") != 0)) {
		fprintf(stderr, "usage: kioskctl keys --type "
		    "issuer|authority|device --out PREFIX\n");
		return EXIT_USAGE;
	}
	kt = strcmp(type, "authority") == 0 ? KEY_X25519 : KEY_ED25519;
	keys_generate(kt, &kp);
	r = keys_save(&kp, out);
	keys_id(kp.pk, id);
	keys_wipe(&kp);
	if (r != 0)
		return 1;
	printf("%s key %s: secret %s.sec (keep it safe), public %s.pub\n",
	    type, id, out, out);
	return 0;
}

static int
cmd_issue_pass(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "issuer-key", required_argument, NULL, 'k' },
		{ "role", required_argument, NULL, 'r' },
		{ "name", required_argument, NULL, 'n' },
		{ "id", required_argument, NULL, 'i' },
		{ "valid-from", required_argument, NULL, 'f' },
		{ "valid-days", required_argument, NULL, 'd' },
		{ "expires", required_argument, NULL, 'e' },
		{ "png", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 }
	};
	const char *keyfile = NULL, *role = NULL, *name = NULL, *id = "",
	    *png = NULL;
	int64_t from = ktime_wall_ms(), expires = 0;
	char text[PASS_TEXT_MAX + 1], when[40];
	struct pass_info info;
	struct key_pair kp;
	struct image img;
	long days = 365;
	int ch, r;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'k': keyfile = optarg; break;
		case 'r': role = optarg; break;
		case 'n': name = optarg; break;
		case 'i': id = optarg; break;
		case 'p': png = optarg; break;
		case 'f':
		case 'e':
			if (ktime_parse(optarg, ch == 'f' ? &from :
			    &expires) != 0) {
				log_error("bad time '%s'", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'd':
			if (parse_count(optarg, 3650, &days) != 0 ||
			    days < 1) {
				log_error("--valid-days wants 1-3650");
				return EXIT_USAGE;
			}
			break;
		default: return EXIT_USAGE;
		}
	}
	if (optind != argc || keyfile == NULL || role == NULL ||
	    name == NULL || (strcmp(role, "visitor") != 0 &&
	    strcmp(role, "officer") != 0)) {
		fprintf(stderr, "usage: kioskctl issue-pass --issuer-key FILE "
		    "--role visitor|officer --name NAME [--id ID] "
		    "[--valid-from T] [--valid-days N | --expires T] "
		    "[--png FILE]\n");
		return EXIT_USAGE;
	}
	memset(&info, 0, sizeof(info));
	if (strlen(id) > PASS_ID_MAX || strlen(name) > PASS_NAME_MAX) {
		log_error("pass id at most %d bytes, name at most %d bytes",
		    PASS_ID_MAX, PASS_NAME_MAX);
		return EXIT_USAGE;
	}
	memcpy(info.id, id, strlen(id) + 1);
	memcpy(info.name, name, strlen(name) + 1);
	info.role = strcmp(role, "officer") == 0 ? PASS_OFFICER : PASS_VISITOR;
	info.not_before = from / 1000;
	info.expires = expires ? expires / 1000 : info.not_before + days * 86400;
	if (keys_load_secret(keyfile, KEY_ED25519, &kp) != 0)
		return 1;
	r = pass_issue(&kp, &info, text, sizeof(text));
	keys_wipe(&kp);
	if (r != 0)
		return 1;
	printf("%s\n", text);
	ktime_format(info.expires * 1000, when, sizeof(when));
	fprintf(stderr, "kioskctl: %s pass %s for \"%s\", valid until %s\n",
	    role, info.id, info.name, when);
	if (png != NULL) {
		if (qr_render(text, 8, &img) < 0)
			return 1;
		r = image_save_png(&img, png);
		image_release(&img);
		if (r != 0)
			return 1;
	}
	return 0;
}

static int
cmd_decode(int argc, char **argv)
{
	struct decode_result res;
	struct decoder *d;
	struct image img;
	struct timespec t0, t1;
	int i, ret = 0;
	size_t k;

	if (argc < 2) {
		fprintf(stderr, "usage: kioskctl decode FILE...\n");
		return EXIT_USAGE;
	}
	d = decoder_new();
	if (d == NULL)
		return 1;
	for (i = 1; i < argc; i++) {
		json_t *j, *texts;
		double ms;

		if (image_load(argv[i], &img) != 0) {
			ret = 1;
			j = json_pack("{s:s, s:[], s:n, s:s}", "file", argv[i],
			    "texts", "ms", "error", "cannot read image");
			if (print_json(j) != 0)
				break;
			continue;
		}
		clock_gettime(CLOCK_MONOTONIC, &t0);
		if (decoder_scan(d, &img, &res) < 0)
			ret = 1;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
		    (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
		texts = json_array();
		for (k = 0; k < res.n; k++) {
			json_t *t = json_stringn(res.texts[k], res.lens[k]);

			/* Not UTF-8 (a binary QR): shown as hex, marked. */
			if (t == NULL) {
				char *hex = malloc(res.lens[k] * 2 + 5);

				if (hex != NULL) {
					memcpy(hex, "hex:", 4);
					sodium_bin2hex(hex + 4,
					    res.lens[k] * 2 + 1,
					    (unsigned char *)res.texts[k],
					    res.lens[k]);
					t = json_string(hex);
					free(hex);
				}
			}
			if (t != NULL)
				json_array_append_new(texts, t);
		}
		j = json_object();
		json_object_set_new(j, "file", json_string(argv[i]));
		json_object_set_new(j, "texts", texts);
		json_object_set_new(j, "ms",
		    json_real((double)(long)(ms * 100 + 0.5) / 100));
		decode_result_release(&res);
		image_release(&img);
		if (print_json(j) != 0) {
			ret = 1;
			break;
		}
	}
	decoder_free(d);
	return ret;
}

static int
cmd_verify_receipt(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "device-pub", required_argument, NULL, 'k' },
		{ NULL, 0, NULL, 0 }
	};
	unsigned char pk[KEYS_PUB_LEN];
	char path[CONFIG_PATH_MAX], body[TOKEN_RECEIPT_MAX], *text = NULL;
	const char *pub = NULL;
	size_t len;
	int ch, r;
	json_t *j;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch != 'k')
			return EXIT_USAGE;
		pub = optarg;
	}
	if (optind != argc - 1) {
		fprintf(stderr, "usage: kioskctl verify-receipt [--device-pub "
		    "FILE] (TEXT | -)\n");
		return EXIT_USAGE;
	}
	if (pub == NULL) {
		/* This kiosk's own key, next to its store. */
		if (fileio_sibling(db_path(), "device.pub", path,
		    sizeof(path)) != 0)
			return 1;
		pub = path;
	}
	if (keys_load_public(pub, KEY_ED25519, pk) != 0)
		return 1;
	if (strcmp(argv[optind], "-") == 0) {
		text = read_payload_file("-", &len);
		if (text == NULL)
			return 1;
	}
	r = token_receipt_verify(pk, text ? text : argv[optind], body,
	    sizeof(body));
	free(text);
	if (r != 0) {
		print_json(json_pack("{s:s, s:s}", "result", "invalid",
		    "reason", "not signed by this device, altered or "
		    "malformed"));
		return EXIT_REJECTED;
	}
	j = json_loads(body, 0, NULL);
	print_json(json_pack("{s:s, s:o}", "result", "valid", "receipt",
	    j ? j : json_string(body)));
	return 0;
}

static int
cmd_enroll(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "collector", required_argument, NULL, 'c' },
		{ "token", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 }
	};
	const char *url = NULL, *token = NULL, *why;
	char cpath[CONFIG_PATH_MAX], full[600];
	char id[KEYS_ID_LEN + 1], *body;
	struct wire_device venue;
	const char *headers[2] = { "Content-Type: application/json", NULL };
	struct http_resp r;
	struct key_pair dev;
	struct config c;
	int ch, rc;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': url = optarg; break;
		case 't': token = optarg; break;
		default: return EXIT_USAGE;
		}
	}
	if (optind != argc || url == NULL || token == NULL) {
		fprintf(stderr, "usage: kioskctl enroll --collector URL "
		    "--token T\n");
		return EXIT_USAGE;
	}
	if (load_config(&c) != 0 || config_file(cpath, sizeof(cpath)) != 0)
		return 1;
	if (config_set(&c, "collector_url", url, &why) != 0) {
		log_error("bad --collector: want %s", why);
		return EXIT_USAGE;
	}
	if (keys_load_secret(c.device_key, KEY_ED25519, &dev) != 0)
		return 1;
	keys_id(dev.pk, id);
	config_venue(&c, &venue);
	memcpy(venue.pk, dev.pk, KEYS_PUB_LEN);
	keys_wipe(&dev);
	body = wire_enroll_encode(token, &venue);
	if (body == NULL)
		return 1;
	snprintf(full, sizeof(full), "%s/api/v1/enroll", c.collector_url);
	rc = http_post(full, headers, body, strlen(body), 30, &r);
	sodium_memzero(body, strlen(body));
	free(body);
	if (rc != 0) {
		log_error("cannot reach the collector at %s: %s",
		    c.collector_url, r.error);
		return 1;
	}
	if (r.status != 201) {
		log_error("the collector refused the enrolment (HTTP %ld): %s",
		    r.status, r.body ? r.body : "");
		http_resp_release(&r);
		return 1;
	}
	http_resp_release(&r);
	if (config_save(cpath, &c) != 0)
		return 1;
	{
		struct store *s = store_open(db_path());

		if (s != NULL) {
			(void)store_event(s, "admin",
			    "{\"action\":\"enroll\"}", ktime_wall_ms());
			store_close(s);
		}
	}
	printf("enrolled device %s with %s; kiosk-sync will upload there\n",
	    id, c.collector_url);
	return 0;
}

static const struct {
	const char *name;
	int (*fn)(int, char **);
} commands[] = {
	{ "init", cmd_init },
	{ "checkin", cmd_checkin },
	{ "status", cmd_status },
	{ "export", cmd_export },
	{ "purge", cmd_purge },
	{ "keys", cmd_keys },
	{ "issue-pass", cmd_issue_pass },
	{ "decode", cmd_decode },
	{ "set-pin", cmd_set_pin },
	{ "verify-receipt", cmd_verify_receipt },
	{ "enroll", cmd_enroll },
};

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "config", required_argument, NULL, 'c' },
		{ "lang", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	size_t i;
	int ch;

	log_set_prefix("kioskctl");
	wipe_json_setup();
	if (sodium_init() < 0) {
		fprintf(stderr, "kioskctl: cannot initialise libsodium\n");
		return 1;
	}
	while ((ch = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (ch) {
		case 'd': opt_db = optarg; break;
		case 'c': opt_config = optarg; break;
		case 'l':
			if (strcmp(optarg, "vi") != 0 &&
			    strcmp(optarg, "en") != 0) {
				fprintf(stderr, "kioskctl: --lang wants vi or "
				    "en\n");
				return EXIT_USAGE;
			}
			opt_lang = optarg;
			break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("kioskctl %s\n", KIOSK_VERSION); return 0;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[optind], commands[i].name) == 0) {
			argc -= optind;
			argv += optind;
			optind = 0;	/* glibc: start a fresh scan */
			return commands[i].fn(argc, argv);
		}
	}
	fprintf(stderr, "kioskctl: unknown command '%s'\n", argv[optind]);
	usage(stderr);
	return EXIT_USAGE;
}
