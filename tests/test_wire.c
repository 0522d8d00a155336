/*
 * test_wire: every format of the kiosk-collector contract (common/wire.h)
 * round-trips, and every tampered form is refused: the signed header
 * (each field changed), batches (count, seqs, damage, a bomb, bad rows),
 * the collector's answer (and a captive portal's page instead of it),
 * heartbeats (insane inspections), enrolment requests and the sealed USB
 * export (another key, a changed byte, a device id not its key's).
 */
#include "helpers.h"

#include <sodium.h>
#include <zlib.h>

#include "keys.h"
#include "wire.h"

#define NOW 1795345995000LL

static struct key_pair dev, other;

static int
setup(void **state)
{
	(void)state;
	if (sodium_init() < 0)
		return -1;
	keys_generate(KEY_ED25519, &dev);
	keys_generate(KEY_ED25519, &other);
	return 0;
}

static void
visits(struct wire_visit *v, size_t n, unsigned char *blob, size_t blen)
{
	size_t i;

	memset(v, 0, n * sizeof(*v));
	for (i = 0; i < n; i++) {
		v[i].seq = 100 + (int64_t)i;
		snprintf(v[i].kind, sizeof(v[i].kind), "%s", i % 2 ? "phone" :
		    "cccd");
		snprintf(v[i].subject, sizeof(v[i].subject), "%s", i % 2 ?
		    "0912345678" : "079095001234");
		snprintf(v[i].direction, sizeof(v[i].direction), "%s",
		    i % 3 == 2 ? "out" : "in");
		v[i].wall_ms = NOW - 3600000 + (int64_t)i * 1000;
		snprintf(v[i].boot_id, sizeof(v[i].boot_id), "boot-%zu", i);
		v[i].mono_ms = (int64_t)i * 1000;
		snprintf(v[i].source, sizeof(v[i].source), "camera");
		if (i % 2 == 0) {
			v[i].sealed = blob;
			v[i].sealed_len = blen;
		}
	}
}

static void
header(struct wire_header *h, int64_t first, int64_t last, int64_t count)
{
	memset(h, 0, sizeof(*h));
	keys_id(dev.pk, h->device);
	snprintf(h->instance, sizeof(h->instance),
	    "00112233445566778899aabbccddeeff");
	h->first_seq = first;
	h->last_seq = last;
	h->count = count;
}

/* The header read back from its own lines. */
struct lines {
	char l[WIRE_HEADER_LINES][WIRE_HEADER_LINE_MAX];
};

static const char *
get_line(void *ctx, const char *name)
{
	struct lines *ls = ctx;
	size_t i, n = strlen(name);

	for (i = 0; i < WIRE_HEADER_LINES; i++)
		if (strncmp(ls->l[i], name, n) == 0 && ls->l[i][n] == ':')
			return ls->l[i] + n + 2;
	return NULL;
}

static void
test_header_signed_and_tampered(void **state)
{
	struct wire_header h, back, t;
	struct lines ls;
	const char body[] = "the exact bytes";
	int field;

	(void)state;
	header(&h, 1, 40, 40);
	assert_int_equal(wire_sign(&dev, &h, body, sizeof(body), NOW), 0);
	assert_int_equal(wire_verify(dev.pk, &h), 0);
	assert_int_not_equal(wire_verify(other.pk, &h), 0);
	wire_header_lines(&h, ls.l);
	assert_int_equal(wire_header_read(&back, get_line, &ls), 0);
	assert_memory_equal(&back, &h, sizeof(h));
	assert_int_equal(wire_verify(dev.pk, &back), 0);
	/* Every signed field, changed: the signature no longer holds. */
	for (field = 0; field < 7; field++) {
		t = h;
		switch (field) {
		case 0: t.device[0] ^= 1; break;
		case 1: t.instance[3] ^= 1; break;
		case 2: t.first_seq++; break;
		case 3: t.last_seq--; break;
		case 4: t.count++; break;
		case 5: t.digest[10] = t.digest[10] == 'a' ? 'b' : 'a'; break;
		case 6: t.sent_at_ms++; break;
		}
		assert_int_not_equal(wire_verify(dev.pk, &t), 0);
	}
	t = h;
	snprintf(t.signature, sizeof(t.signature), "not base64!");
	assert_int_not_equal(wire_verify(dev.pk, &t), 0);
	/* A missing or malformed header line is refused. */
	snprintf(ls.l[2], sizeof(ls.l[2]), "X-Kiosk-First-Seq: 1x");
	assert_int_not_equal(wire_header_read(&back, get_line, &ls), 0);
	wire_header_lines(&h, ls.l);
	ls.l[7][0] = '\0';
	assert_int_not_equal(wire_header_read(&back, get_line, &ls), 0);
}

