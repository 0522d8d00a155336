/*
 * keys: key generation and key files. See keys.h.
 */
#include "keys.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "fileio.h"
#include "log.h"

static const char *
pub_tag(enum key_type t)
{
	return t == KEY_ED25519 ? "ed25519:" : "x25519:";
}

static const char *
sec_tag(enum key_type t)
{
	return t == KEY_ED25519 ? "ed25519-secret:" : "x25519-secret:";
}

static size_t
sec_len(enum key_type t)
{
	return t == KEY_ED25519 ? crypto_sign_SECRETKEYBYTES :
	    crypto_box_SECRETKEYBYTES;
}

void
keys_generate(enum key_type type, struct key_pair *out)
{
	memset(out, 0, sizeof(*out));
	out->type = type;
	if (type == KEY_ED25519)
		crypto_sign_keypair(out->pk, out->sk);
	else
		crypto_box_keypair(out->pk, out->sk);
}

void
keys_wipe(struct key_pair *kp)
{
	sodium_memzero(kp, sizeof(*kp));
}

void
keys_id(const unsigned char pk[KEYS_PUB_LEN], char out[KEYS_ID_LEN + 1])
{
	unsigned char h[KEYS_ID_LEN / 2];

	crypto_generichash(h, sizeof(h), pk, KEYS_PUB_LEN, NULL, 0);
	sodium_bin2hex(out, KEYS_ID_LEN + 1, h, sizeof(h));
}

int
keys_format_public(enum key_type type, const unsigned char *pk, char *buf,
    size_t size)
{
	char b64[sodium_base64_ENCODED_LEN(KEYS_PUB_LEN,
	    sodium_base64_VARIANT_ORIGINAL)];
	int r;

	sodium_bin2base64(b64, sizeof(b64), pk, KEYS_PUB_LEN,
	    sodium_base64_VARIANT_ORIGINAL);
	r = snprintf(buf, size, "%s%s", pub_tag(type), b64);
	return (r < 0 || (size_t)r >= size) ? -1 : 0;
}

/* Decode "TAG<base64>" with blanks around it into exactly WANT bytes. */
static int
parse_tagged(const char *text, const char *tag, unsigned char *out,
    size_t want)
{
	size_t taglen = strlen(tag), len, bin_len;
	const char *end;

	while (*text == ' ' || *text == '\t')
		text++;
	if (strncmp(text, tag, taglen) != 0)
		return -1;
	text += taglen;
	len = strcspn(text, " \t\r\n#");
	end = NULL;
	if (sodium_base642bin(out, want, text, len, NULL, &bin_len, &end,
	    sodium_base64_VARIANT_ORIGINAL) != 0 || bin_len != want ||
	    end != text + len)
		return -1;
	return 0;
}

int
keys_parse_public(const char *text, enum key_type type,
    unsigned char pk[KEYS_PUB_LEN])
{
	return parse_tagged(text, pub_tag(type), pk, KEYS_PUB_LEN);
}

int
keys_load_public(const char *path, enum key_type type,
    unsigned char pk[KEYS_PUB_LEN])
{
	char *text;
	int r;

	text = fileio_read(path, 4096, NULL);
	if (text == NULL)
		return -1;
	r = keys_parse_public(text, type, pk);
	if (r != 0)
		log_error("'%s' is not a %s public key file (want a line "
		    "\"%s...\")", path, type == KEY_ED25519 ? "Ed25519" :
		    "X25519", pub_tag(type));
	free(text);
	return r;
}

int
keys_load_secret(const char *path, enum key_type type, struct key_pair *out)
{
	struct stat st;
	char *text;
	size_t len;
	int r;

	text = fileio_read(path, 4096, &len);
	if (text == NULL)
		return -1;
	memset(out, 0, sizeof(*out));
	out->type = type;
	r = parse_tagged(text, sec_tag(type), out->sk, sec_len(type));
	sodium_memzero(text, len);
	free(text);
	if (r != 0) {
		log_error("'%s' is not a %s secret key file", path,
		    type == KEY_ED25519 ? "Ed25519" : "X25519");
		keys_wipe(out);
		return -1;
	}
	if (type == KEY_ED25519)
		crypto_sign_ed25519_sk_to_pk(out->pk, out->sk);
	else
		crypto_scalarmult_base(out->pk, out->sk);
	if (stat(path, &st) == 0 && (st.st_mode & 077) != 0)
		log_warn("secret key '%s' can be read by others; "
		    "run: chmod 600 '%s'", path, path);
	return 0;
}

int
keys_save(const struct key_pair *kp, const char *prefix)
{
	char path[4096], line[256];
	char b64[sodium_base64_ENCODED_LEN(KEYS_SEC_LEN,
	    sodium_base64_VARIANT_ORIGINAL)];
	int r, n;

	r = snprintf(path, sizeof(path), "%s.sec", prefix);
	if (r < 0 || (size_t)r >= sizeof(path)) {
		log_error("key path too long: '%s'", prefix);
		return -1;
	}
	if (access(path, F_OK) == 0) {
		log_error("'%s' already exists; not overwriting a secret key",
		    path);
		return -1;
	}
	sodium_bin2base64(b64, sizeof(b64), kp->sk, sec_len(kp->type),
	    sodium_base64_VARIANT_ORIGINAL);
	n = snprintf(line, sizeof(line), "%s%s\n", sec_tag(kp->type), b64);
	sodium_memzero(b64, sizeof(b64));
	r = (n < 0 || (size_t)n >= sizeof(line)) ? -1 :
	    fileio_write_atomic(path, line, (size_t)n, 0600);
	sodium_memzero(line, sizeof(line));
	if (r != 0)
		return -1;

	r = snprintf(path, sizeof(path), "%s.pub", prefix);
	if (r < 0 || (size_t)r >= sizeof(path) ||
	    keys_format_public(kp->type, kp->pk, line, sizeof(line) - 1) != 0)
		return -1;
	n = (int)strlen(line);
	line[n++] = '\n';
	return fileio_write_atomic(path, line, (size_t)n, 0644);
}
