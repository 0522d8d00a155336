/*
 * forge_code CODE [AUTHORITY.pub]: what an attacker holding a ward's
 * sheet can make of it: the same code (its URL, its live token, its
 * venue) re-signed with a fresh key of the attacker's, with the health
 * authority's key swapped for AUTHORITY.pub when given. Prints the forged
 * code. For tests: a kiosk must refuse it although it is whole.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "enrolcode.h"
#include "keys.h"

int
main(int argc, char **argv)
{
	struct enrol_code c;
	struct key_pair attacker;
	char *text;

	if (argc < 2 || argc > 3 || sodium_init() < 0)
		return 2;
	if (enrol_code_read(argv[1], strlen(argv[1]), 0, &c) != ENROL_OK)
		return 1;
	if (argc == 3 && keys_load_public(argv[2], KEY_X25519,
	    c.authority_pk) != 0)
		return 1;
	keys_generate(KEY_ED25519, &attacker);
	c.n_issuers = 1;
	memcpy(c.issuers[0], attacker.pk, KEYS_PUB_LEN);
	if (enrol_code_make(&attacker, &c, &text) != 0)
		return 1;
	printf("%s\n", text);
	free(text);
	keys_wipe(&attacker);
	return 0;
}
