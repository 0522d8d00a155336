/*
 * kioskctl_setup: the set-up commands: init, set-pin, keys, issue-pass,
 * verify-receipt, enroll. See kioskctl.c and docs/kioskctl.md.
 */
#include <errno.h>
#include <ftw.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "checkin.h"
#include "cmdhelp.h"
#include "config.h"
#include "csv.h"
#include "decode.h"
#include "enrol.h"
#include "enrolcode.h"
#include "fileio.h"
#include "http.h"
#include "i18n.h"
#include "image.h"
#include "keys.h"
#include "kioskctl.h"
#include "ktime.h"
#include "log.h"
#include "outbox.h"
#include "parsenum.h"
#include "pass.h"
#include "passcard.h"
#include "print.h"
#include "payload.h"
#include "qr.h"
#include "store.h"
#include "termtext.h"
#include "token.h"
#include "wire.h"

/* nftw's callback: remove PATH (files, then their folders). */
static int
remove_one(const char *path, const struct stat *sb, int flag,
    struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/*
 * What init makes in DIR for C (settings at CPATH): a demo authority key
 * (DEMO), the device key, the admin PIN, the store, trust and revocation
 * files, the settings. 0, or 1 (logged).
 */
static int
init_files(struct config *c, const char *cpath, const char *dir, int demo_key)
{
	char prefix[4200], detail[256];
	struct store *s;
	int r;

	if (demo_key) {
		struct key_pair kp;

		/* A demo only: a real venue gets the authority's key. */
		r = snprintf(prefix, sizeof(prefix), "%s/demo-authority", dir);
		if (r < 0 || (size_t)r >= sizeof(prefix))
			return 1;
		keys_generate(KEY_X25519, &kp);
		if (keys_save(&kp, prefix) != 0) {
			keys_wipe(&kp);
			return 1;
		}
		memcpy(c->authority_pk, kp.pk, KEYS_PUB_LEN);
		keys_wipe(&kp);
		printf("demo authority key: %s.sec (secret) and %s.pub\n"
		    "  WARNING: whoever holds %s.sec opens every sealed "
		    "field (names, addresses).\n  A real venue is set up "
		    "with the health authority's public key "
		    "(--authority-key).\n", prefix, prefix, prefix);
	}
	c->have_authority = 1;

	/* The device key signs the venue QR, patrol receipts and uploads. */
	if (access(c->device_key, F_OK) != 0) {
		struct key_pair dk;
		char dprefix[CONFIG_PATH_MAX];
		size_t dl = strlen(c->device_key);

		if (dl < 5 || strcmp(c->device_key + dl - 4, ".sec") != 0)
			return 1;
		memcpy(dprefix, c->device_key, dl - 4);
		dprefix[dl - 4] = '\0';
		keys_generate(KEY_ED25519, &dk);
		r = keys_save(&dk, dprefix);
		keys_wipe(&dk);
		if (r != 0)
			return 1;
	}
	if (c->admin_pin[0] == '\0') {
		char pin[8];
		uint32_t n = randombytes_uniform(1000000);

		snprintf(pin, sizeof(pin), "%06u", (unsigned)n);
		if (crypto_pwhash_str(c->admin_pin, pin, strlen(pin),
		    crypto_pwhash_OPSLIMIT_INTERACTIVE,
		    crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
			log_error("out of memory hashing the PIN");
			return 1;
		}
		printf("admin screen PIN: %s (write it down; change it with "
		    "`kioskctl set-pin`)\n", pin);
		sodium_memzero(pin, sizeof(pin));
	}

	s = store_open(kctl_db_path());
	if (s == NULL)
		return 1;
	if (fileio_create_if_missing(c->trust_file,
	    "# Pass issuers this kiosk trusts: one \"ed25519:<base64>\" "
	    "line each\n# (append an issuer's .pub file).\n") != 0 ||
	    fileio_create_if_missing(c->revoked_file,
	    "# Revoked pass ids, one a line.\n") != 0 ||
	    config_save(cpath, c) != 0) {
		store_close(s);
		return 1;
	}
	snprintf(detail, sizeof(detail), "{\"action\":\"init\"}");
	(void)store_event(s, "admin", detail, ktime_wall_ms());
	printf("kiosk set up for venue %s\n  store:    %s\n  instance: %s\n"
	    "  settings: %s\n  trust:    %s\n", c->venue_id, kctl_db_path(),
	    store_instance_id(s), cpath, c->trust_file);
	store_close(s);
	return 0;
}

int
cmd_init(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "venue-id", required_argument, NULL, 'i' },
		{ "venue-name", required_argument, NULL, 'n' },
		{ "address", required_argument, NULL, 'a' },
		{ "ward", required_argument, NULL, 'w' },
		{ "hours", required_argument, NULL, 'H' },
		{ "authority-key", required_argument, NULL, 'k' },
		{ "force", no_argument, NULL, 'f' },
		{ "demo", no_argument, NULL, 'D' },
		{ NULL, 0, NULL, 0 }
	};
	const char *venue_id = NULL, *venue_name = NULL, *address = "",
	    *ward = "", *hours = "", *authority = NULL, *why;
	char cpath[CONFIG_PATH_MAX], dir[CONFIG_PATH_MAX];
	struct config c;
	int ch, force = 0, demo = 0, r, made_dir = 0;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'i': venue_id = optarg; break;
		case 'n': venue_name = optarg; break;
		case 'a': address = optarg; break;
		case 'w': ward = optarg; break;
		case 'H': hours = optarg; break;
		case 'k': authority = optarg; break;
		case 'f': force = 1; break;
		case 'D': demo = 1; break;
		default: return EXIT_USAGE;
		}
	}
	if (optind != argc || venue_id == NULL || venue_name == NULL) {
		return kctl_usage("init", EXIT_USAGE);
	}
	if (authority == NULL && !demo) {
		fprintf(stderr, "kioskctl: init needs the health authority's "
		    "public key (--authority-key FILE): visitors' names and "
		    "addresses are sealed to it.\n  To try the kiosk, --demo "
		    "makes a demo authority key here instead; whoever holds it "
		    "opens every sealed field, so never use it at a real "
		    "venue.\n");
		return EXIT_USAGE;
	}
	if (authority != NULL && demo) {
		fprintf(stderr, "kioskctl: --authority-key and --demo: give "
		    "one\n");
		return EXIT_USAGE;
	}
	if (kctl_config_file(cpath, sizeof(cpath)) != 0 ||
	    fileio_dirname(kctl_db_path(), dir, sizeof(dir)) != 0) {
		log_error("path too long");
		return 1;
	}
	if (access(cpath, F_OK) == 0 && !force) {
		log_error("'%s' exists: this kiosk is already set up (use "
		    "--force to rewrite its settings; visits are kept)", cpath);
		return 1;
	}
	/* Everything that can be wrong in what was asked is checked before
	 * anything is made. */
	config_defaults(&c, kctl_db_path());
	if (config_set(&c, "venue_id", venue_id, &why) != 0) {
		log_error("bad --venue-id: want %s", why);
		return EXIT_USAGE;
	}
	if (config_set(&c, "venue_name", venue_name, &why) != 0 ||
	    config_set(&c, "address", address, &why) != 0 ||
	    config_set(&c, "ward", ward, &why) != 0) {
		log_error("bad venue name, address or ward: want %s", why);
		return EXIT_USAGE;
	}
	if (config_set(&c, "hours", hours, &why) != 0) {
		log_error("bad --hours '%s': %s", hours, why);
		return EXIT_USAGE;
	}
	if (authority != NULL &&
	    keys_load_public(authority, KEY_X25519, c.authority_pk) != 0)
		return 1;
	if (mkdir(dir, 0700) == 0) {
		made_dir = 1;
	} else if (errno != EEXIST) {
		log_error("cannot create '%s': %s", dir, strerror(errno));
		return 1;
	}
	r = init_files(&c, cpath, dir, authority == NULL);
	if (r != 0 && made_dir) {
		/* A failed init leaves nothing behind: the folder was
		 * this run's, and so is all in it. */
		(void)nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
		log_error("nothing was set up: '%s' is removed again", dir);
	}
	return r;
}

