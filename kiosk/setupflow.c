/*
 * setupflow: the set-up by enrolment code, the kiosk app's side. See
 * setupflow.h.
 */
#include "setupflow.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "enrol.h"
#include "enrolcode.h"
#include "ktime.h"
#include "log.h"
#include "termtext.h"

struct setupflow {
	pthread_mutex_t lock;
	char db[1024], config[1024];
	struct screen_setup show;	/* under lock */
	int changed;			/* under lock */
	unsigned char last[16];		/* the last code that failed */
	unsigned char pending[16];	/* the code being enrolled */
	int64_t requested_ms;		/* mono: request left for kiosk-sync */
	int64_t polled_ms;
};

struct setupflow *
setupflow_new(const char *db_path, const char *config_path)
{
	struct setupflow *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return NULL;
	pthread_mutex_init(&f->lock, NULL);
	snprintf(f->db, sizeof(f->db), "%s", db_path);
	snprintf(f->config, sizeof(f->config), "%s", config_path);
	f->show.state = SCREEN_SETUP_SCAN;
	f->changed = 1;
	/* A request from before a restart of the app: kiosk-sync may still
	 * be at it, but its PIN is gone with the app that made it. A new
	 * scan starts again. */
	enrol_request_drop(f->db);
	enrol_progress_drop(f->db);
	return f;
}

void
setupflow_free(struct setupflow *f)
{
	if (f == NULL)
		return;
	pthread_mutex_destroy(&f->lock);
	sodium_memzero(f, sizeof(*f));
	free(f);
}

/* The screen's words for a code that cannot be used. */
static const char *
error_key(enum enrol_error e)
{
	return e == ENROL_EXPIRED ? "setup.err_expired" :
	    e == ENROL_DAMAGED ? "setup.err_damaged" : "setup.err_not_code";
}

void
setupflow_text(void *ctx, const char *text, size_t len)
{
	struct setupflow *f = ctx;
	struct screen_setup s;
	struct enrol_code c;
	enum enrol_error e;
	unsigned char h[16];
	char pin[7], hash[160], *code;

	crypto_generichash(h, sizeof(h), (const unsigned char *)text, len,
	    NULL, 0);
	pthread_mutex_lock(&f->lock);
	/* One code at a time; the same bad code in view is said once. A
	 * code whose collector cannot be reached gives way to another. */
	if ((f->show.state == SCREEN_SETUP_ENROLLING &&
	    (memcmp(h, f->pending, sizeof(h)) == 0 ||
	    (f->show.why_key == NULL || (strcmp(f->show.why_key,
	    "setup.unreachable") != 0 && strcmp(f->show.why_key,
	    "setup.no_sync") != 0)))) ||
	    f->show.state == SCREEN_SETUP_DONE ||
	    (f->show.state == SCREEN_SETUP_FAILED &&
	    memcmp(h, f->last, sizeof(h)) == 0)) {
		pthread_mutex_unlock(&f->lock);
		return;
	}
	pthread_mutex_unlock(&f->lock);

	memset(&s, 0, sizeof(s));
	e = enrol_code_read(text, len, ktime_wall_ms() / 1000, &c);
	if (e != ENROL_OK) {
		log_warn("set-up: a code was read that cannot enrol this kiosk "
		    "(%s)", error_key(e));
		s.state = SCREEN_SETUP_FAILED;
		s.why_key = error_key(e);
		goto show;
	}
	snprintf(s.venue, sizeof(s.venue), "%s", c.venue_name[0] ?
	    c.venue_name : c.venue_id);
	snprintf(s.ward, sizeof(s.ward), "%s", c.ward);
	enrol_fingerprint(c.signer_pk, s.fingerprint);
	code = malloc(len + 1);
	if (code == NULL || enrol_new_pin(pin, hash) != 0) {
		free(code);
		s.state = SCREEN_SETUP_FAILED;
		s.why_key = "setup.err_local";
		goto show;
	}
	memcpy(code, text, len);
	code[len] = '\0';
	enrol_progress_drop(f->db);
	if (enrol_request_put(f->db, code, hash) != 0) {
		s.state = SCREEN_SETUP_FAILED;
		s.why_key = "setup.err_local";
	} else {
		char tv[TERMTEXT_SIZE(64)], tw[TERMTEXT_SIZE(128)];
		char tu[TERMTEXT_SIZE(256)];

		log_info("set-up: enrolment code for venue %s of ward %s read "
		    "(collector %s, fingerprint %s): kiosk-sync enrols",
		    termtext(c.venue_id, tv, sizeof(tv)), termtext(c.ward, tw,
		    sizeof(tw)), termtext(c.url, tu, sizeof(tu)),
		    s.fingerprint);
		s.state = SCREEN_SETUP_ENROLLING;
		memcpy(s.pin, pin, sizeof(pin));
	}
	sodium_memzero(code, len);
	free(code);
	sodium_memzero(pin, sizeof(pin));
	sodium_memzero(hash, sizeof(hash));
	sodium_memzero(&c, sizeof(c));
show:
	pthread_mutex_lock(&f->lock);
	if (s.state == SCREEN_SETUP_FAILED) {
		memcpy(f->last, h, sizeof(h));
	} else {
		memcpy(f->pending, h, sizeof(h));
		f->requested_ms = ktime_mono_ms();
	}
	f->show = s;
	f->changed = 1;
	pthread_mutex_unlock(&f->lock);
	sodium_memzero(&s, sizeof(s));
}

