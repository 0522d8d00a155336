/*
 * scenario: load the tracing scenario with a known answer into a
 * collector database (either backend), for tests/e2e_trace.sh.
 *
 *   scenario URL DIR DAY_MS [LIVE_MS]
 *
 * Makes DIR/authority.{pub,sec} (the health authority's key), enrols
 * three kiosks (two at venue CAFE-A, one at QUAN-B, ward "Bến Nghé") and
 * one in another ward, stores the visits below on the local day starting
 * at DAY_MS, a few heartbeats, and writes DIR/receipt.txt, a patrol
 * receipt signed by kiosk A1. With LIVE_MS, kiosk B1 also sends one
 * heartbeat then (a kiosk that is live "now" beside the silent ones).
 * Personal fields of ID-card visitors are sealed to the authority, as a
 * kiosk seals them. SCENARIO_WARDS="W1,W2,W3,W4" puts the four kiosks in
 * those wards instead (tests/shards.sh spreads them over two districts);
 * the trace's answer is the same.
 *
 * The answer (default stay 60 min, overlap >= 15 min), case
 * cccd:079090000001:
 *   F1: phone:0901000001 (30 min, CAFE-A), cccd:079090000004 (20, CAFE-A),
 *       phone:0901000005 (20, QUAN-B)
 *   F2: phone:0901000003 via 0901000001 (40), cccd:079090000008 via
 *       0901000001 (30), phone:0901000009 via 0901000001 (40, QUAN-B),
 *       cccd:079090000011 via 0901000005 (40)
 * and nobody else: not P2 (met F1 P4 only before P4 met the case), not
 * P6, P7, P10, P12 (F3, or no overlap).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "wire.h"
#include "db.h"
#include "ingest.h"
#include "keys.h"
#include "seal.h"
#include "token.h"

#define MIN INT64_C(60000)

struct row {
	int dev;		/* index into devs */
	const char *kind, *subject, *dir;
	int hh, mm;		/* local time on the day (hh >= 24: next day) */
	const char *name;	/* sealed personal name, or NULL */
};

static const struct row rows[] = {
	/* CAFE-A, kiosks A1 (0) and A2 (1). */
	{ 0, "cccd", "079090000001", "in", 9, 0, "Nguyễn Văn An" },
	{ 0, "cccd", "079090000001", "out", 10, 0, NULL },
	{ 0, "phone", "0901000001", "in", 9, 30, NULL },
	{ 0, "phone", "0901000001", "out", 11, 0, NULL },
	{ 0, "phone", "0901000002", "in", 8, 0, NULL },
	{ 1, "phone", "0901000003", "in", 9, 50, NULL },
	{ 1, "phone", "0901000003", "out", 10, 30, NULL },
	{ 0, "cccd", "079090000004", "in", 8, 30, "Trần Thị Bình" },
	{ 0, "cccd", "079090000004", "out", 9, 20, NULL },
	{ 1, "cccd", "079090000008", "in", 10, 15,
	    "=HYPERLINK(\"http://evil.example\",\"x\")" },
	{ 1, "cccd", "079090000008", "out", 10, 45, NULL },
	{ 0, "phone", "0901000007", "in", 33, 0, NULL },	/* next day */
	/* QUAN-B, kiosk B1 (2). */
	{ 2, "cccd", "079090000001", "in", 14, 0, NULL },
	{ 2, "phone", "0901000005", "in", 14, 40, NULL },
	{ 2, "phone", "0901000001", "in", 13, 0, NULL },
	{ 2, "phone", "0901000001", "out", 14, 10, NULL },
	{ 2, "phone", "0901000006", "in", 16, 0, NULL },
	{ 2, "phone", "0901000009", "in", 12, 50, NULL },
	{ 2, "phone", "0901000009", "out", 13, 40, NULL },
	{ 2, "phone", "0901000010", "in", 15, 30, NULL },
	{ 2, "phone", "0901000010", "out", 16, 30, NULL },
	{ 2, "cccd", "079090000011", "in", 15, 0, "Lê Văn Cường" },
	{ 2, "phone", "0901000012", "in", 15, 30, NULL },
	{ 2, "phone", "0901000012", "out", 17, 0, NULL },
	/* Another ward's kiosk, D1 (3): the case's number elsewhere, but
	 * on another day. */
	{ 3, "phone", "0901000001", "in", 40, 0, NULL },
};