int
cmd_set_pin(int argc, char **argv)
{
	char cpath[CONFIG_PATH_MAX], pin[64];
	struct config c;
	size_t n, i;
	int r;

	if (argc != 2) {
		return kctl_usage("set-pin", EXIT_USAGE);
	}
	if (strcmp(argv[1], "-") == 0) {
		if (fgets(pin, sizeof(pin), stdin) == NULL)
			return EXIT_USAGE;
		pin[strcspn(pin, "\r\n")] = '\0';
	} else {
		snprintf(pin, sizeof(pin), "%s", argv[1]);
	}
	n = strlen(pin);
	for (i = 0; i < n; i++)
		if (pin[i] < '0' || pin[i] > '9')
			n = 0;
	if (n < 4 || n > 12) {
		sodium_memzero(pin, sizeof(pin));
		fprintf(stderr, "kioskctl: the PIN must be 4-12 digits\n");
		return EXIT_USAGE;
	}
	if (kctl_load_config(&c) != 0 || kctl_config_file(cpath, sizeof(cpath)) != 0)
		return 1;
	r = crypto_pwhash_str(c.admin_pin, pin, n,
	    crypto_pwhash_OPSLIMIT_INTERACTIVE,
	    crypto_pwhash_MEMLIMIT_INTERACTIVE);
	sodium_memzero(pin, sizeof(pin));
	if (r != 0 || config_save(cpath, &c) != 0)
		return 1;
	printf("admin PIN changed; restart the kiosk to use it\n");
	return 0;
}

