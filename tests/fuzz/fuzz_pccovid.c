/*
 * fuzz_pccovid: payload_parse_pccovid() alone (see fuzz_parser.inc).
 */
#define PARSE(opts, text, out, reason) \
	payload_parse_pccovid((opts), (text), (out), (reason))

#include "fuzz_parser.inc"
