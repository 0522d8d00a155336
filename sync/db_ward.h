/*
 * db_ward: what the collector keeps for its wards besides visits: its own
 * signing key and the health authority's public key (the enrolment codes
 * carry both), the wards' pass issuers and the revoked passes (the kiosks'
 * pass lists), and the tokens' list. Written once for both backends.
 */
#ifndef KIOSK_DB_WARD_H
#define KIOSK_DB_WARD_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "keys.h"
#include "passlist.h"

/*
 * db_collector_key(d, out, create):
 * The collector's Ed25519 signing key (enrolment codes, pass lists) into
 * *OUT; with CREATE, made and kept when there is none. Returns 0, 1 none
 * (without CREATE), -1 (logged).
 */
int db_collector_key(struct db *d, struct key_pair *out, int create);

/*
 * db_authority_set(d, pk) / db_authority_get(d, pk):
 * The health authority's X25519 public key, which the enrolment codes
 * give the kiosks. get: 0, 1 none set, -1.
 */
int db_authority_set(struct db *d, const unsigned char pk[KEYS_PUB_LEN]);
int db_authority_get(struct db *d, unsigned char pk[KEYS_PUB_LEN]);

/*
 * db_issuer_add(d, ward, pk): trust the pass issuer PK in WARD's pass
 * list (a new version). 0 added, 1 there already, -1.
 * db_pass_revoke(d, pass_id): revoke PASS_ID in every ward's list (a new
 * version). 0 revoked, 1 revoked already, -1.
 */
int db_issuer_add(struct db *d, const char *ward,
    const unsigned char pk[KEYS_PUB_LEN]);
int db_pass_revoke(struct db *d, const char *pass_id);
/* db_issuer_remove(d, ward, pk): no longer trust PK in WARD's list (a new
 * version). 0 removed, 1 was not there, -1. */
int db_issuer_remove(struct db *d, const char *ward,
    const unsigned char pk[KEYS_PUB_LEN]);

/*
 * db_pass_list(d, ward, l): WARD's pass list as it is now (its issuers,
 * every revoked pass, the version) into *L (passlist_free). 0, or -1.
 * db_pass_list_version(d): the version now (0 before any change), or -1.
 */
int db_pass_list(struct db *d, const char *ward, struct passlist *l);
int64_t db_pass_list_version(struct db *d);

/* db_device_ward(d, device_id, ward, size): DEVICE_ID's ward; 0, 1 no
 * such device, -1. */
int db_device_ward(struct db *d, const char *device_id, char *ward,
    size_t size);

/* A token as the list shows it: never the token, only its hash's head. */
struct db_token_info {
	char id[13];		/* the first 12 hex digits of its hash */
	char role[DB_ROLE_LEN];
	char ward[129];
	char venue_id[65];
	int64_t created_ms, expires_ms, used_ms, revoked_ms;
};

/*
 * db_token_list(d, fn, ctx): FN(CTX, info) for each token, newest first;
 * how many, or -1.
 * db_token_revoke(d, id): revoke the unused token whose hash begins with
 * ID (at least 8 hex digits), or the token ID itself. 0 revoked, 1 no such
 * token, 2 used or revoked already, 3 ID names several, -1.
 */
int64_t db_token_list(struct db *d,
    void (*fn)(void *ctx, const struct db_token_info *t), void *ctx);
int db_token_revoke(struct db *d, const char *id);

/* db_token_id(token, out): the id `token list` shows for TOKEN (the first
 * 12 hex digits of its stored hash). */
void db_token_id(const char *token, char out[13]);

#endif