int
cmd_keys(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "type", required_argument, NULL, 't' },
		{ "out", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 }
	};
	const char *type = NULL, *out = NULL;
	char id[KEYS_ID_LEN + 1];
	struct key_pair kp;
	enum key_type kt;
	int ch, r;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 't': type = optarg; break;
		case 'o': out = optarg; break;
		default: return EXIT_USAGE;
		}
	}
	if (optind != argc || type == NULL || out == NULL)
		return kctl_usage("keys", EXIT_USAGE);
	if (!cmdhelp_one_of("kioskctl", "type", type,
	    "issuer|authority|device"))
		return EXIT_USAGE;
	kt = strcmp(type, "authority") == 0 ? KEY_X25519 : KEY_ED25519;
	keys_generate(kt, &kp);
	r = keys_save(&kp, out);
	keys_id(kp.pk, id);
	keys_wipe(&kp);
	if (r != 0)
		return 1;
	printf("%s key %s: secret %s.sec (keep it safe), public %s.pub\n",
	    type, id, out, out);
	return 0;
}

int
cmd_issue_pass(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "issuer-key", required_argument, NULL, 'k' },
		{ "role", required_argument, NULL, 'r' },
		{ "name", required_argument, NULL, 'n' },
		{ "id", required_argument, NULL, 'i' },
		{ "valid-from", required_argument, NULL, 'f' },
		{ "valid-days", required_argument, NULL, 'd' },
		{ "expires", required_argument, NULL, 'e' },
		{ "png", required_argument, NULL, 'p' },
		{ "pdf", required_argument, NULL, 'P' },
		{ "issuer-name", required_argument, NULL, 'N' },
		{ NULL, 0, NULL, 0 }
	};
	const char *keyfile = NULL, *role = NULL, *name = NULL, *id = "",
	    *png = NULL, *pdf = NULL, *issuer_name = "";
	int64_t from = ktime_wall_ms(), expires = 0;
	char text[PASS_TEXT_MAX + 1], when[40];
	struct pass_info info;
	struct key_pair kp;
	struct image img;
	long days = 365;
	int ch, r;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'k': keyfile = optarg; break;
		case 'r': role = optarg; break;
		case 'n': name = optarg; break;
		case 'i': id = optarg; break;
		case 'p': png = optarg; break;
		case 'P': pdf = optarg; break;
		case 'N': issuer_name = optarg; break;
		case 'f':
		case 'e':
			if (ktime_parse(optarg, ch == 'f' ? &from :
			    &expires) != 0) {
				log_error("bad time '%s'", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'd':
			if (parsenum_long(optarg, 0, 3650, &days) != 0 ||
			    days < 1) {
				log_error("--valid-days wants 1-3650");
				return EXIT_USAGE;
			}
			break;
		default: return EXIT_USAGE;
		}
	}
	if (optind != argc || keyfile == NULL || role == NULL ||
	    name == NULL || (strcmp(role, "visitor") != 0 &&
	    strcmp(role, "officer") != 0)) {
		return kctl_usage("issue-pass", EXIT_USAGE);
	}
	memset(&info, 0, sizeof(info));
	if (strlen(id) > PASS_ID_MAX || strlen(name) > PASS_NAME_MAX) {
		log_error("pass id at most %d bytes, name at most %d bytes",
		    PASS_ID_MAX, PASS_NAME_MAX);
		return EXIT_USAGE;
	}
	memcpy(info.id, id, strlen(id) + 1);
	memcpy(info.name, name, strlen(name) + 1);
	info.role = strcmp(role, "officer") == 0 ? PASS_OFFICER : PASS_VISITOR;
	info.not_before = from / 1000;
	info.expires = expires ? expires / 1000 : info.not_before + days * 86400;
	if (keys_load_secret(keyfile, KEY_ED25519, &kp) != 0)
		return 1;
	r = pass_issue(&kp, &info, text, sizeof(text));
	keys_wipe(&kp);
	if (r != 0)
		return 1;
	printf("%s\n", text);
	ktime_format(info.expires * 1000, when, sizeof(when));
	fprintf(stderr, "kioskctl: %s pass %s for \"%s\", valid until %s\n",
	    role, info.id, info.name, when);
	if (png != NULL) {
		if (qr_render(text, 8, &img) < 0)
			return 1;
		(void)chmod(png, 0600);	/* one there keeps its mode */
		r = image_save_png(&img, png);
		image_release(&img);
		if (r != 0)
			return 1;
		(void)chmod(png, 0600);
	}
	if (pdf != NULL) {
		r = passcard_pdf(&info, text, issuer_name, pdf);
		print_done();
		if (r != 0)
			return 1;
	}
	return 0;
}

