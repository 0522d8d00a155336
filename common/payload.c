/*
 * payload: parsing and checking of scanned texts. See payload.h.
 *
 * The CCCD QR is unsigned: the checks here catch misreads and made-up
 * numbers, they do not prove identity.
 */
#include "payload.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>
#include <unistr.h>
#include <uninorm.h>

#include "ktime.h"
#include "pass.h"

#define MAX_FIELDS 12

/* Province and city codes of the 63 provinces (Circular 07/2016/TT-BCA). */
static const unsigned char provinces[] = {
	1, 2, 4, 6, 8, 10, 11, 12, 14, 15, 17, 19, 20, 22, 24, 25, 26, 27,
	30, 31, 33, 34, 35, 36, 37, 38, 40, 42, 44, 45, 46, 48, 49, 51, 52,
	54, 56, 58, 60, 62, 64, 66, 67, 68, 70, 72, 74, 75, 77, 79, 80, 82,
	83, 84, 86, 87, 89, 91, 92, 93, 94, 95, 96
};

const char *
payload_kind_name(enum payload_kind k)
{
	switch (k) {
	case PAYLOAD_CCCD: return "cccd";
	case PAYLOAD_PCCOVID: return "pccovid";
	case PAYLOAD_PASS: return "pass";
	case PAYLOAD_OFFICER: return "officer";
	case PAYLOAD_PHONE: return "phone";
	}
	return "unknown";
}

void
payload_wipe(struct payload *p)
{
	sodium_memzero(p, sizeof(*p));
}

/* Copy S into the array DST if it fits (with its NUL); else fail. */
#define COPY(dst, s) copy_field((dst), sizeof(dst), (s))

static int
copy_field(char *dst, size_t size, const char *s)
{
	size_t len = strlen(s);

	if (len >= size)
		return -1;
	memcpy(dst, s, len + 1);
	return 0;
}

static bool
all_digits(const char *s, size_t n)
{
	size_t i;

	if (strlen(s) != n)
		return false;
	for (i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return true;
}

static int
days_in_month(int y, int m)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return days[m - 1];
}

static bool
real_date(int y, int m, int d)
{
	return y >= 1900 && y <= 2399 && m >= 1 && m <= 12 && d >= 1 &&
	    d <= days_in_month(y, m);
}

/* "ddmmyyyy" -> yyyymmdd as one comparable number, or -1. */
static long
ddmmyyyy(const char *s)
{
	int d, m, y;

	if (!all_digits(s, 8))
		return -1;
	d = (s[0] - '0') * 10 + (s[1] - '0');
	m = (s[2] - '0') * 10 + (s[3] - '0');
	y = (int)strtol(s + 4, NULL, 10);
	if (!real_date(y, m, d))
		return -1;
	return (long)y * 10000 + m * 100 + d;
}

static long
today(const struct payload_opts *opts)
{
	int y, m, d;

	if (opts->clock_untrusted)
		return 99991231L;	/* any date may be before today */
	ktime_local_day(opts->now_ms, &y, &m, &d);
	return (long)y * 10000 + m * 100 + d;
}

/* Trim blanks at both ends of S in place; return S. */
static char *
trim(char *s)
{
	char *end;

	while (*s == ' ')
		s++;
	end = s + strlen(s);
	while (end > s && end[-1] == ' ')
		*--end = '\0';
	return s;
}

/* Split S in place on '|' into at most MAX_FIELDS trimmed fields. */
static int
split(char *s, char *fields[MAX_FIELDS])
{
	int n = 0;
	char *bar;

	for (;;) {
		if (n == MAX_FIELDS)
			return -1;
		bar = strchr(s, '|');
		if (bar)
			*bar = '\0';
		fields[n++] = trim(s);
		if (bar == NULL)
			return n;
		s = bar + 1;
	}
}

static bool
province_known(const char *id)
{
	int code = (id[0] - '0') * 100 + (id[1] - '0') * 10 + (id[2] - '0');
	size_t i;

	for (i = 0; i < sizeof(provinces); i++)
		if (provinces[i] == code)
			return true;
	return false;
}