static void
test_batch_round_trip(void **state)
{
	unsigned char blob[80], *z;
	struct wire_visit v[9], *out;
	struct wire_header h;
	char err[160];
	size_t zlen, n, i;

	(void)state;
	randombytes_buf(blob, sizeof(blob));
	visits(v, 9, blob, sizeof(blob));
	header(&h, 100, 108, 9);
	assert_int_equal(wire_batch_encode(v, 9, &z, &zlen), 0);
	assert_int_equal(wire_batch_decode(z, zlen, &h, NOW, &out, &n, err,
	    sizeof(err)), 0);
	assert_int_equal(n, 9);
	for (i = 0; i < n; i++) {
		assert_null(out[i].reject);
		assert_int_equal(out[i].seq, v[i].seq);
		assert_string_equal(out[i].kind, v[i].kind);
		assert_string_equal(out[i].subject, v[i].subject);
		assert_string_equal(out[i].direction, v[i].direction);
		assert_int_equal(out[i].wall_ms, v[i].wall_ms);
		assert_string_equal(out[i].boot_id, v[i].boot_id);
		assert_int_equal(out[i].mono_ms, v[i].mono_ms);
		assert_string_equal(out[i].source, v[i].source);
		assert_int_equal(out[i].sealed_len, v[i].sealed_len);
		if (v[i].sealed != NULL)
			assert_memory_equal(out[i].sealed, blob, sizeof(blob));
		else
			assert_null(out[i].sealed);
	}
	wire_visits_free(out, n);
	/* The header's count or seqs not the body's: the whole batch. */
	header(&h, 100, 108, 8);
	assert_int_equal(wire_batch_decode(z, zlen, &h, NOW, &out, &n, err,
	    sizeof(err)), -1);
	header(&h, 101, 108, 9);
	assert_int_equal(wire_batch_decode(z, zlen, &h, NOW, &out, &n, err,
	    sizeof(err)), 0);
	assert_string_equal(out[0].reject, "seq_outside_batch");
	wire_visits_free(out, n);
	/* Damaged on the way: not zlib any more. */
	header(&h, 100, 108, 9);
	z[zlen / 2] ^= 0x55;
	assert_int_equal(wire_batch_decode(z, zlen, &h, NOW, &out, &n, err,
	    sizeof(err)), -1);
	assert_null(out);
	free(z);
}

