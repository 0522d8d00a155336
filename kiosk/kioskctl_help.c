/*
 * kioskctl_help: each kioskctl command's usage and an example, in one
 * table: `kioskctl --help` lists them, `kioskctl CMD --help` says one
 * (stdout, exit 0), and a usage error prints it (stderr, exit 2). See
 * kioskctl.h.
 */
#include "kioskctl.h"

#include "cmdhelp.h"

static const struct cmd_help cmds[] = {
	{ "init", "set up a new kiosk: its store, settings and keys",
	    "kioskctl init --venue-id ID --venue-name NAME [--address A] "
	    "[--ward W]\n"
	    "       [--hours \"07:00-22:00\"] (--authority-key PUBFILE | "
	    "--demo) [--force]",
	    "sudo kioskctl init --venue-id Q1-CAFE-001 --venue-name \"Cà phê "
	    "Sài Gòn\" --authority-key authority.pub" },
	{ "enroll", "register this kiosk with the ward's collector",
	    "kioskctl enroll --collector URL --token T [--ca PEMFILE] "
	    "[--new-key]\n"
	    "       kioskctl enroll --code CODE.png|CODE.txt|KE1... [--ca PEMFILE]\n"
	    "  (--code sets a kiosk with no settings up from its ward's "
	    "enrolment code,\n   as its set-up screen does, and shows the admin "
	    "PIN once)",
	    "kioskctl enroll --collector https://collector.example.vn --token "
	    "TOKEN" },
	{ "checkin", "record a scan, as the kiosk does",
	    "kioskctl checkin (--payload TEXT | --payload-file FILE|-) "
	    "[--source camera|scanner|keypad] [--at TIME]",
	    "kioskctl checkin --payload 0912345678 --source keypad" },
	{ "status", "today's count, uploads, enrolment, clock, health",
	    "kioskctl status [--json]", "kioskctl status" },
	{ "export", "visits, their personal fields still sealed; or a USB "
	    "export for a kiosk with no network",
	    "kioskctl export --format csv|json [--from T] [--to T] "
	    "[--pending] [--out FILE]\n"
	    "       kioskctl export --sealed --out FILE",
	    "kioskctl export --sealed --out /media/usb/kiosk.kexp" },
	{ "purge", "delete uploaded visits older than the retention",
	    "kioskctl purge [--days N]", "kioskctl purge --days 21" },
	{ "keys", "make a key pair (PREFIX.sec, PREFIX.pub)",
	    "kioskctl keys --type issuer|authority|device --out PREFIX",
	    "kioskctl keys --type issuer --out ward-issuer" },
	{ "issue-pass", "print a signed pass (and its QR)",
	    "kioskctl issue-pass --issuer-key FILE --role visitor|officer "
	    "--name NAME [--id ID]\n"
	    "       [--valid-from T] [--valid-days N | --expires T] "
	    "[--png FILE]\n"
	    "       [--pdf CARD.pdf [--issuer-name WARD]]   (an A4 page with "
	    "the card to cut out)",
	    "kioskctl issue-pass --issuer-key ward-issuer.sec --role officer "
	    "--name \"Cán bộ Phường\" --png pass.png" },
	{ "decode", "read QR codes in PNG/JPEG files",
	    "kioskctl decode FILE...", "kioskctl decode photo.jpg" },
	{ "set-pin", "change the admin screen PIN",
	    "kioskctl set-pin PIN   (4-12 digits; \"-\" reads it from stdin)",
	    "kioskctl set-pin 2468" },
	{ "quarantine", "visits the collector refused, set aside; put them "
	    "back",
	    "kioskctl quarantine list [--json]\n"
	    "       kioskctl quarantine release (--all | SEQ...)",
	    "kioskctl quarantine release --all" },
	{ "clock", "is the clock trusted; forget a wrong trusted time",
	    "kioskctl clock status [--json]\n"
	    "       kioskctl clock reset",
	    "kioskctl clock status" },
	{ "verify-receipt", "check a patrol receipt from a kiosk's screen",
	    "kioskctl verify-receipt [--device-pub FILE] (TEXT | -)",
	    "kioskctl verify-receipt KR1.eyJ2IjoxLC4uLn0.c2ln" },
};

static const struct cmd_helps helps = {
	"kioskctl [-v] [--db PATH] [--config PATH] [--lang vi|en] COMMAND [ARGS]\n"
	"       (kioskctl COMMAND --help says more)",
	"The store is --db, else $KIOSK_DB, else " DEFAULT_DB "; its "
	"settings\nare kiosk.conf in the same folder unless --config is "
	"given. docs/kioskctl.md; man kioskctl.",
	cmds, sizeof(cmds) / sizeof(cmds[0])
};

int
kctl_usage(const char *cmd, int status)
{
	return cmdhelp_usage(&helps, cmd, status);
}
