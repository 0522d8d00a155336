/*
 * wipe: erase-on-free for jansson. See wipe.h.
 */
#include "wipe.h"

#include <malloc.h>
#include <stdlib.h>

#include <jansson.h>
#include <sodium.h>

static void
wipe_free(void *p)
{
	if (p == NULL)
		return;
	/* glibc knows each block's size: erase all of it. */
	sodium_memzero(p, malloc_usable_size(p));
	free(p);
}

void
wipe_json_setup(void)
{
	json_set_alloc_funcs(malloc, wipe_free);
}