static const struct {
	const char *venue_id, *name, *address, *ward;
} devs[] = {
	{ "CAFE-A", "Cà phê Góc Phố", "12 Lê Lợi", "Bến Nghé" },
	{ "CAFE-A", "Cà phê Góc Phố", "12 Lê Lợi", "Bến Nghé" },
	{ "QUAN-B", "Quán Bún Bò", "5 Hai Bà Trưng", "Bến Nghé" },
	{ "SHOP-D", "Tạp hoá Dũng", "9 Nguyễn Trãi", "Phường 2" },
};

#define NDEV (sizeof(devs) / sizeof(devs[0]))
#define NROW (sizeof(rows) / sizeof(rows[0]))

static int
die(const char *what)
{
	fprintf(stderr, "scenario: %s\n", what);
	return 1;
}

int
main(int argc, char **argv)
{
	struct key_pair auth, keys[NDEV];
	struct wire_device dev[NDEV];
	char path[1024], tok[DB_TOKEN_LEN + 1], receipt[2048], ewhy[400];
	struct db *d;
	int64_t day, now;
	size_t i, k;
	FILE *f;

	const char *wards = getenv("SCENARIO_WARDS");
	char ward[NDEV][129];

	if (argc != 4 && argc != 5)
		return die("usage: scenario URL DIR DAY_MS [LIVE_MS]");
	for (k = 0; k < NDEV; k++) {
		const char *end = wards ? strchr(wards, ',') : NULL;
		size_t len = wards == NULL ? 0 : end ? (size_t)(end - wards) :
		    strlen(wards);

		if (wards == NULL || len == 0 || len >= sizeof(ward[k]))
			snprintf(ward[k], sizeof(ward[k]), "%s", devs[k].ward);
		else
			snprintf(ward[k], sizeof(ward[k]), "%.*s", (int)len,
			    wards);
		wards = end ? end + 1 : NULL;
	}
	day = strtoll(argv[3], NULL, 10);
	if (sodium_init() < 0 || (d = db_open(argv[1])) == NULL)
		return die("cannot open the database");
	keys_generate(KEY_X25519, &auth);
	snprintf(path, sizeof(path), "%s/authority", argv[2]);
	if (keys_save(&auth, path) != 0)
		return die("cannot save the authority key");
	for (k = 0; k < NDEV; k++) {
		keys_generate(KEY_ED25519, &keys[k]);
		memset(&dev[k], 0, sizeof(dev[k]));
		keys_id(keys[k].pk, dev[k].device_id);
		memcpy(dev[k].pk, keys[k].pk, KEYS_PUB_LEN);
		snprintf(dev[k].venue_id, sizeof(dev[k].venue_id), "%s",
		    devs[k].venue_id);
		snprintf(dev[k].venue_name, sizeof(dev[k].venue_name), "%s",
		    devs[k].name);
		snprintf(dev[k].address, sizeof(dev[k].address), "%s",
		    devs[k].address);
		snprintf(dev[k].ward, sizeof(dev[k].ward), "%.128s", ward[k]);
		if (db_token_new(d, "device-enrolment", ward[k], tok) ||
		    db_enroll(d, tok, &dev[k], ewhy, sizeof(ewhy)) != 0)
			return die("enrolment failed");
	}
	now = day + 2 * 86400000LL;
	for (k = 0; k < NDEV; k++) {
		struct wire_visit v[NROW];
		struct wire_header h = { 0 };
		struct db_ingest_res res;
		size_t n = 0;

		memset(v, 0, sizeof(v));
		/* In time order, as a kiosk stores them. */
		for (int pass = 0; pass < 2; pass++)
			for (i = 0; i < NROW; i++) {
				if (rows[i].dev != (int)k ||
				    (pass == 0) != (strcmp(rows[i].dir,
				    "in") == 0))
					continue;
				v[n].seq = (int64_t)n + 1;
				snprintf(v[n].kind, sizeof(v[n].kind), "%s",
				    rows[i].kind);
				snprintf(v[n].subject, sizeof(v[n].subject),
				    "%s", rows[i].subject);
				snprintf(v[n].direction,
				    sizeof(v[n].direction), "%s", rows[i].dir);
				v[n].wall_ms = day + (rows[i].hh * 60 +
				    rows[i].mm) * MIN;
				snprintf(v[n].boot_id, sizeof(v[n].boot_id),
				    "scenario");
				snprintf(v[n].source, sizeof(v[n].source),
				    "camera");
				if (rows[i].name != NULL) {
					/* As a chip card's fields: the date
					 * of birth as the card writes it. */
					json_t *p = json_pack("{s:s, s:s, s:s}",
					    "name", rows[i].name, "dob",
					    "14031995", "address",
					    "12 Đường Số 1, P. Bến Nghé");
					char *s = json_dumps(p, JSON_COMPACT);

					v[n].sealed = seal_box(auth.pk, s,
					    strlen(s), &v[n].sealed_len);
					free(s);
					json_decref(p);
				}
				n++;
			}
		if (n == 0)
			continue;
		memcpy(h.device, dev[k].device_id, sizeof(h.device));
		snprintf(h.instance, sizeof(h.instance), "scenario");
		h.first_seq = 1;
		h.last_seq = (int64_t)n;
		h.count = (int64_t)n;
		if (db_ingest(d, &h, v, n, now, &res) != 0 ||
		    res.stored != (int64_t)n)
			return die("ingest failed or refused a row");
		for (i = 0; i < n; i++)
			free(v[i].sealed);
	}
	/* Heartbeats: A1 every 5 minutes on the day from 08:00 to 12:00,
	 * then silent; A2 and B1 none. From 10:30 on they report an
	 * inspection at 10:20 (every one of them: it is stored once). */
	for (i = 0; i < 49; i++) {
		int64_t t = day + 8 * 60 * MIN + (int64_t)i * 5 * MIN;
		int64_t seen = day + (10 * 60 + 20) * MIN;
		char hb[512], why[200];
		const char *refused;
		json_t *j = json_pack("{s:s, s:i, s:i, s:I, s:[]}", "version",
		    "0.1.0", "backlog", 3, "inspections_24h", t > seen ? 1 : 0,
		    "last_inspection_ms", (json_int_t)(t > seen ? seen : 0),
		    "inspections");
		char *js;

		if (t > seen)
			json_array_append_new(json_object_get(j, "inspections"),
			    json_pack("{s:I, s:s, s:s}", "at_ms",
			    (json_int_t)seen, "pass_id", "CA-BN-07", "issuer",
			    "Công an phường Bến Nghé"));
		js = json_dumps(j, JSON_COMPACT);
		json_decref(j);
		snprintf(hb, sizeof(hb), "%s", js ? js : "");
		free(js);
		if (ingest_heartbeat(d, dev[0].device_id, hb, strlen(hb), t, t,
		    &refused, why, sizeof(why)) != 0)
			return die(why);
	}
	if (argc == 5) {
		int64_t t = strtoll(argv[4], NULL, 10);
		const char *hb = "{\"version\":\"0.1.0\",\"backlog\":0,"
		    "\"inspections_24h\":0,\"inspections\":[]}";
		char why[200];
		const char *refused;

		if (ingest_heartbeat(d, dev[2].device_id, hb, strlen(hb), t, t,
		    &refused, why, sizeof(why)) != 0)
			return die(why);
	}
	{
		json_t *b = json_pack("{s:i, s:s, s:s, s:s, s:I, s:I}", "v", 1,
		    "venue", "CAFE-A", "device", dev[0].device_id, "instance",
		    "scenario", "at", (json_int_t)(day / 1000 + 10 * 3600),
		    "today", (json_int_t)6);
		char *s = json_dumps(b, JSON_COMPACT | JSON_PRESERVE_ORDER);

		json_decref(b);
		if (s == NULL || token_receipt(&keys[0], s, receipt,
		    sizeof(receipt)) != 0)
			return die("receipt failed");
		free(s);
		snprintf(path, sizeof(path), "%s/receipt.txt", argv[2]);
		f = fopen(path, "w");
		if (f == NULL)
			return die("cannot write the receipt");
		fprintf(f, "%s\n", receipt);
		fclose(f);
	}
	for (k = 0; k < NDEV; k++)
		keys_wipe(&keys[k]);
	keys_wipe(&auth);
	db_close(d);
	printf("scenario: %zu visits at %zu kiosks\n", NROW, NDEV);
	return 0;
}