/* Gender text on the card: Nam (male) or Nữ (female); -1 if neither. */
static int
female_from_text(const char *g)
{
	if (strcmp(g, "Nam") == 0 || strcmp(g, "NAM") == 0)
		return 0;
	if (strcmp(g, "Nữ") == 0 || strcmp(g, "NỮ") == 0)
		return 1;
	return -1;
}

static int
check_cccd(const struct payload_opts *opts, char **f, bool has_old,
    struct payload *out, enum reason *reason)
{
	const char *id = f[0], *old = has_old ? f[1] : "";
	char **r = has_old ? f + 2 : f + 1;	/* name, dob, gender, addr, issued */
	long dob, issued, now = today(opts);
	int g, female;

	if (!all_digits(id, 12)) {
		*reason = REASON_CCCD_ID;
		return -1;
	}
	if (!(old[0] == '\0' || all_digits(old, 9) || all_digits(old, 12))) {
		*reason = REASON_CCCD_OLD_ID;
		return -1;
	}
	if (r[0][0] == '\0' || COPY(out->name, r[0]) != 0) {
		*reason = REASON_CCCD_NAME;
		return -1;
	}
	dob = ddmmyyyy(r[1]);
	if (dob < 0 || dob > now) {
		*reason = REASON_CCCD_DOB;
		return -1;
	}
	female = female_from_text(r[2]);
	if (female < 0) {
		*reason = REASON_CCCD_GENDER;
		return -1;
	}
	/* Digit 4: gender (even male, odd female) and century. */
	g = id[3] - '0';
	if ((g % 2) != female) {
		*reason = REASON_CCCD_GENDER_MISMATCH;
		return -1;
	}
	/* Digits 5-6: the last two digits of the birth year. */
	if (dob / 10000 != 1900 + (g / 2) * 100 + (id[4] - '0') * 10 +
	    (id[5] - '0')) {
		*reason = REASON_CCCD_YEAR_MISMATCH;
		return -1;
	}
	if (COPY(out->address, r[3]) != 0) {
		*reason = REASON_CCCD_ADDRESS;
		return -1;
	}
	issued = ddmmyyyy(r[4]);
	if (issued < 0 || issued <= dob || issued > now) {
		*reason = REASON_CCCD_ISSUE_DATE;
		return -1;
	}
	if (!province_known(id))
		out->warnings |= PAYLOAD_WARN_PROVINCE;
	out->kind = PAYLOAD_CCCD;
	COPY(out->id, id);
	COPY(out->old_id, old);
	COPY(out->dob, r[1]);
	COPY(out->gender, r[2]);
	COPY(out->issue_date, r[4]);
	COPY(out->display, out->name);
	return 0;
}

int
payload_parse_cccd_number(const struct payload_opts *opts, const char *text,
    struct payload *out, enum reason *reason)
{
	long year = today(opts) / 10000;
	int g;

	memset(out, 0, sizeof(*out));
	*reason = REASON_CCCD_ID;
	if (!all_digits(text, 12) || !province_known(text))
		return -1;
	g = text[3] - '0';
	if (g > 3 || 1900 + (g / 2) * 100 + (text[4] - '0') * 10 +
	    (text[5] - '0') > year)
		return -1;
	out->kind = PAYLOAD_CCCD;
	COPY(out->id, text);
	*reason = REASON_NONE;
	return 0;
}

