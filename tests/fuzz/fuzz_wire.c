/*
 * fuzz_wire: every other parser of the kiosk-collector contract on any
 * bytes (the batch and the export have their own targets): the
 * heartbeat, the enrolment request, the collector's answer and its
 * refusal, and the signed header read from "Name: value" lines. The first
 * byte picks the parser. Must never crash; what is accepted keeps the
 * contract's bounds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NOW 1795345995000LL

/* Header lines from the input: "Name: value\n"... */
struct lines {
	char *text;
};

static const char *
get(void *ctx, const char *name)
{
	struct lines *l = ctx;
	size_t n = strlen(name);
	char *p;

	for (p = l->text; p != NULL && *p != '\0'; p = strchr(p, '\n'),
	    p = p ? p + 1 : NULL)
		if (strncmp(p, name, n) == 0 && p[n] == ':' && p[n + 1] == ' ')
			return p + n + 2;
	return NULL;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *body = (const char *)data + 1;
	size_t len = size ? size - 1 : 0;

	if (size < 1)
		return 0;
	switch (data[0] % 5) {
	case 0: {
		struct wire_heartbeat hb;
		char err[80];
		size_t i;

		if (wire_heartbeat_parse(body, len, NOW, &hb, err,
		    sizeof(err)) == 0) {
			if (hb.n_inspections > WIRE_MAX_INSPECTIONS ||
			    hb.backlog < -1 || hb.backlog > WIRE_MAX_SEQ)
				abort();
			for (i = 0; i < hb.n_inspections; i++)
				if (hb.inspections[i].at_ms > NOW +
				    WIRE_FUTURE_MS)
					abort();
			wire_heartbeat_release(&hb);
		}
		break;
	}
	case 1: {
		struct wire_device d;
		char token[WIRE_TOKEN_MAX + 1];
		const char *why;

		if (wire_enroll_parse(body, len, token, &d, &why) == 0 &&
		    (d.venue_id[0] == '\0' || d.venue_name[0] == '\0'))
			abort();
		break;
	}
	case 2: {
		struct wire_ack a;

		if (wire_ack_parse(body, len, &a) == 0) {
			if (a.n_rejects > WIRE_MAX_VISITS)
				abort();
			wire_ack_release(&a);
		}
		break;
	}
	case 3: {
		struct wire_refusal r;

		if (wire_refusal_parse(body, len, &r) == 0 &&
		    r.first_seq > r.last_seq)
			abort();
		break;
	}
	default: {
		struct wire_header h;
		struct lines l;

		l.text = malloc(len + 1);
		if (l.text == NULL)
			return 0;
		memcpy(l.text, body, len);
		l.text[len] = '\0';
		if (wire_header_read(&h, get, &l) == 0 &&
		    (h.count > WIRE_MAX_VISITS || h.first_seq < 0 ||
		    h.sent_at_ms <= 0 || strlen(h.instance) !=
		    WIRE_INSTANCE_LEN))
			abort();
		free(l.text);
		break;
	}
	}
	return 0;
}