static void
test_batch_bomb_and_bad_rows(void **state)
{
	unsigned char blob[80], *z;
	struct wire_visit v[5], *out;
	struct wire_header h;
	char err[160], *zeros;
	uLongf blen;
	size_t zlen, n;

	(void)state;
	/* Small on the wire, huge inflated: refused as too large. */
	zeros = calloc(1, 4 << 20);
	assert_non_null(zeros);
	blen = compressBound(4 << 20);
	z = malloc(blen);
	assert_int_equal(compress2(z, &blen, (unsigned char *)zeros, 4 << 20,
	    9), Z_OK);
	header(&h, 1, 1, 1);
	assert_int_equal(wire_batch_decode(z, blen, &h, NOW, &out, &n, err,
	    sizeof(err)), -2);
	free(z);
	free(zeros);
	/* Rows that break a rule are refused one by one. */
	randombytes_buf(blob, sizeof(blob));
	visits(v, 5, blob, sizeof(blob));
	v[0].wall_ms = NOW + 86400000;			/* a day ahead */
	v[0].clock_untrusted = 1;
	snprintf(v[1].subject, sizeof(v[1].subject), "12345");	/* phone */
	snprintf(v[2].kind, sizeof(v[2].kind), "passport");
	v[4].sealed_len = 10;				/* too short a box */
	header(&h, 100, 104, 5);
	assert_int_equal(wire_batch_encode(v, 5, &z, &zlen), 0);
	assert_int_equal(wire_batch_decode(z, zlen, &h, NOW, &out, &n, err,
	    sizeof(err)), 0);
	/* A wrong clock is not the visitor's fault: kept (the collector
	 * files it, sync/db.c), flag and all. */
	assert_null(out[0].reject);
	assert_int_equal(out[0].clock_untrusted, 1);
	assert_string_equal(out[1].reject, "bad_subject");
	assert_string_equal(out[2].reject, "unknown_kind");
	assert_null(out[3].reject);
	assert_string_equal(out[4].reject, "bad_sealed");
	wire_visits_free(out, n);
	free(z);
}

static void
test_ack(void **state)
{
	struct wire_reject rj[2] = { { 7, "time_in_future" },
	    { 9, "checkout_before_checkin" } };
	struct wire_ack a = { 40, 37, 1, 2, rj, 2 }, b;
	char *s = wire_ack_encode(&a);
	static const char portal[] = "<html><body>Welcome to Café WiFi: "
	    "log in</body></html>";

	(void)state;
	assert_non_null(s);
	assert_int_equal(wire_ack_parse(s, strlen(s), &b), 0);
	assert_int_equal(b.acked_through, 40);
	assert_int_equal(b.stored, 37);
	assert_int_equal(b.duplicates, 1);
	assert_int_equal(b.rejected, 2);
	assert_int_equal(b.n_rejects, 2);
	assert_int_equal(b.rejects[1].seq, 9);
	assert_string_equal(b.rejects[1].reason, "checkout_before_checkin");
	wire_ack_release(&b);
	free(s);
	/* A captive portal's page, or JSON without acked_through, is not
	 * the collector's answer. */
	assert_int_equal(wire_ack_parse(portal, strlen(portal), &b), -1);
	assert_int_equal(wire_ack_parse("{\"error\":\"x\"}", 13, &b), -1);
}

static void
test_refusal(void **state)
{
	struct wire_refusal r = { "body is not JSON", 11, 42 }, back;
	char *s = wire_refusal_encode(&r);
	static const char *const not_one[] = {
		"<html>403 Forbidden</html>",
		"{\"error\":\"unknown device: enrol it first\"}",
		"{\"refused\":\"row\",\"first_seq\":1,\"last_seq\":2}",
		"{\"refused\":\"batch\",\"first_seq\":9,\"last_seq\":2}",
		"{\"refused\":\"batch\"}"
	};
	size_t i;

	(void)state;
	assert_non_null(s);
	assert_int_equal(wire_refusal_parse(s, strlen(s), &back), 0);
	assert_int_equal(back.first_seq, 11);
	assert_int_equal(back.last_seq, 42);
	assert_string_equal(back.error, "body is not JSON");
	free(s);
	/* Only the collector's explicit refusal counts as one. */
	for (i = 0; i < sizeof(not_one) / sizeof(not_one[0]); i++)
		assert_int_equal(wire_refusal_parse(not_one[i],
		    strlen(not_one[i]), &back), -1);
}

static const char *
hdr_get(void *ctx, const char *name)
{
	const char *const *kv = ctx;

	for (; kv[0] != NULL; kv += 2)
		if (strcmp(kv[0], name) == 0)
			return kv[1];
	return NULL;
}