int
payload_keyboard_lost(const char *text, size_t len)
{
	char buf[PAYLOAD_MAX_BYTES + 1], *f[MAX_FIELDS];
	const char *name, *addr;
	int n, lost = 0;
	size_t i;

	if (len > PAYLOAD_MAX_BYTES)
		return 0;
	memcpy(buf, text, len);
	buf[len] = '\0';
	n = split(buf, f);
	/* The card's shape: ID, (old ID,) name, DOB ddmmyyyy, N... gender. A
	 * PC-Covid text with a 12-digit document has a YYYY-MM-DD date. */
	if (n >= 6 && n <= 11 && all_digits(f[0], 12) &&
	    all_digits(n == 6 ? f[2] : f[3], 8) &&
	    (n == 6 ? f[3] : f[4])[0] == 'N') {
		name = n == 6 ? f[1] : f[2];
		addr = n == 6 ? f[4] : f[5];
		lost = strchr(name, '?') != NULL || strchr(addr, '?') != NULL;
		if (!lost) {
			int ascii = 1;

			for (i = 0; name[i] != '\0'; i++)
				if ((unsigned char)name[i] >= 0x80)
					ascii = 0;
			for (i = 0; addr[i] != '\0'; i++)
				if ((unsigned char)addr[i] >= 0x80)
					ascii = 0;
			lost = ascii;
		}
	}
	sodium_memzero(buf, sizeof(buf));
	return lost;
}

int
payload_parse_cccd(const struct payload_opts *opts, const char *text,
    struct payload *out, enum reason *reason)
{
	char buf[PAYLOAD_MAX_BYTES + 1], *f[MAX_FIELDS];
	int n, ret;

	memset(out, 0, sizeof(*out));
	if (copy_field(buf, sizeof(buf), text) != 0) {
		*reason = REASON_TOO_LONG;
		return -1;
	}
	n = split(buf, f);
	/* 6: no old ID; 7: the usual form; 8-11: 2024 cards' empty extras. */
	if (n < 6 || n > 11) {
		*reason = REASON_CCCD_FIELDS;
		ret = -1;
	} else {
		ret = check_cccd(opts, f, n != 6, out, reason);
	}
	sodium_memzero(buf, sizeof(buf));
	if (ret != 0)
		payload_wipe(out);
	return ret;
}

/* PC-Covid date "YYYY-MM-DD" where MM and DD may be "**". */
static bool
pccovid_date(const struct payload_opts *opts, const char *s)
{
	int y, m = 1, d = 1;
	long now = today(opts);

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return false;
	if (!isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[1]) ||
	    !isdigit((unsigned char)s[2]) || !isdigit((unsigned char)s[3]))
		return false;
	y = (int)strtol(s, NULL, 10);
	if (s[5] == '*' && s[6] == '*') {
		/* A masked month hides the day too, or the day stays masked. */
		if (!(s[8] == '*' && s[9] == '*'))
			return false;
	} else if (isdigit((unsigned char)s[5]) && isdigit((unsigned char)s[6])) {
		m = (s[5] - '0') * 10 + (s[6] - '0');
		if (!(s[8] == '*' && s[9] == '*')) {
			if (!isdigit((unsigned char)s[8]) ||
			    !isdigit((unsigned char)s[9]))
				return false;
			d = (s[8] - '0') * 10 + (s[9] - '0');
		}
	} else {
		return false;
	}
	return real_date(y, m, d) && (long)y * 10000 + m * 100 + d <= now;
}

static bool
looks_like_pccovid(const char *date_field)
{
	return strlen(date_field) == 10 && date_field[4] == '-' &&
	    date_field[7] == '-';
}

int
payload_parse_pccovid(const struct payload_opts *opts, const char *text,
    struct payload *out, enum reason *reason)
{
	char buf[PAYLOAD_MAX_BYTES + 1], *f[MAX_FIELDS];
	const char *doc, *name, *type, *qid;
	size_t i, len, masked;
	int n, ret = -1;

	memset(out, 0, sizeof(*out));
	if (copy_field(buf, sizeof(buf), text) != 0) {
		*reason = REASON_TOO_LONG;
		return -1;
	}
	n = split(buf, f);
	if (n != 6) {
		*reason = REASON_UNKNOWN_FORMAT;
		goto done;
	}
	doc = f[0];
	name = f[1];
	type = f[3];
	qid = f[4];

	/* Document number: 6-16 of [0-9A-Z], the first up to 6 masked '*'. */
	len = strlen(doc);
	for (masked = 0; masked < len && doc[masked] == '*'; masked++)
		;
	*reason = REASON_PCCOVID_DOC;
	if (len < 6 || len > 16 || masked > 6 || masked == len)
		goto done;
	for (i = masked; i < len; i++)
		if (!isdigit((unsigned char)doc[i]) &&
		    !isupper((unsigned char)doc[i]))
			goto done;

