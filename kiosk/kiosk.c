/*
 * kiosk: the full-screen check-in app.
 *
 * main() reads the settings, opens the store and the keys, starts the
 * worker (camera, decode, check-in) and runs the UI loop: events, worker
 * results, preview, and a render when the screen changed; between, it
 * sleeps until the worker wakes it or 20 ms pass. The UI's hooks are
 * here: they turn a button or a scan into a call on the core. All but
 * hook_submit run on the UI's jobs thread (jobs.h), never on the UI
 * thread, and only they use the app's store handle.
 *
 * Runs on SDL's KMSDRM driver on a bare console, X11 or Wayland where
 * present, and headless with SDL_VIDEODRIVER=offscreen. Talks to systemd
 * (ready, watchdog, stopping) when started by it.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <SDL.h>
#include <jansson.h>
#include <sodium.h>
#include <systemd/sd-daemon.h>

#include "cmdhelp.h"
#include "config.h"
#include "fileio.h"
#include "keys.h"
#include "ktime.h"
#include "harden.h"
#include "log.h"
#include "parsenum.h"
#include "pass.h"
#include "store.h"
#include "token.h"
#include "serial.h"
#include "setupflow.h"
#include "ui.h"
#include "worker.h"
#include "wipe.h"

#define DEFAULT_DB "/var/lib/kiosk/visits.db"
/* The longest the loop sleeps: touches and keys are read this often. */
#define WAIT_MS 20

struct app {
	struct config cfg;
	const char *db;
	const char *config_path;
	struct store *store;		/* the jobs thread's own handle */
	struct worker *worker;
	struct pass_trust *trust;
	struct key_pair device;
	int have_device;
	char device_id[KEYS_ID_LEN + 1];
};

static volatile sig_atomic_t stop_signal;

/* The worker has an event or a frame: wake the UI's loop. */
static void
wake_ui(void *ctx)
{
	SDL_SemPost(ctx);
}

static void
on_signal(int sig)
{
	stop_signal = sig;
}

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: kiosk [--db PATH] [--config PATH] [--camera SPEC] "
	    "[--mode scan|display|both]\n"
	    "             [--windowed] [--size WxH] [--lang vi|en] "
	    "[--frame-interval MS]\n"
	    "             [--exit-when-done] [--run-for SECONDS] "
	    "[--screenshot FILE.png] [--silent]\n"
	    "             [--camera-size WxH] [--scanner keyboard|serial:DEV]\n"
	    "             [--setup-done-after SECONDS]\n"
	    "\n"
	    "  --camera v4l2:/dev/video0   a webcam (the default when one "
	    "exists)\n"
	    "  --camera dir:PATH           replay image files in name order "
	    "(demo, tests)\n"
	    "  --camera none               scanner and keypad only\n"
	    "  --scanner serial:/dev/ttyACM0  a 2D scanner in USB serial "
	    "(CDC-ACM) mode:\n"
	    "                              the card's bytes as they are; in "
	    "keyboard mode\n"
	    "                              (the default) Vietnamese letters "
	    "are lost\n"
	    "  --setup-done-after S        set-up by enrolment code: the screen "
	    "with the admin\n"
	    "                              PIN gives way to the ready screen "
	    "after S seconds\n"
	    "                              (default 60) if Start is not "
	    "pressed\n"
	    "  --exit-when-done            with dir:, quit once every file is "
	    "handled\n");
	if (f == stdout)
		fprintf(f, "\nThe full-screen check-in app (docs/kiosk.md; man "
		    "kiosk). Example:\n  kiosk --db /var/lib/kiosk/visits.db "
		    "--camera v4l2:/dev/video0\n");
}

/* ---- hooks ---- */

/* On the UI thread: queue the text for the worker, never wait. */
static void
hook_submit(void *data, const char *text, const char *source)
{
	struct app *a = data;

	if (worker_submit(a->worker, text, source) != 0)
		log_warn("scan queue full: a %s scan was dropped", source);
}

/* The hooks below run on the jobs thread. */

