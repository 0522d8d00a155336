/*
 * config: kiosk.conf. See config.h.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unistr.h>

#include "fileio.h"
#include "hours.h"
#include "log.h"
#include "termtext.h"
#include "token.h"
#include "wire.h"
#include "parsenum.h"
#include "pass.h"
#include "passlist.h"

#define CONFIG_FILE_MAX (64 * 1024)

void
config_defaults(struct config *c, const char *db_path)
{
	memset(c, 0, sizeof(*c));
	c->rescan_window_s = 300;
	c->rescan = STORE_RESCAN_DUPLICATE;
	c->default_stay_min = 60;
	c->retention_days = 21;
	memcpy(c->language, "vi", 3);
	memcpy(c->mode, "scan", 5);
	c->display_period_s = 30;
	snprintf(c->collector_url, sizeof(c->collector_url), "%s",
	    CONFIG_PLACEHOLDER_URL);
	if (db_path != NULL) {
		(void)fileio_sibling(db_path, "device.sec", c->device_key,
		    sizeof(c->device_key));
		(void)fileio_sibling(db_path, "trusted-issuers", c->trust_file,
		    sizeof(c->trust_file));
		(void)fileio_sibling(db_path, "revoked-passes",
		    c->revoked_file, sizeof(c->revoked_file));
		(void)fileio_sibling(db_path, "pass-list",
		    c->pass_list_file, sizeof(c->pass_list_file));
	}
}

int
config_path_for(const char *db_path, char *buf, size_t size)
{
	return fileio_sibling(db_path, "kiosk.conf", buf, size);
}

/* Text a person typed: valid UTF-8, no control characters, fits. */
static int
set_text(char *dst, size_t size, const char *v, int allow_empty)
{
	size_t len = strlen(v);

	if (len >= size || (len == 0 && !allow_empty) || !termtext_plain(v))
		return -1;
	memcpy(dst, v, len + 1);
	return 0;
}

static int
set_int(int *dst, const char *v, int lo, int hi)
{
	return parsenum_int(v, lo, hi, dst);
}

