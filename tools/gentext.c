/*
 * gentext: print generated realistic texts (tests/gen.h), one a line, for
 * the benchmark's frames and for trying the kiosk by hand.
 *
 *   gentext [--seed N] [--kind cccd|pccovid|pass|phone|mixed] COUNT
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "seed", 1, NULL, 's' }, { "kind", 1, NULL, 'k' },
		{ NULL, 0, NULL, 0 }
	};
	static const char *const kinds[GEN_KINDS] = { "cccd", "pccovid", "pass",
	    "phone" };
	unsigned long long seed = 1;
	int kind = -1, ch, k;
	long count, i;
	char *end, text[2048];
	struct gen g;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 's':
			seed = strtoull(optarg, &end, 10);
			if (*end != '\0') {
				fprintf(stderr, "gentext: bad seed '%s'\n", optarg);
				return 2;
			}
			break;
		case 'k':
			kind = -1;
			for (k = 0; k < GEN_KINDS; k++)
				if (strcmp(optarg, kinds[k]) == 0)
					kind = k;
			if (kind < 0 && strcmp(optarg, "mixed") != 0) {
				fprintf(stderr, "gentext: unknown kind '%s'\n",
				    optarg);
				return 2;
			}
			break;
		default:
			return 2;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "usage: gentext [--seed N] [--kind K] COUNT\n");
		return 2;
	}
	count = strtol(argv[optind], &end, 10);
	if (*end != '\0' || count < 0 || count > 10000000) {
		fprintf(stderr, "gentext: bad count '%s'\n", argv[optind]);
		return 2;
	}
	if (gen_init(&g, seed) != 0)
		return 1;
	for (i = 0; i < count; i++) {
		enum gen_kind kd = kind < 0 ? gen_kind_for((unsigned)i) :
		    (enum gen_kind)kind;

		if (gen_text(&g, kd, text, sizeof(text)) < 0) {
			fprintf(stderr, "gentext: text %ld too long\n", i);
			return 1;
		}
		printf("%s\n", text);
	}
	gen_release(&g);
	return fflush(stdout) == 0 ? 0 : 1;
}