int
cmd_verify_receipt(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "device-pub", required_argument, NULL, 'k' },
		{ NULL, 0, NULL, 0 }
	};
	unsigned char pk[KEYS_PUB_LEN];
	char path[CONFIG_PATH_MAX], body[TOKEN_RECEIPT_MAX], *text = NULL;
	const char *pub = NULL;
	size_t len;
	int ch, r;
	json_t *j;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch != 'k')
			return EXIT_USAGE;
		pub = optarg;
	}
	if (optind != argc - 1) {
		return kctl_usage("verify-receipt", EXIT_USAGE);
	}
	if (pub == NULL) {
		/* This kiosk's own key, next to its store. */
		if (fileio_sibling(kctl_db_path(), "device.pub", path,
		    sizeof(path)) != 0)
			return 1;
		pub = path;
	}
	if (keys_load_public(pub, KEY_ED25519, pk) != 0)
		return 1;
	if (strcmp(argv[optind], "-") == 0) {
		text = kctl_read_text("-", &len);
		if (text == NULL)
			return 1;
	}
	r = token_receipt_verify(pk, text ? text : argv[optind], body,
	    sizeof(body));
	free(text);
	if (r != 0) {
		kctl_print_json(json_pack("{s:s, s:s}", "result", "invalid",
		    "reason", "not signed by this device, altered or "
		    "malformed"));
		return EXIT_REJECTED;
	}
	j = json_loads(body, 0, NULL);
	kctl_print_json(json_pack("{s:s, s:o}", "result", "valid", "receipt",
	    j ? j : json_string(body)));
	return 0;
}