static int
hook_status(void *data, struct screen_status *out)
{
	struct app *a = data;
	struct store_status st;
	struct store_sync sy;
	int64_t now = ktime_wall_ms();

	if (store_status(a->store, now, a->cfg.retention_days, &st) != 0)
		return -1;
	out->today = st.visits_today;
	out->total = st.visits_total;
	out->pending = st.pending_upload;
	out->last_upload_ms = st.last_upload_ms;
	/* Online: the collector acknowledged something in the last 15 min,
	 * or there is nothing to send and it did at some point. */
	out->online = st.last_upload_ms != 0 &&
	    (now - st.last_upload_ms < 15 * 60 * 1000 ||
	    st.pending_upload == 0);
	out->quarantined = st.quarantined;
	out->untrusted = st.untrusted;
	out->unreadable = st.unreadable;
	out->alert = SCREEN_ALERT_NONE;
	if (store_sync_last(a->store, &sy) == 0)
		out->alert = sy.result == STORE_SYNC_NOT_ENROLLED ?
		    SCREEN_ALERT_NOT_ENROLLED : sy.result ==
		    STORE_SYNC_ENROLMENT_REFUSED ? SCREEN_ALERT_REFUSED :
		    SCREEN_ALERT_NONE;
	return 0;
}

static int
hook_patrol(void *data, struct screen_patrol *out)
{
	struct app *a = data;
	struct store_status st;
	int64_t now = ktime_wall_ms(), longest = 0, week, gaps;
	json_t *j;
	char *body;
	int check, r;

	if (store_status(a->store, now, a->cfg.retention_days, &st) != 0)
		return -1;
	week = store_count_visits(a->store, ktime_day_start(now) -
	    6LL * 86400 * 1000, now + 1);
	/* Heartbeats come every 5 minutes: 10 without one is a gap. */
	gaps = store_heartbeat_gaps(a->store, now - 86400LL * 1000, now,
	    10 * 60 * 1000, &longest);
	check = store_check_boot(a->store);	/* once a boot, not each look */
	snprintf(out->venue, sizeof(out->venue), "%s (%s)",
	    a->cfg.venue_name, a->cfg.venue_id);
	snprintf(out->device, sizeof(out->device), "%s", a->device_id);
	out->today = st.visits_today;
	out->week = week;
	out->pending = st.pending_upload;
	out->last_upload_ms = st.last_upload_ms;
	out->gaps = gaps < 0 ? 0 : gaps;
	out->longest_gap_min = longest / 60000;
	snprintf(out->health, sizeof(out->health), "%s", check == 0 ?
	    (store_recovered_from(a->store) || st.moved > 0 ? "recovered" :
	    "ok") : "corrupt");
	if (!a->have_device)
		return -1;
	/* The receipt: figures only, no personal data. */
	j = json_pack("{s:i, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, "
	    "s:I, s:s, s:s}", "v", 1, "venue", a->cfg.venue_id,
	    "device", a->device_id, "instance", store_instance_id(a->store),
	    "at", (json_int_t)(now / 1000), "today", (json_int_t)out->today,
	    "week", (json_int_t)out->week, "pending",
	    (json_int_t)out->pending, "last_upload",
	    (json_int_t)(out->last_upload_ms / 1000), "gaps_24h",
	    (json_int_t)out->gaps, "longest_gap_min",
	    (json_int_t)out->longest_gap_min, "health", out->health,
	    "version", KIOSK_VERSION);
	body = j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(j);
	if (body == NULL)
		return -1;
	r = token_receipt(&a->device, body, out->receipt,
	    sizeof(out->receipt));
	free(body);
	return r;
}

static int64_t
hook_purge(void *data)
{
	struct app *a = data;
	struct store_purge_res res;

	if (store_purge(a->store, ktime_wall_ms(), a->cfg.retention_days,
	    &res) != 0)
		return -1;
	(void)store_event(a->store, "admin", "{\"action\":\"purge\"}",
	    ktime_wall_ms());
	return res.visits_deleted;
}

static int
hook_check_pin(void *data, const char *pin)
{
	struct app *a = data;
	int ok;

	if (a->cfg.admin_pin[0] == '\0' || pin[0] == '\0')
		return 0;
	ok = crypto_pwhash_str_verify(a->cfg.admin_pin, pin, strlen(pin)) == 0;
	(void)store_event(a->store, "admin", ok ? "{\"action\":\"login\"}" :
	    "{\"action\":\"bad_pin\"}", ktime_wall_ms());
	return ok;
}

static int
hook_venue_url(void *data, int64_t slot, char *out, size_t size)
{
	struct app *a = data;

	if (!a->have_device)
		return -1;
	return token_venue_url(&a->device, a->cfg.collector_url,
	    a->cfg.venue_id, slot, a->cfg.display_period_s, out, size);
}

