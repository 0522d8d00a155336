/*
 * enrol: setting a kiosk up from its ward's enrolment code (enrolcode.h),
 * and enrolling it with the collector.
 *
 * The kiosk app has no network (its unit allows none), so the set-up
 * screen and kiosk-sync share the work through two files beside the
 * store:
 *
 *   enrolment-request  the set-up screen's: the code it read and the hash
 *                      of the admin PIN it shows (mode 0600)
 *   enrolment-state    kiosk-sync's word on it: trying, unreachable (it
 *                      tries again) or refused (the collector's words)
 *
 * kiosk-sync, finding a request and no settings, runs enrol_run(): the
 * device key, the enrolment, then the trust files, the store and, last,
 * kiosk.conf, whose appearing is what the set-up screen waits for.
 * `kioskctl enroll --code` runs the same from a terminal.
 */
#ifndef KIOSK_ENROL_H
#define KIOSK_ENROL_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "enrolcode.h"
#include "keys.h"
#include "wire.h"

#define ENROL_REQUEST_NAME "enrolment-request"
#define ENROL_STATE_NAME "enrolment-state"

/* enrol_send's and enrol_run's answers. */
#define ENROL_RUN_OK 0
#define ENROL_RUN_FAILED (-1)		/* here: a file, a key (logged) */
#define ENROL_RUN_REFUSED 1		/* the collector said no: its words */
#define ENROL_RUN_UNREACHABLE 2		/* no collector answered: try again */

/* The collector's answer to an enrolment. */
struct enrol_answer {
	struct wire_device dev;		/* the device as enrolled */
	int have_collector_key;		/* its signing key (a collector from
					 * before says none) */
	unsigned char collector_pk[KEYS_PUB_LEN];
	int have_authority_key;		/* the health authority's, as it has
					 * it */
	unsigned char authority_pk[KEYS_PUB_LEN];
};

/*
 * enrol_send(c, dev, token, ans, why, wsize):
 * Send C's enrolment, signed by DEV with TOKEN, to C's collector; its
 * answer into *ANS. ENROL_RUN_OK, or REFUSED / UNREACHABLE with WHY in
 * words for the person enrolling.
 */
int enrol_send(const struct config *c, const struct key_pair *dev,
    const char *token, struct enrol_answer *ans, char *why, size_t wsize);

/*
 * enrol_run(db_path, cfg_path, code, pin_hash, why, wsize, got):
 * Set the kiosk of the store DB_PATH up from CODE (read and checked) with
 * the admin PIN hash PIN_HASH, and enrol it: ENROL_RUN_OK with kiosk.conf
 * at CFG_PATH written last and *GOT the collector's word on the venue;
 * else nothing but the device key is left, and WHY says why (REFUSED,
 * UNREACHABLE) or the log does (FAILED).
 */
int enrol_run(const char *db_path, const char *cfg_path,
    const struct enrol_code *code, const char *pin_hash, char *why,
    size_t wsize, struct wire_device *got);

/* The ward's CA for the collector's TLS on a kiosk set up by code:
 * $KIOSK_COLLECTOR_CA (kiosk.env), a PEM file; "" none. */
#define ENROL_CA_ENV "KIOSK_COLLECTOR_CA"

/*
 * enrol_new_pin(pin, hash): a new random six-digit admin PIN into PIN
 * (7 bytes) and its Argon2 hash into HASH (160 bytes). 0 or -1.
 */
int enrol_new_pin(char pin[7], char hash[160]);

/* The request file: put (0 or -1, logged); take (0, 1 none, -1; *CODE
 * malloc'd, PIN_HASH 160 bytes); drop. */
int enrol_request_put(const char *db_path, const char *code,
    const char *pin_hash);
int enrol_request_take(const char *db_path, char **code, char pin_hash[160]);
void enrol_request_drop(const char *db_path);

enum enrol_progress {
	ENROL_PR_NONE,		/* no word from kiosk-sync yet */
	ENROL_PR_TRYING,
	ENROL_PR_UNREACHABLE,
	ENROL_PR_REFUSED,
	ENROL_PR_FAILED		/* here: the kiosk could not keep it */
};

/* kiosk-sync's word: put (0 or -1); get (the state, its WORDS). */
int enrol_progress_put(const char *db_path, enum enrol_progress p,
    const char *words);
enum enrol_progress enrol_progress_get(const char *db_path, char *words,
    size_t size);
void enrol_progress_drop(const char *db_path);

#endif