static void
test_header_bounds(void **state)
{
	const char *kv[] = {
		"X-Kiosk-Device", "0123456789abcdef",
		"X-Kiosk-Instance", "00112233445566778899aabbccddeeff",
		"X-Kiosk-First-Seq", "1", "X-Kiosk-Last-Seq", "10",
		"X-Kiosk-Count", "10", "X-Kiosk-Digest",
		"55313181f22cd64952d15e3f083424552676f815082c62706f7084edd28b9e0e",
		"X-Kiosk-Sent-At", "1764990000000", "X-Kiosk-Signature", "c2ln",
		NULL, NULL
	};
	static const struct { int k; const char *bad; } cases[] = {
		{ 3, "phone" },				/* the collector's own */
		{ 3, "00112233445566778899AABBCCDDEEFF" },	/* not ours */
		{ 1, "device" },
		{ 5, "-1" }, { 5, "9223372036854775807" },
		{ 9, "1001" },				/* over a batch */
		{ 13, "-9223372036854775808" }, { 13, "0" },
		{ 13, "99999999999999999999" },
		{ 11, "not a digest" },
	};
	struct wire_header h;
	size_t i;

	(void)state;
	assert_int_equal(wire_header_read(&h, hdr_get, kv), 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *keep = kv[cases[i].k];

		kv[cases[i].k] = cases[i].bad;
		assert_int_equal(wire_header_read(&h, hdr_get, kv), -1);
		kv[cases[i].k] = keep;
	}
}

static void
test_heartbeat(void **state)
{
	struct wire_inspection x[3] = {
		{ NOW - 60000, "CA-BN-07", "ward-issuer" },
		{ NOW + 86400000, "FUTURE", "ward-issuer" },	/* dropped */
		{ NOW - 40 * 86400000LL, "OLD", "ward-issuer" } /* dropped */
	};
	struct wire_heartbeat hb = { "0.1.0", 3600, 17, 2, NOW - 5000,
	    123456789, 3, NOW - 60000, x, 3, "mon-fri 07:00-22:00", 1, 420 },
	    back;
	char *s = wire_heartbeat_encode(&hb), err[80];

	(void)state;
	assert_non_null(s);
	assert_int_equal(wire_heartbeat_parse(s, strlen(s), NOW, &back, err,
	    sizeof(err)), 0);
	assert_string_equal(back.version, "0.1.0");
	assert_int_equal(back.uptime_s, 3600);
	assert_int_equal(back.backlog, 17);
	assert_int_equal(back.quarantined, 2);
	assert_int_equal(back.last_scan_ms, NOW - 5000);
	assert_int_equal(back.disk_free, 123456789);
	assert_int_equal(back.inspections_24h, 3);
	assert_int_equal(back.n_inspections, 1);
	assert_string_equal(back.inspections[0].pass_id, "CA-BN-07");
	assert_string_equal(back.hours, "mon-fri 07:00-22:00");
	assert_true(back.have_utc_offset);
	assert_int_equal(back.utc_offset_min, 420);
	wire_heartbeat_release(&back);
	free(s);
	/* Hours a kiosk cannot have said are no hours (open always). */
	{
		static const char odd[] = "{\"hours\":\"whenever\"}";

		assert_int_equal(wire_heartbeat_parse(odd, strlen(odd), NOW,
		    &back, err, sizeof(err)), 0);
		assert_string_equal(back.hours, "");
		wire_heartbeat_release(&back);
	}
	/* Numbers no kiosk can say are taken as unknown. */
	{
		static const char huge[] = "{\"backlog\":9223372036854775807,"
		    "\"inspections_24h\":9223372036854775807,"
		    "\"last_inspection_ms\":9223372036854775807}";

		assert_int_equal(wire_heartbeat_parse(huge, strlen(huge), NOW,
		    &back, err, sizeof(err)), 0);
		assert_int_equal(back.backlog, -1);
		assert_int_equal(back.inspections_24h, -1);
		assert_int_equal(back.last_inspection_ms, 0);
		wire_heartbeat_release(&back);
	}
	/* Not JSON, or not an object: refused; missing numbers: unknown. */
	assert_int_equal(wire_heartbeat_parse("[1]", 3, NOW, &back, err,
	    sizeof(err)), -1);
	assert_int_equal(wire_heartbeat_parse("{}", 2, NOW, &back, err,
	    sizeof(err)), 0);
	assert_int_equal(back.backlog, -1);
	wire_heartbeat_release(&back);
}