	/* Name: upper case, no diacritics. */
	*reason = REASON_PCCOVID_NAME;
	len = strlen(name);
	if (len == 0 || len > 100)
		goto done;
	for (i = 0; i < len; i++)
		if (!isupper((unsigned char)name[i]) && name[i] != ' ')
			goto done;

	*reason = REASON_PCCOVID_DOB;
	if (!pccovid_date(opts, f[2]))
		goto done;

	*reason = REASON_PCCOVID_TYPE;
	if (!(all_digits(type, 1) || all_digits(type, 2)))
		goto done;

	*reason = REASON_PCCOVID_QID;
	len = strlen(qid);
	if (len < 6 || len > 63)
		goto done;
	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)qid[i]) && qid[i] != '-' &&
		    qid[i] != '_')
			goto done;

	*reason = REASON_PCCOVID_EXT;
	if (COPY(out->ext, f[5]) != 0)
		goto done;

	out->kind = PAYLOAD_PCCOVID;
	COPY(out->id, qid);
	COPY(out->document, doc);
	COPY(out->name, name);
	COPY(out->dob, f[2]);
	COPY(out->doc_type, type);
	COPY(out->display, name);
	*reason = REASON_NONE;
	ret = 0;
done:
	sodium_memzero(buf, sizeof(buf));
	if (ret != 0)
		payload_wipe(out);
	return ret;
}

int
payload_parse_phone(const char *text, struct payload *out,
    enum reason *reason)
{
	char digits[24];
	size_t n = 0, i;
	const char *p = text;

	memset(out, 0, sizeof(*out));
	*reason = REASON_PHONE;
	if (*p == '+')
		p++;
	for (; *p != '\0'; p++) {
		if (*p == ' ' || *p == '.' || *p == '-')
			continue;
		if (!isdigit((unsigned char)*p) || n + 1 >= sizeof(digits))
			return -1;
		digits[n++] = *p;
	}
	digits[n] = '\0';
	/* +84 9x xxx xxxx and 84 9x... become 09x xxx xxxx. */
	if (n == 11 && digits[0] == '8' && digits[1] == '4') {
		digits[0] = '0';
		memmove(digits + 1, digits + 2, 10);
		n = 10;
	} else if (text[0] == '+') {
		return -1;	/* another country's number */
	}
	if (n != 10 || digits[0] != '0' ||
	    strchr("35789", digits[1]) == NULL)
		return -1;
	out->kind = PAYLOAD_PHONE;
	COPY(out->id, digits);
	/* Shown as 091***5678: enough for the visitor to recognise. */
	for (i = 0; i < 10; i++)
		out->display[i] = (i >= 3 && i < 6) ? '*' : digits[i];
	out->display[10] = '\0';
	*reason = REASON_NONE;
	return 0;
}

static int
parse_pass(const struct payload_opts *opts, const char *text,
    struct payload *out, enum reason *reason)
{
	struct pass_info info;

	memset(out, 0, sizeof(*out));
	if (opts->trust == NULL) {
		*reason = REASON_PASS_UNKNOWN_ISSUER;
		return -1;
	}
	if (pass_check(opts->trust, text, strlen(text), opts->now_ms,
	    opts->clock_untrusted ? INT64_MAX / 2 : opts->now_ms, &info,
	    reason) != 0)
		return -1;
	out->kind = info.role == PASS_OFFICER ? PAYLOAD_OFFICER : PAYLOAD_PASS;
	COPY(out->id, info.id);
	COPY(out->name, info.name);
	COPY(out->display, info.name);
	COPY(out->issuer, info.issuer);
	out->expires = info.expires;
	sodium_memzero(&info, sizeof(info));
	return 0;
}