/* Remove PREFIX.sec and PREFIX.pub, if there. */
static void
unlink_key(const char *prefix)
{
	char path[4200];

	snprintf(path, sizeof(path), "%s.sec", prefix);
	(void)unlink(path);
	snprintf(path, sizeof(path), "%s.pub", prefix);
	(void)unlink(path);
}

/* FROM.sec and FROM.pub in place of TO's (renames: each file is whole,
 * old or new, whatever happens). 0 or -1 (logged). */
static int
replace_key(const char *from, const char *to)
{
	char a[4200], b[4200];
	const char *ext[2] = { ".sec", ".pub" };
	int i;

	for (i = 0; i < 2; i++) {
		snprintf(a, sizeof(a), "%s%s", from, ext[i]);
		snprintf(b, sizeof(b), "%s%s", to, ext[i]);
		if (rename(a, b) != 0) {
			log_error("cannot move '%s' to '%s': %s", a, b,
			    strerror(errno));
			return -1;
		}
	}
	return 0;
}

/* Send C's enrolment (enrol_send), said in the log when it fails. */
static int
send_enrolment(const struct config *c, const struct key_pair *dev,
    const char *token, struct enrol_answer *got)
{
	char why[600];
	int rc = enrol_send(c, dev, token, got, why, sizeof(why));

	if (rc == ENROL_RUN_REFUSED)
		log_error("the collector refused the enrolment: %s", why);
	else if (rc != ENROL_RUN_OK)
		log_error("%s", why);
	return rc;
}

/* The enrolment code in ARG: its text, a file holding it, or a picture of
 * it (PNG or JPEG, read as the camera would). Malloc'd, or NULL (said). */
static char *
code_text(const char *arg)
{
	struct decode_result res;
	struct decoder *dec;
	struct image img = { 0, 0, NULL };
	char *text = NULL;
	size_t len, i;

	unsigned char head[4] = { 0 };
	FILE *f;

	if (strncmp(arg, ENROL_PREFIX, strlen(ENROL_PREFIX)) == 0)
		return strdup(arg);
	/* A picture of the code, or a file of its text: by what it holds. */
	f = fopen(arg, "rb");
	if (f == NULL) {
		log_error("cannot open '%s': %s", arg, *arg ? strerror(errno) :
		    "give a picture of the code, or its text (KE1...)");
		return NULL;
	}
	len = fread(head, 1, sizeof(head), f);
	fclose(f);
	if (len == sizeof(head) && memcmp(head, ENROL_PREFIX, 4) != 0 &&
	    memcmp(head, "\x89PNG", 4) != 0 && !(head[0] == 0xff &&
	    head[1] == 0xd8)) {
		log_error("'%s' is neither a picture of an enrolment code (PNG, "
		    "JPEG) nor its text (KE1...)", arg);
		return NULL;
	}
	if (len == sizeof(head) && memcmp(head, ENROL_PREFIX, 4) != 0 &&
	    image_load(arg, &img) == 0) {
		dec = decoder_new();
		memset(&res, 0, sizeof(res));
		if (dec != NULL && decoder_scan(dec, &img, &res) > 0)
			for (i = 0; i < res.n && text == NULL; i++)
				if (strncmp(res.texts[i], ENROL_PREFIX,
				    strlen(ENROL_PREFIX)) == 0)
					text = strdup(res.texts[i]);
		decode_result_release(&res);
		decoder_free(dec);
		image_release(&img);
		if (text == NULL)
			log_error("no enrolment code found in the picture "
			    "'%s'", arg);
		return text;
	}
	text = fileio_read(arg, ENROL_TEXT_MAX + 16, &len);
	if (text == NULL)
		return NULL;
	while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r'))
		text[--len] = '\0';
	return text;
}