static void
test_enroll(void **state)
{
	struct wire_device d, back;
	char token[WIRE_TOKEN_MAX + 1], *s, id[KEYS_ID_LEN + 1];
	const char *why;

	(void)state;
	memset(&d, 0, sizeof(d));
	memcpy(d.pk, dev.pk, KEYS_PUB_LEN);
	snprintf(d.venue_id, sizeof(d.venue_id), "Q1-CAFE-001");
	snprintf(d.venue_name, sizeof(d.venue_name), "Cà phê Sài Gòn");
	snprintf(d.address, sizeof(d.address), "12 Đường Số 1");
	snprintf(d.ward, sizeof(d.ward), "Bến Nghé");
	s = wire_enroll_encode(&dev, "tok-123", &d);
	assert_non_null(s);
	assert_int_equal(wire_enroll_parse(s, strlen(s), token, &back, &why),
	    0);
	keys_id(dev.pk, id);
	assert_string_equal(back.device_id, id);
	assert_string_equal(token, "tok-123");
	assert_string_equal(back.venue_name, "Cà phê Sài Gòn");
	assert_string_equal(back.ward, "Bến Nghé");
	free(s);
	/* The longest venue id (64) fits; 65 does not. */
	memset(d.venue_id, 'x', sizeof(d.venue_id) - 1);
	s = wire_enroll_encode(&dev, "tok", &d);
	assert_int_equal(wire_enroll_parse(s, strlen(s), token, &back, &why),
	    0);
	*strstr(s, "xxxx") = 'y';
	{
		char *p = strstr(s, "yxxx"), *longer;

		assert_non_null(p);
		assert_true(asprintf(&longer, "%.*sz%s", (int)(p - s), s, p) >
		    0);
		assert_int_equal(wire_enroll_parse(longer, strlen(longer),
		    token, &back, &why), -1);
		free(longer);
	}
	free(s);
	/* Proof of possession: the venue changed after signing, another
	 * key's signature, or none, are refused. */
	memcpy(d.venue_id, "Q1-CAFE-001", 12);
	s = wire_enroll_encode(&dev, "tok", &d);
	assert_non_null(s);
	*strstr(s, "Q1-CAFE-001") = 'X';
	assert_int_equal(wire_enroll_parse(s, strlen(s), token, &back, &why),
	    -1);
	assert_non_null(strstr(why, "signature"));
	free(s);
	assert_null(wire_enroll_encode(&other, "tok", &d));
	s = wire_enroll_encode(&dev, "tok", &d);
	{
		char *p = strstr(s, ",\"signature\"");

		p[0] = '}';
		p[1] = '\0';
	}
	assert_int_equal(wire_enroll_parse(s, strlen(s), token, &back, &why),
	    -1);
	assert_non_null(strstr(why, "update the kiosk"));
	free(s);
	/* A venue id with a space, a name with an escape: refused. */
	memcpy(d.venue_id, "Q1 CAFE", 8);
	s = wire_enroll_encode(&dev, "tok", &d);
	assert_int_equal(wire_enroll_parse(s, strlen(s), token, &back, &why),
	    -1);
	free(s);
	memcpy(d.venue_id, "Q1-CAFE", 8);
	snprintf(d.venue_name, sizeof(d.venue_name), "Cà phê\x1b[2J");
	s = wire_enroll_encode(&dev, "tok", &d);
	assert_int_equal(wire_enroll_parse(s, strlen(s), token, &back, &why),
	    -1);
	free(s);
	snprintf(d.venue_name, sizeof(d.venue_name), "Cà phê \u202egnoS");
	s = wire_enroll_encode(&dev, "tok", &d);
	assert_int_equal(wire_enroll_parse(s, strlen(s), token, &back, &why),
	    -1);
	free(s);
	s = strdup("{\"token\":\"t\",\"device_pub\":\"ed25519:AAAA\","
	    "\"venue_id\":\"V\",\"venue_name\":\"N\"}");
	assert_int_equal(wire_enroll_parse(s, strlen(s), token, &back, &why),
	    -1);
	free(s);
	s = strdup("{\"token\":\"t\",\"venue_id\":\"V\",\"venue_name\":\"\"}");
	assert_int_equal(wire_enroll_parse(s, strlen(s), token, &back, &why),
	    -1);
	free(s);
}

