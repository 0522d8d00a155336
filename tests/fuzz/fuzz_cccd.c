/*
 * fuzz_cccd: payload_parse_cccd() alone (see fuzz_parser.inc).
 */
#define PARSE(opts, text, out, reason) \
	payload_parse_cccd((opts), (text), (out), (reason))

#include "fuzz_parser.inc"