/* kioskctl enroll --code: set this kiosk up from the ward's code and
 * enrol it, as the set-up screen does. */
static int
enroll_by_code(const char *arg)
{
	static const char *const errs[] = { "", "it is not an enrolment code",
	    "the code is damaged or its signature does not hold",
	    "the code's token has expired: ask the ward for a new one" };
	char cpath[CONFIG_PATH_MAX], pin[7], hash[160], why[600];
	char fpr[ENROL_FPR_LEN + 1], *text = code_text(arg);
	struct wire_device got;
	struct enrol_code c;
	enum enrol_error e;
	int rc;

	if (text == NULL)
		return 1;
	e = enrol_code_read(text, strlen(text), ktime_wall_ms() / 1000, &c);
	sodium_memzero(text, strlen(text));
	free(text);
	if (e != ENROL_OK) {
		log_error("cannot use this code: %s", errs[e]);
		return 1;
	}
	if (kctl_config_file(cpath, sizeof(cpath)) != 0)
		return 1;
	if (access(cpath, F_OK) == 0) {
		log_error("'%s' exists: this kiosk is set up already (kioskctl "
		    "enroll --collector URL --token T enrols it again)", cpath);
		sodium_memzero(&c, sizeof(c));
		return 1;
	}
	enrol_fingerprint(c.signer_pk, fpr);
	printf("enrolment code for venue ");
	termtext_put(stdout, c.venue_id);
	printf(" of ward ");
	termtext_put(stdout, c.ward);
	printf("\n  collector ");
	termtext_put(stdout, c.url);
	printf(", fingerprint %s (compare it with the sheet)\n", fpr);
	if (enrol_new_pin(pin, hash) != 0) {
		sodium_memzero(&c, sizeof(c));
		return 1;
	}
	rc = enrol_run(kctl_db_path(), cpath, &c, hash, why, sizeof(why),
	    &got);
	sodium_memzero(&c, sizeof(c));
	sodium_memzero(hash, sizeof(hash));
	if (rc != ENROL_RUN_OK) {
		if (rc != ENROL_RUN_FAILED)
			log_error("not enrolled: %s", why);
		sodium_memzero(pin, sizeof(pin));
		return 1;
	}
	printf("enrolled device %s for venue %s; settings in %s\n"
	    "admin screen PIN: %s (write it down; change it with `kioskctl "
	    "set-pin`)\n", got.device_id, got.venue_id, cpath, pin);
	sodium_memzero(pin, sizeof(pin));
	return 0;
}