static void
test_export(void **state)
{
	struct key_pair authority, stranger;
	struct wire_export x, back;
	struct wire_header h;
	unsigned char body[300];
	const char *why;
	char *file;
	size_t len;

	(void)state;
	keys_generate(KEY_X25519, &authority);
	keys_generate(KEY_X25519, &stranger);
	memset(&x, 0, sizeof(x));
	x.created_ms = NOW;
	memcpy(x.dev.pk, dev.pk, KEYS_PUB_LEN);
	keys_id(dev.pk, x.dev.device_id);
	snprintf(x.dev.venue_id, sizeof(x.dev.venue_id), "Q1-CAFE-001");
	snprintf(x.dev.venue_name, sizeof(x.dev.venue_name), "Cà phê");
	randombytes_buf(body, sizeof(body));
	header(&h, 1, 10, 10);
	assert_int_equal(wire_sign(&dev, &h, body, sizeof(body), NOW), 0);
	assert_int_equal(wire_export_add(&x, &h, body, sizeof(body)), 0);
	header(&h, 11, 12, 2);
	assert_int_equal(wire_sign(&dev, &h, body, 100, NOW), 0);
	assert_int_equal(wire_export_add(&x, &h, body, 100), 0);
	file = wire_export_seal(&x, authority.pk, &len);
	assert_non_null(file);
	assert_int_equal(wire_export_open(file, len, &authority, &back, &why),
	    0);
	assert_int_equal(back.n, 2);
	assert_string_equal(back.dev.device_id, x.dev.device_id);
	assert_memory_equal(back.b[0].body, body, sizeof(body));
	assert_int_equal(back.b[1].len, 100);
	assert_memory_equal(&back.b[1].h, &x.b[1].h, sizeof(h));
	assert_int_equal(wire_verify(dev.pk, &back.b[0].h), 0);
	wire_export_release(&back);
	/* Another authority's key opens nothing. */
	assert_int_equal(wire_export_open(file, len, &stranger, &back, &why),
	    -1);
	/* One character changed in the sealed text. */
	file[len / 2] = file[len / 2] == 'A' ? 'B' : 'A';
	assert_int_equal(wire_export_open(file, len, &authority, &back, &why),
	    -1);
	free(file);
	/* Not an export at all. */
	assert_int_equal(wire_export_open("hello\n", 6, &authority, &back,
	    &why), -1);
	/* A device id that is not its key's. */
	x.dev.device_id[0] = x.dev.device_id[0] == '0' ? '1' : '0';
	file = wire_export_seal(&x, authority.pk, &len);
	assert_int_equal(wire_export_open(file, len, &authority, &back, &why),
	    -1);
	assert_string_equal(why, "its device id does not match its key");
	free(file);
	wire_export_release(&x);
	keys_wipe(&authority);
	keys_wipe(&stranger);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_signed_and_tampered),
		cmocka_unit_test(test_batch_round_trip),
		cmocka_unit_test(test_batch_bomb_and_bad_rows),
		cmocka_unit_test(test_ack),
		cmocka_unit_test(test_refusal),
		cmocka_unit_test(test_header_bounds),
		cmocka_unit_test(test_heartbeat),
		cmocka_unit_test(test_enroll),
		cmocka_unit_test(test_export),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