/* Set-up's new admin PIN: hashed into the settings kiosk-sync wrote. */
static int
hook_set_pin(void *data, const char *pin)
{
	struct app *a = data;
	struct config c;
	int r;

	if (strlen(pin) != 6 || config_load(a->config_path, &c) != 0)
		return -1;
	if (crypto_pwhash_str(c.admin_pin, pin, strlen(pin),
	    crypto_pwhash_OPSLIMIT_INTERACTIVE,
	    crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
		return -1;
	r = config_save(a->config_path, &c);
	sodium_memzero(&c, sizeof(c));
	if (r == 0)
		log_info("set-up: the admin PIN was changed on the screen");
	return r;
}

static void
hook_changed(void *data, enum screen_mode mode, const char *lang)
{
	struct app *a = data;
	char detail[96];

	/* Display mode shows the venue's QR: no camera, no decoder. */
	worker_set_scanning(a->worker, mode != SCREEN_MODE_DISPLAY);
	snprintf(detail, sizeof(detail), "{\"action\":\"settings\","
	    "\"mode\":\"%s\",\"language\":\"%s\"}", screen_mode_name(mode),
	    lang);
	(void)store_event(a->store, "admin", detail, ktime_wall_ms());
}

/* ---- main ---- */

/* "800x480" into *W and *H, from 320x240 to 8192x8192; 0 or -1. */
static int
parse_size(const char *s, int *w, int *h)
{
	const char *x = strchr(s, 'x');
	char wide[16];

	if (x == NULL || (size_t)(x - s) >= sizeof(wide))
		return -1;
	memcpy(wide, s, (size_t)(x - s));
	wide[x - s] = '\0';
	if (parsenum_int(wide, 320, 8192, w) != 0 ||
	    parsenum_int(x + 1, 240, 8192, h) != 0)
		return -1;
	return 0;
}

static const char *
default_camera(void)
{
	return access("/dev/video0", F_OK) == 0 ? "v4l2:/dev/video0" : "none";
}

static enum screen_mode
mode_from(const char *s)
{
	return strcmp(s, "display") == 0 ? SCREEN_MODE_DISPLAY :
	    strcmp(s, "both") == 0 ? SCREEN_MODE_BOTH : SCREEN_MODE_SCAN;
}

/*
 * The boot's check of the store's pages (a second at a million visits),
 * on a handle of its own, off the screen's thread; a corrupt file is
 * recovered as at open, and the other handles follow it.
 */
static void *
check_thread(void *arg)
{
	struct store *s = store_open_unchecked(arg);

	if (s != NULL) {
		if (store_check_boot(s) > 0)
			log_error("the store's check found it corrupt: "
			    "recovered (kioskctl status says what)");
		store_close(s);
	}
	return NULL;
}

/*
 * Settings, trust, keys and the store: checked now, read-only after.
 * 0, or -1 (logged).
 */
static int
start_core(struct app *a, const char *config_path)
{
	if (config_load(config_path, &a->cfg) != 0)
		return -1;
	a->trust = config_trust(&a->cfg);
	if (a->trust == NULL)
		return -1;
	if (keys_load_secret(a->cfg.device_key, KEY_ED25519, &a->device) ==
	    0) {
		a->have_device = 1;
		keys_id(a->device.pk, a->device_id);
	} else {
		log_warn("no device key: the venue QR and patrol receipts are "
		    "off until `kioskctl init` makes one");
	}
	/* At once, whatever the store's size: the boot's check of its pages
	 * runs beside the screen (check_thread). */
	a->store = store_open_unchecked(a->db);
	if (a->store == NULL)
		return -1;
	(void)store_running(a->store, 1);
	return 0;
}

/*
 * Set up (kiosk-sync wrote the settings): the set-up's worker gives way to
 * the check-in one, on the settings, trust and store now there. 0, or -1
 * (logged: the service starts again, and finds them).
 */
static int
set_up(struct app *a, struct worker_opts *wo, const char *config_path,
    int *have_checker, pthread_t *checker)
{
	worker_stop(a->worker);
	a->worker = NULL;
	if (start_core(a, config_path) != 0) {
		log_error("set-up: the settings kiosk-sync wrote cannot be "
		    "used: the kiosk starts again");
		return -1;
	}
	if (pthread_create(checker, NULL, check_thread,
	    (void *)(uintptr_t)a->db) == 0)
		*have_checker = 1;
	wo->config = &a->cfg;
	wo->trust = a->trust;
	wo->on_text = NULL;
	wo->on_text_ctx = NULL;
	wo->display_only = mode_from(a->cfg.mode) == SCREEN_MODE_DISPLAY;
	a->worker = worker_start(wo);
	return a->worker != NULL ? 0 : -1;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "config", required_argument, NULL, 'c' },
		{ "camera", required_argument, NULL, 'C' },
		{ "mode", required_argument, NULL, 'm' },
		{ "windowed", no_argument, NULL, 'w' },
		{ "size", required_argument, NULL, 's' },
		{ "lang", required_argument, NULL, 'l' },
		{ "frame-interval", required_argument, NULL, 'f' },
		{ "exit-when-done", no_argument, NULL, 'x' },
		{ "run-for", required_argument, NULL, 'r' },
		{ "screenshot", required_argument, NULL, 'S' },
		{ "silent", no_argument, NULL, 'q' },
		{ "camera-size", required_argument, NULL, 'z' },
		{ "scanner", required_argument, NULL, 'Z' },
		{ "setup-done-after", required_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *config_path = NULL, *camera = NULL, *mode = NULL,
	    *lang = NULL, *shot = NULL, *scanner = NULL, *e;
	char cpath[CONFIG_PATH_MAX];
	int windowed = 0, w = 0, h = 0, exit_when_done = 0, silent = 0;
	int setup = 0;
	char setup_cmd[4200];
	int cam_w = 0, cam_h = 0;
	int interval = 1500, ch, ret = 1, done = 0;
	int64_t run_for = 0, secs, started, last_watchdog = 0, watchdog_ms = 0;
	int64_t done_at = 0, setup_done_after = 60000, setup_done_at = 0;
	int64_t list_checked = 0, setup_checked = 0;
	time_t list_mtime = 0;
	ino_t list_ino = 0;
	struct setupflow *flow = NULL;
	struct worker_opts wo;
	struct ui_opts uo;
	struct worker_event ev;
	struct image frame = { 0, 0, NULL };
	uint64_t frame_seq = 0, usec = 0;
	struct app a;
	pthread_t checker;
	int have_checker = 0;
	SDL_Window *win = NULL;
	SDL_sem *wake = NULL;
	SDL_Renderer *ren = NULL;
	struct ui *ui = NULL;

	memset(&a, 0, sizeof(a));
	log_set_prefix("kiosk");
	harden_process();
	wipe_json_setup();
	e = getenv("KIOSK_DB");
	a.db = (e != NULL && *e != '\0') ? e : DEFAULT_DB;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'd': a.db = optarg; break;
		case 'c': config_path = optarg; break;
		case 'C': camera = optarg; break;
		case 'm': mode = optarg; break;
		case 'w': windowed = 1; break;
		case 's':
			if (parse_size(optarg, &w, &h) != 0) {
				fprintf(stderr, "kiosk: --size wants WxH from "
				    "320x240 to 8192x8192, e.g. 800x480, not "
				    "'%s'\n", optarg);
				return 2;
			}
			break;
		case 'l': lang = optarg; break;
		case 'f':
			if (parsenum_int(optarg, 0, 60000, &interval) != 0) {
				fprintf(stderr, "kiosk: --frame-interval wants "
				    "milliseconds from 0 to 60000, not '%s'\n",
				    optarg);
				return 2;
			}
			break;
		case 'x': exit_when_done = 1; break;
		case 'r':
			/* 0: no limit, as when it is not given. */
			if (parsenum(optarg, 0, 366LL * 86400, &secs) != 0) {
				fprintf(stderr, "kiosk: --run-for wants seconds "
				    "from 0 to 31622400, not '%s'\n", optarg);
				return 2;
			}
			run_for = secs * 1000;
			break;
		case 'S': shot = optarg; break;
		case 'q': silent = 1; break;
		case 'z':
			if (parse_size(optarg, &cam_w, &cam_h) != 0) {
				fprintf(stderr, "kiosk: --camera-size wants WxH "
				    "from 320x240 to 8192x8192, e.g. 1280x720, "
				    "not '%s'\n", optarg);
				return 2;
			}
			break;
		case 'Z':
			if (strcmp(optarg, "keyboard") != 0 &&
			    serial_spec_path(optarg) == NULL) {
				fprintf(stderr, "kiosk: --scanner wants keyboard "
				    "or serial:/dev/ttyACM0, not '%s'\n", optarg);
				return 2;
			}
			scanner = strcmp(optarg, "keyboard") == 0 ? NULL : optarg;
			break;
		case 'P':
			if (parsenum(optarg, 1, 86400, &secs) != 0) {
				fprintf(stderr, "kiosk: --setup-done-after wants "
				    "seconds from 1 to 86400, not '%s'\n",
				    optarg);
				return 2;
			}
			setup_done_after = secs * 1000;
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if ((mode != NULL && !cmdhelp_one_of("kiosk", "mode", mode,
	    "scan|display|both")) || (lang != NULL && !cmdhelp_one_of("kiosk",
	    "lang", lang, "vi|en")))
		return 2;
	if (camera != NULL && !camera_spec_valid(camera)) {
		fprintf(stderr, "kiosk: --camera '%s' is not v4l2:/dev/videoN, "
		    "dir:PATH or none\n", camera);
		return 2;
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (sodium_init() < 0)
		return 1;

	/* Settings, trust, keys: checked now, read-only after. */
	config_defaults(&a.cfg, a.db);
	if (config_path == NULL) {
		if (config_path_for(a.db, cpath, sizeof(cpath)) != 0)
			return 1;
		config_path = cpath;
	}
	a.config_path = config_path;
	/* No settings at all (a new machine): the set-up screen, which
	 * enrols the kiosk from the ward's enrolment code (with kiosk-sync),
	 * not an exit into a restart loop with nothing on the screen. */
	setup = access(config_path, F_OK) != 0 && errno == ENOENT;
	if (setup) {
		log_warn("no settings file '%s': the set-up screen, until the "
		    "ward's enrolment code is scanned (or `kioskctl init` "
		    "makes them)", config_path);
		flow = setupflow_new(a.db, config_path);
		if (flow == NULL)
			goto out;
	} else if (start_core(&a, config_path) != 0) {
		goto out;
	} else if (pthread_create(&checker, NULL, check_thread,
	    (void *)(uintptr_t)a.db) == 0) {
		have_checker = 1;
	}

	memset(&wo, 0, sizeof(wo));
	wo.db_path = a.db;
	wo.config = &a.cfg;
	wo.trust = a.trust;
	wo.camera = camera ? camera : default_camera();
	wo.scanner = scanner;
	wo.camera_opts.interval_ms = interval;
	wo.camera_opts.width = cam_w;
	wo.camera_opts.height = cam_h;
	wo.camera_opts.loop = !exit_when_done;
	wake = SDL_CreateSemaphore(0);
	if (wake == NULL) {
		log_error("cannot start: %s", SDL_GetError());
		goto out;
	}
	wo.notify = wake_ui;
	wo.notify_ctx = wake;
	wo.display_only = mode_from(mode ? mode : a.cfg.mode) ==
	    SCREEN_MODE_DISPLAY;
	if (setup) {
		/* The camera reads the enrolment code: no store yet. */
		wo.on_text = setupflow_text;
		wo.on_text_ctx = flow;
		wo.display_only = 0;
	}
	if ((a.worker = worker_start(&wo)) == NULL)
		goto out;

	if (SDL_Init(SDL_INIT_VIDEO | SDL_INIT_EVENTS) != 0) {
		log_error("cannot start the display: %s (no screen? try "
		    "SDL_VIDEODRIVER=kmsdrm, x11 or offscreen)",
		    SDL_GetError());
		goto out;
	}
	SDL_SetHint(SDL_HINT_TOUCH_MOUSE_EVENTS, "0");
	{
		/* Full screen at the screen's own size, unless a size is given. */
		Uint32 flags = windowed ? SDL_WINDOW_RESIZABLE :
		    w ? SDL_WINDOW_BORDERLESS : SDL_WINDOW_FULLSCREEN_DESKTOP;

		if (w == 0) {
			w = windowed ? 1280 : 800;
			h = windowed ? 720 : 480;
		}
		win = SDL_CreateWindow("Kiosk", SDL_WINDOWPOS_CENTERED,
		    SDL_WINDOWPOS_CENTERED, w, h, flags);
	}
	if (win == NULL) {
		log_error("cannot open a window: %s", SDL_GetError());
		goto out;
	}
	/* The GPU scales the preview and copies the cached texts; vsync
	 * paces a present (there is one only when something changed). */
	ren = SDL_CreateRenderer(win, -1, SDL_RENDERER_ACCELERATED |
	    SDL_RENDERER_PRESENTVSYNC);
	if (ren == NULL)
		ren = SDL_CreateRenderer(win, -1, SDL_RENDERER_PRESENTVSYNC);
	if (ren == NULL)
		ren = SDL_CreateRenderer(win, -1, SDL_RENDERER_SOFTWARE);
	if (ren == NULL) {
		log_error("cannot draw: %s", SDL_GetError());
		goto out;
	}
	SDL_ShowCursor(windowed ? SDL_ENABLE : SDL_DISABLE);
	SDL_StartTextInput();

	memset(&uo, 0, sizeof(uo));
	uo.lang = lang ? lang : a.cfg.language;
	uo.mode = mode_from(mode ? mode : a.cfg.mode);
	uo.venue_name = a.cfg.venue_name;
	uo.display_period_s = a.cfg.display_period_s;
	e = getenv("KIOSK_FONT");
	uo.font_regular = e ? e : "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
	e = getenv("KIOSK_FONT_BOLD");
	uo.font_bold = e ? e :
	    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf";
	uo.sound = !silent;
	uo.setup = setup;
	if (setup) {
		/* The command for this kiosk's store, exactly. */
		snprintf(setup_cmd, sizeof(setup_cmd), "sudo kioskctl%s%s init "
		    "--venue-id ID --venue-name NAME --authority-key FILE",
		    strcmp(a.db, DEFAULT_DB) != 0 ? " --db " : "",
		    strcmp(a.db, DEFAULT_DB) != 0 ? a.db : "");
		uo.setup_cmd = setup_cmd;
	}
	uo.hooks = (struct ui_hooks){ &a, hook_submit };
	uo.jobs = (struct jobs_hooks){ &a, hook_status, hook_patrol,
	    hook_purge, hook_check_pin, hook_venue_url, hook_changed,
	    hook_set_pin };
	ui = ui_new(ren, &uo);
	if (ui == NULL)
		goto out;
	ui_camera(ui, camera_spec_is_none(wo.camera) ? SCREEN_CAMERA_NONE :
	    SCREEN_CAMERA_LOST);

	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	if (sd_watchdog_enabled(0, &usec) > 0)
		watchdog_ms = (int64_t)(usec / 1000);
	sd_notify(0, "READY=1\nSTATUS=scanning");
	/* The size the screen has, not the one asked for. */
	SDL_GetRendererOutputSize(ren, &w, &h);
	if (setup)
		log_info("kiosk %s: the set-up screen, %dx%d", KIOSK_VERSION,
		    w, h);
	else
		log_info("kiosk %s ready: venue %s, camera %s, %s mode, %dx%d",
		    KIOSK_VERSION, a.cfg.venue_id, wo.camera,
		    screen_mode_name(uo.mode), w, h);

	started = ktime_mono_ms();
	while (!stop_signal && !ui_quit_requested(ui)) {
		int64_t t0 = ktime_mono_ms();
		SDL_Event sev;

		while (SDL_PollEvent(&sev)) {
			if (sev.type == SDL_QUIT)
				stop_signal = SIGTERM;
			ui_event(ui, &sev);
		}
		while (a.worker != NULL && worker_poll(a.worker, &ev)) {
			switch (ev.type) {
			case WORKER_RESULT:
				ui_result(ui, &ev.out);
				log_debug("scan to durable outcome in %lld ms",
				    (long long)(ev.done_ms - ev.arrived_ms));
				break;
			case WORKER_ERROR:
				ui_error(ui);
				break;
			case WORKER_CAMERA_LOST:
				ui_camera(ui, SCREEN_CAMERA_LOST);
				break;
			case WORKER_CAMERA_OK:
				ui_camera(ui, SCREEN_CAMERA_OK);
				break;
			case WORKER_DONE:
				done = 1;
				break;
			}
			sodium_memzero(&ev, sizeof(ev));
		}
		if (a.worker != NULL && ui_wants_preview(ui, t0) &&
		    worker_preview(a.worker, &frame, &frame_seq))
			ui_preview(ui, &frame);
		ui_tick(ui, t0);
		/* Drawn only when something on the screen changed: at the
		 * ready screen with nothing happening, nothing is drawn. */
		(void)ui_render_changed(ui);
		if (watchdog_ms && t0 - last_watchdog >= watchdog_ms / 2) {
			sd_notify(0, "WATCHDOG=1");
			last_watchdog = t0;
		}
		/* Done: quit once back at ready, or after the last answer
		 * has been on screen 2 s (the patrol screen stays longer). */
		if (done && !done_at)
			done_at = t0;
		if (done && exit_when_done && !setup &&
		    (ui_screen(ui) == SCREEN_READY ||
		    t0 - done_at >= 2000))
			break;
		if (run_for && t0 - started >= run_for)
			break;
		if (setup) {
			struct screen_setup ss;

			if (setupflow_poll(flow, t0, &ss)) {
				if (ss.state == SCREEN_SETUP_DONE &&
				    !setup_done_at)
					setup_done_at = t0;
				ui_setup_set(ui, &ss);
			}
			if (ss.state != SCREEN_SETUP_ENROLLING &&
			    ss.state != SCREEN_SETUP_DONE &&
			    t0 - setup_checked >= 2000) {
				/* Set up from a terminal meanwhile (kioskctl
				 * init): the service starts again, set up. */
				setup_checked = t0;
				if (access(config_path, F_OK) == 0) {
					log_info("settings made: the kiosk starts "
					    "again with them");
					sodium_memzero(&ss, sizeof(ss));
					break;
				}
			}
			sodium_memzero(&ss, sizeof(ss));
			/* The PIN is not left on the screen for visitors:
			 * on by itself after a while. */
			if (ui_setup_finished(ui) || (setup_done_at &&
			    t0 - setup_done_at >= setup_done_after)) {
				if (set_up(&a, &wo, config_path, &have_checker,
				    &checker) != 0)
					goto out;
				ui_setup_leave(ui);
				setup = 0;
				done = 0;
				log_info("kiosk %s ready: venue %s, camera %s, "
				    "%s mode", KIOSK_VERSION, a.cfg.venue_id,
				    wo.camera, screen_mode_name(mode_from(
				    mode ? mode : a.cfg.mode)));
			}
		} else if (t0 - list_checked >= 5000) {
			/* The ward's pass list, as kiosk-sync last took it:
			 * a new one is in use from the next scan. */
			struct stat st;

			if (a.cfg.have_collector_key &&
			    stat(a.cfg.pass_list_file, &st) == 0 &&
			    (st.st_mtime != list_mtime || st.st_ino != list_ino)) {
				/* The first look: the one start_core read. */
				struct pass_trust *t = list_checked == 0 ?
				    NULL : config_trust(&a.cfg);

				if (t != NULL) {
					log_info("the ward's new pass list is "
					    "in use");
					worker_set_trust(a.worker, t);
				}
				list_mtime = st.st_mtime;
				list_ino = st.st_ino;	/* a new file each time */
			}
			list_checked = t0;
		}
		/* Asleep until the worker has something (an answer, a
		 * camera frame) or it is time to look at touches and keys
		 * and the screens' timers again. */
		(void)SDL_SemWaitTimeout(wake, WAIT_MS);
	}
	sd_notify(0, "STOPPING=1");
	if (shot != NULL) {
		/* The screen as it ends up, whatever a job was still doing
		 * (the patrol's figures on a slow machine). */
		ui_settle(ui);
		ui_render(ui);
		if (ui_save_png(ren, shot) == 0)
			log_info("screenshot saved to %s", shot);
	}
	ret = 0;
out:
	ui_free(ui);
	worker_stop(a.worker);
	image_release(&frame);
	if (ren)
		SDL_DestroyRenderer(ren);
	if (win)
		SDL_DestroyWindow(win);
	SDL_Quit();
	if (have_checker)
		pthread_join(checker, NULL);
	if (wake != NULL)
		SDL_DestroySemaphore(wake);
	/* Here is a clean stop, whatever went wrong before: not a crash. */
	if (a.store != NULL)
		(void)store_running(a.store, 0);
	store_close(a.store);
	pass_trust_free(a.trust);
	keys_wipe(&a.device);
	setupflow_free(flow);
	return ret;
}
