/*
 * kioskctl_visits: the commands about visits: checkin, export, purge,
 * decode. See kioskctl.c and docs/kioskctl.md.
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
#include "cmdhelp.h"
#include "config.h"
#include "csv.h"
#include "decode.h"
#include "fileio.h"
#include "http.h"
#include "i18n.h"
#include "image.h"
#include "keys.h"
#include "kioskctl.h"
#include "ktime.h"
#include "log.h"
#include "outbox.h"
#include "parsenum.h"
#include "pass.h"
#include "payload.h"
#include "qr.h"
#include "store.h"
#include "token.h"
#include "wire.h"

/* Read a payload from FILE ("-" for stdin), at most the parser's limit + 2. */
char *
kctl_read_text(const char *path, size_t *len)
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

int
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
	int64_t now = CHECKIN_NOW;	/* --at: a time taken as true */
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
	if (optind != argc || (payload == NULL) == (pfile == NULL))
		return kctl_usage("checkin", EXIT_USAGE);
	if (!cmdhelp_one_of("kioskctl", "source", source,
	    "camera|scanner|keypad"))
		return EXIT_USAGE;
	if (pfile != NULL) {
		text = kctl_read_text(pfile, &len);
		if (text == NULL)
			return 1;
	} else {
		len = strlen(payload);
	}
	if (kctl_load_config(&c) != 0)
		goto done;
	trust = config_trust(&c);
	s = kctl_store();
	if (trust == NULL || s == NULL)
		goto done;
	str = i18n_load(i18n_dir(), kctl_lang() ? kctl_lang() : c.language);

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
			    kctl_json_time(out.previous_ms));
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
	if (kctl_print_json(j) != 0)
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

	if (kctl_load_config(&c) != 0)
		return 1;
	if (!c.have_authority) {
		log_error("no authority_key in the settings: a sealed export "
		    "needs the health authority's public key");
		return 1;
	}
	if (keys_load_secret(c.device_key, KEY_ED25519, &dev) != 0)
		return 1;
	s = kctl_store();
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
		kctl_print_json(json_pack("{s:I, s:s}", "exported",
		    (json_int_t)visits, "out", out));
		rc = 0;
	}
	store_close(s);
	keys_wipe(&dev);
	free(file);
	return rc;
}

int
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
			return kctl_usage("export", EXIT_USAGE);
		}
		return export_sealed(out);
	}
	if (optind != argc || format == NULL)
		return kctl_usage("export", EXIT_USAGE);
	if (!cmdhelp_one_of("kioskctl", "format", format, "csv|json"))
		return EXIT_USAGE;
	e.json = strcmp(format, "json") == 0;
	s = kctl_store();
	if (s == NULL)
		return 1;
	if (out != NULL) {
		e.f = fileio_create_private(out);
		if (e.f == NULL) {
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

int
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
		if (ch != 'd' || parsenum_long(optarg, 0, 3650, &days) != 0 ||
		    days < 1) {
			fprintf(stderr, "kioskctl: --days wants 1-3650\n");
			return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		return kctl_usage("purge", EXIT_USAGE);
	}
	if (kctl_load_config(&c) != 0)
		return 1;
	if (days < 0)
		days = c.retention_days;
	s = kctl_store();
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

int
cmd_decode(int argc, char **argv)
{
	struct decode_result res;
	struct decoder *d;
	struct image img;
	struct timespec t0, t1;
	int i, ret = 0;
	size_t k;

	if (argc < 2) {
		return kctl_usage("decode", EXIT_USAGE);
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
			if (kctl_print_json(j) != 0)
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
		if (kctl_print_json(j) != 0) {
			ret = 1;
			break;
		}
	}
	decoder_free(d);
	return ret;
}
