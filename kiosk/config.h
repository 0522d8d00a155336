/*
 * config: the kiosk's settings file (kiosk.conf), written by
 * `kioskctl init` and read at start; read-only after.
 *
 * Format: "key = value" lines, '#' starts a comment line. Every key is
 * checked; an unknown key or a bad value stops the program with the file
 * name, line and what is wanted. See docs/config.md for the keys.
 */
#ifndef KIOSK_CONFIG_H
#define KIOSK_CONFIG_H

#include <stddef.h>

#include "keys.h"
#include "store.h"
#include "wire.h"

#define CONFIG_PATH_MAX 1024

struct config {
	char venue_id[65];
	char venue_name[129];
	char address[257];
	char ward[129];
	int have_authority;
	unsigned char authority_pk[KEYS_PUB_LEN];
	char trust_file[CONFIG_PATH_MAX];
	char revoked_file[CONFIG_PATH_MAX];
	int rescan_window_s;		/* default 300 */
	enum store_rescan rescan;	/* default duplicate */
	int default_stay_min;		/* default 60 */
	int retention_days;		/* default 21 */
	char language[3];		/* "vi" (default) or "en" */
	char device_key[CONFIG_PATH_MAX];	/* Ed25519 secret, made by init */
	char collector_url[257];	/* base of the phone check-in URL */
	char collector_ca[CONFIG_PATH_MAX];	/* PEM of the CA the collector's
					 * certificate is from; "": the
					 * system's */
	char admin_pin[160];		/* crypto_pwhash_str of the PIN, or "" */
	int display_period_s;		/* venue QR changes this often (30) */
	char mode[8];			/* "scan" (default), "display", "both" */
	char hours[128];		/* opening hours (hours.h); "": always */
	char enrolled_at[40];		/* when kioskctl enroll was taken by
					 * collector_url (ISO 8601), or "" */
	int have_collector_key;		/* the collector's signing key, from
					 * the enrolment code: it signs the
					 * ward's pass list */
	unsigned char collector_pk[KEYS_PUB_LEN];
	char pass_list_file[CONFIG_PATH_MAX];	/* the ward's pass list as
					 * kiosk-sync last took it */
};

/*
 * config_trust(c): the passes C trusts: its trust and revocation files,
 * and the ward's pass list (when it has the collector's key and there is
 * one). NULL when a file cannot be read (logged).
 */
struct pass_trust;
struct pass_trust *config_trust(const struct config *c);

/* The collector_url of a kiosk not yet enrolled (kioskctl init's). */
#define CONFIG_PLACEHOLDER_URL "http://127.0.0.1:8080"

/*
 * config_enrolled(c): 1 when the kiosk was enrolled with a collector (by
 * kioskctl enroll; a settings file from before enrolled_at existed counts
 * when it names a collector other than the default placeholder), else 0.
 */
int config_enrolled(const struct config *c);

/*
 * config_defaults(c, db_path):
 * Fill *C with the defaults; the trust and revocation files sit next to
 * the store at DB_PATH ("trusted-issuers", "revoked-passes").
 */
void config_defaults(struct config *c, const char *db_path);

/*
 * config_path_for(db_path, buf, size):
 * The default config path for the store at DB_PATH: kiosk.conf in the same
 * folder. Returns 0, or -1 if BUF is too small.
 */
int config_path_for(const char *db_path, char *buf, size_t size);

/*
 * config_load(path, c):
 * Read PATH over the values already in *C (call config_defaults first).
 * Returns 0, or -1 with a logged reason naming the line. A missing file is
 * an error: run `kioskctl init` first.
 */
int config_load(const char *path, struct config *c);

/*
 * config_save(path, c):
 * Write *C to PATH atomically (mode 0644: nothing secret is in it).
 * Returns 0, or -1 with a logged reason.
 */
int config_save(const char *path, const struct config *c);

/*
 * config_venue(c, out):
 * The venue as the collector knows a kiosk (wire.h): its id, name,
 * address and ward from C; the device id and key are left empty.
 */
void config_venue(const struct config *c, struct wire_device *out);

/*
 * config_set(c, key, value):
 * Set one key from its text form, with the same checks as the file.
 * Returns 0, or -1 with *WHY (static text) saying what is wanted.
 */
int config_set(struct config *c, const char *key, const char *value,
    const char **why);

#endif
