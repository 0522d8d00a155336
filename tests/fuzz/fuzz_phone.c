/*
 * fuzz_phone: payload_parse_phone() alone (see fuzz_parser.inc).
 */
#define PARSE(opts, text, out, reason) \
	((void)(opts), payload_parse_phone((text), (out), (reason)))

#include "fuzz_parser.inc"