int
cmd_enroll(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "collector", required_argument, NULL, 'c' },
		{ "token", required_argument, NULL, 't' },
		{ "new-key", no_argument, NULL, 'n' },
		{ "ca", required_argument, NULL, 'a' },
		{ "code", required_argument, NULL, 'C' },
		{ NULL, 0, NULL, 0 }
	};
	const char *url = NULL, *token = NULL, *ca = NULL, *why, *code = NULL;
	char cpath[CONFIG_PATH_MAX], prefix[CONFIG_PATH_MAX];
	char newprefix[CONFIG_PATH_MAX + 8];
	struct enrol_answer ans;
	struct key_pair dev;
	struct config c;
	size_t dl;
	int ch, rc, new_key = 0;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': url = optarg; break;
		case 't': token = optarg; break;
		case 'n': new_key = 1; break;
		case 'a': ca = optarg; break;
		case 'C': code = optarg; break;
		default: return EXIT_USAGE;
		}
	}
	if (code != NULL && optind == argc && url == NULL && token == NULL &&
	    !new_key) {
		/* A ward's own CA, as KIOSK_COLLECTOR_CA gives it to
		 * kiosk-sync. */
		if (ca != NULL && setenv(ENROL_CA_ENV, ca, 1) != 0)
			return 1;
		return enroll_by_code(code);
	}
	if (optind != argc || url == NULL || token == NULL) {
		return kctl_usage("enroll", EXIT_USAGE);
	}
	if (kctl_load_config(&c) != 0 || kctl_config_file(cpath, sizeof(cpath)) != 0)
		return 1;
	if (config_set(&c, "collector_url", url, &why) != 0) {
		log_error("bad --collector: want %s", why);
		return EXIT_USAGE;
	}
	if (ca != NULL && config_set(&c, "collector_ca", ca, &why) != 0) {
		log_error("bad --ca: want %s", why);
		return EXIT_USAGE;
	}
	http_trust(c.collector_ca);
	dl = strlen(c.device_key);
	if (dl < 5 || dl >= sizeof(prefix) || strcmp(c.device_key + dl - 4,
	    ".sec") != 0) {
		log_error("device_key '%s' is not a .sec file", c.device_key);
		return 1;
	}
	memcpy(prefix, c.device_key, dl - 4);
	prefix[dl - 4] = '\0';
	/* A revoked key stays revoked: --new-key enrols a new one, kept
	 * only once the collector took it. */
	snprintf(newprefix, sizeof(newprefix), "%s.new", prefix);
	if (new_key) {
		/* Saved before it is sent: whatever the collector does with
		 * it, the key it may hold is on this disk. */
		keys_generate(KEY_ED25519, &dev);
		unlink_key(newprefix);
		if (keys_save(&dev, newprefix) != 0) {
			keys_wipe(&dev);
			return 1;
		}
	} else if (keys_load_secret(c.device_key, KEY_ED25519, &dev) != 0) {
		return 1;
	}
	rc = send_enrolment(&c, &dev, token, &ans);
	keys_wipe(&dev);
	if (rc != 0) {
		/* Refused or not sent: the collector holds no new key. */
		if (new_key && rc == ENROL_RUN_REFUSED)
			unlink_key(newprefix);
		return 1;
	}
	if (new_key && replace_key(newprefix, prefix) != 0) {
		log_error("the collector took the new key, kept in '%s.sec', "
		    "but it could not be put in place of '%s': move it there "
		    "(and its .pub), then restart kiosk-sync", newprefix,
		    c.device_key);
		return 1;
	}
	/* The ward's word on its venue, as the token gave it. */
	{
		struct config as = c;

		if (config_set(&as, "ward", ans.dev.ward, &why) != 0 ||
		    config_set(&as, "venue_id", ans.dev.venue_id, &why) != 0 ||
		    config_set(&as, "venue_name", ans.dev.venue_name,
		    &why) != 0 ||
		    config_set(&as, "address", ans.dev.address, &why) != 0)
			log_warn("the collector's venue details do not fit "
			    "this kiosk's settings; kept the kiosk's");
		else
			c = as;
	}
	/* The key the ward's pass lists are signed with. */
	if (ans.have_collector_key) {
		memcpy(c.collector_pk, ans.collector_pk, KEYS_PUB_LEN);
		c.have_collector_key = 1;
	}
	if (ans.have_authority_key && c.have_authority &&
	    memcmp(ans.authority_pk, c.authority_pk, KEYS_PUB_LEN) != 0)
		log_warn("this kiosk seals visitors' data to another health "
		    "authority key than the collector's: check authority_key "
		    "in '%s' with the ward", cpath);
	(void)ktime_format(ktime_wall_ms(), c.enrolled_at,
	    sizeof(c.enrolled_at));
	if (config_save(cpath, &c) != 0)
		return 1;
	{
		struct store *s = kctl_store();

		if (s != NULL) {
			(void)store_event(s, "admin",
			    "{\"action\":\"enroll\"}", ktime_wall_ms());
			store_close(s);
		}
	}
	printf("enrolled device %s with %s for venue %s of ward ",
	    ans.dev.device_id, c.collector_url, ans.dev.venue_id);
	termtext_put(stdout, ans.dev.ward);
	printf("; kiosk-sync will upload there\n");
	if (new_key)
		printf("a new device key: restart the kiosk and kiosk-sync "
		    "(systemctl restart kiosk kiosk-sync) to use it\n");
	return 0;
}