int
payload_clean(const char *text, size_t len, char *out, size_t size,
    enum reason *reason)
{
	const unsigned char *u;
	uint8_t *norm;
	size_t i, nlen;

	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) {
		text += 3;
		len -= 3;
	}
	while (len > 0 && (text[len - 1] == '\r' || text[len - 1] == '\n'))
		len--;
	if (len == 0) {
		*reason = REASON_EMPTY;
		return -1;
	}
	if (len > PAYLOAD_MAX_BYTES || size < PAYLOAD_MAX_BYTES + 1) {
		*reason = REASON_TOO_LONG;
		return -1;
	}
	u = (const unsigned char *)text;
	if (u8_check(u, len) != NULL) {
		*reason = REASON_BAD_UTF8;
		return -1;
	}
	for (i = 0; i < len; i++) {
		if (u[i] < 0x20 || u[i] == 0x7f ||
		    (u[i] == 0xc2 && i + 1 < len && u[i + 1] <= 0x9f)) {
			*reason = REASON_CONTROL_CHARS;
			return -1;
		}
	}
	nlen = size - 1;
	norm = u8_normalize(UNINORM_NFC, u, len, (uint8_t *)out, &nlen);
	if (norm == NULL) {
		*reason = REASON_BAD_UTF8;
		return -1;
	}
	if (norm != (uint8_t *)out || nlen > PAYLOAD_MAX_BYTES) {
		/* Did not fit: libunistring allocated a larger result. */
		if (norm != (uint8_t *)out)
			free(norm);
		*reason = REASON_TOO_LONG;
		return -1;
	}
	out[nlen] = '\0';
	return (int)nlen;
}

int
payload_parse(const struct payload_opts *opts, const char *text, size_t len,
    struct payload *out, enum reason *reason)
{
	char buf[PAYLOAD_MAX_BYTES + 1], copy[PAYLOAD_MAX_BYTES + 1];
	char *f[MAX_FIELDS];
	int n, ret = -1;

	memset(out, 0, sizeof(*out));
	if (payload_clean(text, len, buf, sizeof(buf), reason) < 0)
		goto done;

	if (strncmp(buf, PASS_PREFIX, strlen(PASS_PREFIX)) == 0) {
		ret = parse_pass(opts, buf, out, reason);
	} else if (strchr(buf, '|') != NULL) {
		memcpy(copy, buf, strlen(buf) + 1);
		n = split(copy, f);
		if (n == 6 && looks_like_pccovid(f[2]))
			ret = payload_parse_pccovid(opts, buf, out, reason);
		else if (n > 0 && all_digits(f[0], strlen(f[0])) &&
		    strlen(f[0]) >= 9)
			ret = payload_parse_cccd(opts, buf, out, reason);
		else
			*reason = REASON_UNKNOWN_FORMAT;
		sodium_memzero(copy, sizeof(copy));
	} else if (strspn(buf, "+0123456789 .-") == strlen(buf)) {
		ret = payload_parse_phone(buf, out, reason);
	} else {
		*reason = REASON_UNKNOWN_FORMAT;
	}
done:
	sodium_memzero(buf, sizeof(buf));
	if (ret == 0)
		*reason = REASON_NONE;
	return ret;
}

char *
payload_personal_json(const struct payload *p)
{
	static const struct {
		const char *key;
		size_t off;
	} fields[] = {
		{ "name", offsetof(struct payload, name) },
		{ "dob", offsetof(struct payload, dob) },
		{ "gender", offsetof(struct payload, gender) },
		{ "address", offsetof(struct payload, address) },
		{ "old_id", offsetof(struct payload, old_id) },
		{ "issue_date", offsetof(struct payload, issue_date) },
		{ "document", offsetof(struct payload, document) },
		{ "doc_type", offsetof(struct payload, doc_type) },
		{ "ext", offsetof(struct payload, ext) },
	};
	json_t *o = json_object();
	char *s;
	size_t i;

	if (o == NULL)
		return NULL;
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		const char *v = (const char *)p + fields[i].off;

		if (*v != '\0')
			json_object_set_new(o, fields[i].key, json_string(v));
	}
	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	return s;
}
