/*
 * venue_token KEY BASE_URL VENUE SLOT_OFFSET: print a venue check-in URL
 * signed with the Ed25519 secret KEY for the current 30 s slot plus
 * SLOT_OFFSET (negative: stale). For tests of the collector's phone page.
 */
#include <stdio.h>
#include <stdlib.h>

#include <sodium.h>

#include "keys.h"
#include "ktime.h"
#include "token.h"

int
main(int argc, char **argv)
{
	struct key_pair k;
	char url[TOKEN_URL_MAX];
	int64_t slot;

	if (argc != 5 || sodium_init() < 0 ||
	    keys_load_secret(argv[1], KEY_ED25519, &k) != 0)
		return 2;
	slot = ktime_wall_ms() / 1000 / 30 + strtol(argv[4], NULL, 10);
	if (token_venue_url(&k, argv[2], argv[3], slot, 30, url,
	    sizeof(url)) != 0)
		return 1;
	printf("%s\n", url);
	keys_wipe(&k);
	return 0;
}