int
config_set(struct config *c, const char *key, const char *v,
    const char **why)
{
	size_t i;

	if (strcmp(key, "venue_id") == 0) {
		*why = "1-64 letters, digits, '.', '_' or '-'";
		if (!wire_venue_id_ok(v))
			return -1;
		memcpy(c->venue_id, v, strlen(v) + 1);
		return 0;
	}
	if (strcmp(key, "venue_name") == 0) {
		*why = "1-128 bytes of text";
		return set_text(c->venue_name, sizeof(c->venue_name), v, 0);
	}
	if (strcmp(key, "address") == 0) {
		*why = "at most 256 bytes of text";
		return set_text(c->address, sizeof(c->address), v, 1);
	}
	if (strcmp(key, "ward") == 0) {
		*why = "at most 128 bytes of text";
		return set_text(c->ward, sizeof(c->ward), v, 1);
	}
	if (strcmp(key, "authority_key") == 0) {
		*why = "the health authority's public key, \"x25519:<base64>\"";
		if (keys_parse_public(v, KEY_X25519, c->authority_pk) != 0)
			return -1;
		c->have_authority = 1;
		return 0;
	}
	if (strcmp(key, "collector_key") == 0) {
		*why = "the collector's public key, \"ed25519:<base64>\"";
		if (*v == '\0') {
			c->have_collector_key = 0;
			return 0;
		}
		if (keys_parse_public(v, KEY_ED25519, c->collector_pk) != 0)
			return -1;
		c->have_collector_key = 1;
		return 0;
	}
	if (strcmp(key, "pass_list_file") == 0) {
		*why = "a file path";
		return set_text(c->pass_list_file, sizeof(c->pass_list_file),
		    v, 1);
	}
	if (strcmp(key, "trust_file") == 0) {
		*why = "a file path";
		return set_text(c->trust_file, sizeof(c->trust_file), v, 0);
	}
	if (strcmp(key, "revoked_file") == 0) {
		*why = "a file path";
		return set_text(c->revoked_file, sizeof(c->revoked_file), v, 0);
	}
	if (strcmp(key, "rescan_window") == 0) {
		*why = "seconds, 0-86400";
		return set_int(&c->rescan_window_s, v, 0, 86400);
	}
	if (strcmp(key, "rescan_means") == 0) {
		*why = "\"duplicate\" or \"checkout\"";
		if (strcmp(v, "duplicate") == 0)
			c->rescan = STORE_RESCAN_DUPLICATE;
		else if (strcmp(v, "checkout") == 0)
			c->rescan = STORE_RESCAN_CHECKOUT;
		else
			return -1;
		return 0;
	}
	if (strcmp(key, "default_stay") == 0) {
		*why = "minutes, 1-1440";
		return set_int(&c->default_stay_min, v, 1, 1440);
	}
	if (strcmp(key, "retention_days") == 0) {
		*why = "days, 1-3650";
		return set_int(&c->retention_days, v, 1, 3650);
	}
	if (strcmp(key, "language") == 0) {
		*why = "\"vi\" or \"en\"";
		if (strcmp(v, "vi") != 0 && strcmp(v, "en") != 0)
			return -1;
		memcpy(c->language, v, 3);
		return 0;
	}
	if (strcmp(key, "device_key") == 0) {
		*why = "a file path";
		return set_text(c->device_key, sizeof(c->device_key), v, 0);
	}
	if (strcmp(key, "collector_url") == 0) {
		*why = "an http:// or https:// URL";
		if (strncmp(v, "http://", 7) != 0 &&
		    strncmp(v, "https://", 8) != 0)
			return -1;
		for (i = 0; v[i] != '\0'; i++)
			if ((unsigned char)v[i] <= ' ' || v[i] == '"' ||
			    (unsigned char)v[i] >= 0x7f)
				return -1;
		return set_text(c->collector_url, sizeof(c->collector_url),
		    v, 0);
	}
	if (strcmp(key, "hours") == 0) {
		struct hours h;

		if (hours_parse(v, &h, why) != 0 || strlen(v) >=
		    sizeof(c->hours))
			return -1;
		return set_text(c->hours, sizeof(c->hours), v, 1);
	}
	if (strcmp(key, "enrolled_at") == 0) {
		*why = "the time kioskctl enroll wrote, or nothing";
		for (i = 0; v[i] != '\0'; i++)
			if (!strchr("0123456789-:T+Z", v[i]))
				return -1;
		return set_text(c->enrolled_at, sizeof(c->enrolled_at), v, 1);
	}
	if (strcmp(key, "collector_ca") == 0) {
		*why = "a file path, or nothing for the system's CAs";
		return set_text(c->collector_ca, sizeof(c->collector_ca), v, 1);
	}
	if (strcmp(key, "admin_pin") == 0) {
		*why = "a PIN hash written by kioskctl (\"$argon2id$...\")";
		if (v[0] != '\0' && strncmp(v, "$argon2", 7) != 0)
			return -1;
		return set_text(c->admin_pin, sizeof(c->admin_pin), v, 1);
	}
	if (strcmp(key, "display_period") == 0) {
		*why = "seconds, 10-600";
		return set_int(&c->display_period_s, v, TOKEN_PERIOD_MIN,
		    TOKEN_PERIOD_MAX);
	}
	if (strcmp(key, "mode") == 0) {
		*why = "\"scan\", \"display\" or \"both\"";
		if (strcmp(v, "scan") != 0 && strcmp(v, "display") != 0 &&
		    strcmp(v, "both") != 0)
			return -1;
		memcpy(c->mode, v, strlen(v) + 1);
		return 0;
	}
	*why = "a known key (see docs/config.md)";
	return -1;
}

static char *
trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

int
config_load(const char *path, struct config *c)
{
	char *text, *line, *next, *eq;
	const char *why;
	size_t lineno = 0;
	int ret = 0;

	text = fileio_read(path, CONFIG_FILE_MAX, NULL);
	if (text == NULL) {
		if (errno == ENOENT)
			log_error("no settings file '%s': set the kiosk up "
			    "first with `kioskctl init`", path);
		return -1;
	}
	for (line = text; line != NULL; line = next) {
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		lineno++;
		line = trim(line);
		if (*line == '\0' || *line == '#')
			continue;
		eq = strchr(line, '=');
		if (eq == NULL) {
			log_error("%s:%zu: want \"key = value\"", path, lineno);
			ret = -1;
			continue;
		}
		*eq = '\0';
		if (config_set(c, trim(line), trim(eq + 1), &why) != 0) {
			log_error("%s:%zu: bad value for '%s': want %s", path,
			    lineno, trim(line), why);
			ret = -1;
		}
	}
	free(text);
	if (ret == 0 && (c->venue_id[0] == '\0' || c->venue_name[0] == '\0')) {
		log_error("%s: venue_id and venue_name must both be set", path);
		ret = -1;
	}
	return ret;
}

