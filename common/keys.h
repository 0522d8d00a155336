/*
 * keys: the project's key files.
 *
 *   Ed25519 (signing): pass issuers, kiosk devices.  public "ed25519:<b64>"
 *   X25519 (sealing):  the health authority.         public "x25519:<b64>"
 *
 * A public key file is one line of that form (so it can be appended to a
 * trust file as it is); a secret key file is "ed25519-secret:<b64>" or
 * "x25519-secret:<b64>" and is written with mode 0600. Secrets held in
 * memory are wiped with keys_wipe().
 */
#ifndef KIOSK_KEYS_H
#define KIOSK_KEYS_H

#include <stddef.h>

enum key_type { KEY_ED25519, KEY_X25519 };

#define KEYS_PUB_LEN 32
#define KEYS_SEC_LEN 64		/* Ed25519 secret (seed + public); X25519 uses 32 */
#define KEYS_ID_LEN 16		/* hex characters in a key id */
#define KEYS_PUB_TEXT 64	/* enough for "x25519:" + base64 + NUL */

struct key_pair {
	enum key_type type;
	unsigned char pk[KEYS_PUB_LEN];
	unsigned char sk[KEYS_SEC_LEN];
};

/* keys_generate(type, out): make a new random key pair of TYPE in *OUT. */
void keys_generate(enum key_type type, struct key_pair *out);

/*
 * keys_save(kp, prefix):
 * Write PREFIX.sec (mode 0600) and PREFIX.pub. Refuses to overwrite an
 * existing secret key file. Returns 0, or -1 with a logged reason.
 */
int keys_save(const struct key_pair *kp, const char *prefix);

/*
 * keys_load_secret(path, type, out):
 * Read a secret key file of TYPE into *OUT (public part derived). Warns
 * when the file can be read by others. Returns 0, or -1 with a logged
 * reason.
 */
int keys_load_secret(const char *path, enum key_type type,
    struct key_pair *out);

/*
 * keys_parse_public(text, type, pk):
 * Parse one public key line ("ed25519:..." or "x25519:...", surrounding
 * blanks ignored) of TYPE into PK. Returns 0, or -1 (nothing logged).
 */
int keys_parse_public(const char *text, enum key_type type,
    unsigned char pk[KEYS_PUB_LEN]);

/*
 * keys_load_public(path, type, pk):
 * Read a public key file of TYPE into PK. Returns 0, or -1 with a logged
 * reason.
 */
int keys_load_public(const char *path, enum key_type type,
    unsigned char pk[KEYS_PUB_LEN]);

/*
 * keys_format_public(type, pk, buf, size):
 * Write the one-line text form of PK into BUF. Returns 0, or -1 if BUF is
 * too small (KEYS_PUB_TEXT is always enough).
 */
int keys_format_public(enum key_type type, const unsigned char *pk,
    char *buf, size_t size);

/*
 * keys_id(pk, out):
 * The short id of a public key: 16 hex characters of its BLAKE2b hash.
 * OUT holds KEYS_ID_LEN + 1 bytes.
 */
void keys_id(const unsigned char pk[KEYS_PUB_LEN], char out[KEYS_ID_LEN + 1]);

/* keys_wipe(kp): erase the secret in *KP. */
void keys_wipe(struct key_pair *kp);

#endif