/* The screen's own words for the collector's usual refusals of a token
 * (db_devices.c says them), else its words as they are. */
static const char *
refusal_key(char *words)
{
	static const struct {
		const char *says, *key;
	} known[] = {
		{ "was used already", "setup.err_used" },
		{ "has expired", "setup.err_expired" },
		{ "was revoked by the ward", "setup.err_token_revoked" },
		{ "is unknown here", "setup.err_token_unknown" },
	};
	size_t i;

	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strstr(words, known[i].says) != NULL) {
			words[0] = '\0';
			return known[i].key;
		}
	return "setup.err_refused";
}

int
setupflow_poll(struct setupflow *f, int64_t now_ms, struct screen_setup *out)
{
	struct screen_setup s;
	enum enrol_progress p;
	char words[sizeof(((struct screen_setup *)0)->detail)];
	int changed;

	if (now_ms - f->polled_ms >= 500) {
		f->polled_ms = now_ms;
		pthread_mutex_lock(&f->lock);
		s = f->show;
		pthread_mutex_unlock(&f->lock);
		if (s.state == SCREEN_SETUP_ENROLLING) {
			const char *key = s.why_key;

			p = enrol_progress_get(f->db, words, sizeof(words));
			if (access(f->config, F_OK) == 0) {
				log_info("set-up: enrolled; settings in %s",
				    f->config);
				s.state = SCREEN_SETUP_DONE;
				s.why_key = NULL;
				enrol_progress_drop(f->db);
			} else if (p == ENROL_PR_REFUSED ||
			    p == ENROL_PR_FAILED) {
				s.state = SCREEN_SETUP_FAILED;
				log_warn("set-up: not enrolled: %s", words);
				s.why_key = p == ENROL_PR_REFUSED ?
				    refusal_key(words) : "setup.err_local";
				log_info("set-up: shown as %s", s.why_key);
				snprintf(s.detail, sizeof(s.detail), "%s",
				    words);
				sodium_memzero(s.pin, sizeof(s.pin));
				enrol_request_drop(f->db);
				enrol_progress_drop(f->db);
			} else if (p == ENROL_PR_UNREACHABLE) {
				s.why_key = "setup.unreachable";
				snprintf(s.detail, sizeof(s.detail), "%s",
				    words);
			} else if (p == ENROL_PR_TRYING) {
				s.why_key = NULL;
			} else if (now_ms - f->requested_ms >=
			    SETUPFLOW_NO_SYNC_MS) {
				s.why_key = "setup.no_sync";
			}
			pthread_mutex_lock(&f->lock);
			/* A scan meanwhile wins over what the files say. */
			if (f->show.state == SCREEN_SETUP_ENROLLING &&
			    (s.state != f->show.state || key != s.why_key ||
			    strcmp(s.detail, f->show.detail) != 0)) {
				/* A refused code in view is not sent
				 * again: another one is. */
				if (s.state == SCREEN_SETUP_FAILED)
					memcpy(f->last, f->pending,
					    sizeof(f->last));
				f->show = s;
				f->changed = 1;
			}
			pthread_mutex_unlock(&f->lock);
		}
		sodium_memzero(&s, sizeof(s));
	}
	pthread_mutex_lock(&f->lock);
	*out = f->show;
	changed = f->changed;
	f->changed = 0;
	pthread_mutex_unlock(&f->lock);
	return changed;
}