int
config_save(const char *path, const struct config *c)
{
	char buf[8192], pk[KEYS_PUB_TEXT] = "", ck[KEYS_PUB_TEXT] = "";
	int n;

	if (c->have_authority)
		keys_format_public(KEY_X25519, c->authority_pk, pk, sizeof(pk));
	if (c->have_collector_key)
		keys_format_public(KEY_ED25519, c->collector_pk, ck,
		    sizeof(ck));
	n = snprintf(buf, sizeof(buf),
	    "# kiosk.conf: this kiosk's settings (see docs/config.md).\n"
	    "# Written by `kioskctl init`; edit with care, then restart the "
	    "kiosk.\n"
	    "venue_id = %s\n"
	    "venue_name = %s\n"
	    "address = %s\n"
	    "ward = %s\n"
	    "%sauthority_key = %s\n"
	    "trust_file = %s\n"
	    "revoked_file = %s\n"
	    "# seconds in which a second scan of the same person is a "
	    "duplicate\n"
	    "rescan_window = %d\n"
	    "# duplicate: a re-scan is \"already checked in\"; checkout: it "
	    "checks the visitor out\n"
	    "rescan_means = %s\n"
	    "# minutes a visit without check-out is taken to last, for "
	    "tracing\n"
	    "default_stay = %d\n"
	    "# days uploaded visits are kept on the kiosk\n"
	    "retention_days = %d\n"
	    "language = %s\n"
	    "# scan, display (the venue QR for phones) or both\n"
	    "mode = %s\n"
	    "# the kiosk's own signing key (venue QR, receipts, uploads)\n"
	    "device_key = %s\n"
	    "# where phones open the venue QR, and kiosk-sync uploads\n"
	    "collector_url = %s\n"
	    "# the CA (PEM) the collector's certificate is from; empty: the "
	    "system's\n"
	    "collector_ca = %s\n"
	    "# opening hours, e.g. 07:00-22:00 or \"mon-fri 07:00-22:00; "
	    "sat,sun 08:00-23:00\";\n# empty: always open. The ward's "
	    "report counts heartbeat gaps only then\n"
	    "hours = %s\n"
	    "# when kioskctl enroll was taken by that collector\n"
	    "enrolled_at = %s\n"
	    "# seconds the venue QR stays valid\n"
	    "display_period = %d\n"
	    "# hash of the admin screen PIN (kioskctl set-pin)\n"
	    "admin_pin = %s\n"
	    "# the collector's key (from the enrolment code): it signs the "
	    "ward's pass list,\n# which kiosk-sync keeps in pass_list_file\n"
	    "collector_key = %s\n"
	    "pass_list_file = %s\n",
	    c->venue_id, c->venue_name, c->address, c->ward,
	    c->have_authority ? "" : "# ", pk, c->trust_file, c->revoked_file,
	    c->rescan_window_s,
	    c->rescan == STORE_RESCAN_CHECKOUT ? "checkout" : "duplicate",
	    c->default_stay_min, c->retention_days, c->language, c->mode,
	    c->device_key, c->collector_url, c->collector_ca,
	    c->hours, c->enrolled_at, c->display_period_s,
	    c->admin_pin, ck, c->pass_list_file);
	if (n < 0 || (size_t)n >= sizeof(buf)) {
		log_error("settings too long to write");
		return -1;
	}
	return fileio_write_atomic(path, buf, (size_t)n, 0600);
}

void
config_venue(const struct config *c, struct wire_device *out)
{
	memset(out, 0, sizeof(*out));
	snprintf(out->venue_id, sizeof(out->venue_id), "%s", c->venue_id);
	snprintf(out->venue_name, sizeof(out->venue_name), "%s",
	    c->venue_name);
	snprintf(out->address, sizeof(out->address), "%s", c->address);
	snprintf(out->ward, sizeof(out->ward), "%s", c->ward);
}

struct pass_trust *
config_trust(const struct config *c)
{
	struct pass_trust *t = pass_trust_load(c->trust_file, c->revoked_file);
	struct passlist l;
	int r;

	if (t == NULL || !c->have_collector_key || c->pass_list_file[0] == '\0')
		return t;
	/* The ward's list adds to the kiosk's own files; a damaged one is
	 * said and left out (the files still hold). */
	r = passlist_load(c->pass_list_file, c->collector_pk, &l);
	if (r == 0 && passlist_apply(&l, t) != 0) {
		passlist_free(&l);
		pass_trust_free(t);
		return NULL;
	}
	if (r == 0)
		log_info("the ward's pass list, version %lld: %zu issuers, %zu "
		    "revoked passes", (long long)l.version, l.n_issuers,
		    l.n_revoked);
	passlist_free(&l);
	return t;
}

int
config_enrolled(const struct config *c)
{
	return c->enrolled_at[0] != '\0' ||
	    strcmp(c->collector_url, CONFIG_PLACEHOLDER_URL) != 0;
}
