/*
 * gen: realistic generated texts for the decode and check-in tests and
 * the benchmark, instead of a handful of fixed strings.
 *
 *   CCCD     random Vietnamese family, middle and given names in which
 *            every vowel (a ă â e ê i o ô ơ u ư y) appears with every tone
 *            in both cases over a run, đ/Đ; an address with house number,
 *            street, ward, district and province; both genders; births
 *            1930-2010; an empty, 9- or 12-digit old ID; 6, 7 and 11
 *            fields. Every one is valid by the rules of DESIGN.md 4.1.
 *   PC-Covid upper-case names without diacritics, masked dates and
 *            document numbers.
 *   pass     a visitor pass signed by the generator's issuer key.
 *   phone    Vietnamese mobile numbers, some in the +84 form.
 *
 * Deterministic for a seed. Not thread-safe per generator.
 */
#ifndef TESTS_GEN_H
#define TESTS_GEN_H

#include <stddef.h>
#include <stdint.h>

#include "keys.h"

enum gen_kind { GEN_CCCD, GEN_PCCOVID, GEN_PASS, GEN_PHONE, GEN_KINDS };

struct gen {
	uint64_t s;		/* xorshift state */
	unsigned vowel_turn;	/* next vowel form to place, for coverage */
	unsigned serial;	/* makes every subject id unique */
	unsigned offset;	/* from the seed: another run, other ids */
	struct key_pair issuer;	/* signs the passes */
};

/* The 144 vowel forms: 12 vowels x 6 tones (none and the five) x 2 cases. */
#define GEN_VOWEL_FORMS 144

/*
 * gen_init(g, seed):
 * Start *G from SEED, with a pass issuer key made from SEED (trust its
 * G->issuer.pk to accept the passes). Returns 0, or -1 when libsodium
 * cannot start.
 */
int gen_init(struct gen *g, uint64_t seed);

/* gen_release(g): wipe G's key. */
void gen_release(struct gen *g);

/*
 * gen_text(g, kind, out, size):
 * Write one text of KIND into OUT (NUL-terminated). Returns its length, or
 * -1 when SIZE is too small.
 */
int gen_text(struct gen *g, enum gen_kind kind, char *out, size_t size);

/* gen_kind_for(i): the kind of the I-th text of a mixed corpus (60% CCCD). */
enum gen_kind gen_kind_for(unsigned i);

/* gen_vowel_form(i): the I-th of the GEN_VOWEL_FORMS forms, as UTF-8. */
const char *gen_vowel_form(unsigned i);

/* gen_next(g, n): a random number in [0, N). */
unsigned gen_next(struct gen *g, unsigned n);

#endif
