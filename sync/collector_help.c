/*
 * collector_help: each collector command's usage and an example, in one
 * table: printed by `collector CMD --help` (stdout, exit 0) and on a usage
 * error (stderr, exit 2). See collector_cmds.h.
 */
#include "collector_cmds.h"

#include "cmdhelp.h"

static const struct cmd_help cmds[] = {
	{ "init", "make the collector's database (or bring it up to date)",
	    "collector init [--db sqlite:PATH|postgresql://...]   (default "
	    "$COLLECTOR_DB)\n"
	    "               [--authority-key AUTHORITY.pub [--force]]\n"
	    "               [--shards SHARDS.json]\n"
	    "  (makes the collector's signing key once; the health authority's "
	    "key goes\n   into the enrolment codes; --shards: a city's "
	    "coordinator whose visits live\n   on its districts' servers, "
	    "docs/scaling.md)",
	    "collector init --db sqlite:/var/lib/kiosk-collector/collector.db "
	    "--authority-key authority.pub" },
	{ "serve", "the ward's server: enrolment, uploads, heartbeats, "
	    "phone check-in, tracing over HTTP",
	    "collector serve --listen ADDR:PORT --db sqlite:PATH|"
	    "postgresql://...\n"
	    "         [--max-body BYTES] [--request-deadline SECONDS]\n"
	    "         [--trusted-proxy ADDR] [--phone-per-address N]\n"
	    "         [--phone-per-code N] [--phone-per-slot N]\n"
	    "         [--threads N] [--workers N] [--queue N] "
	    "[--per-client N]\n"
	    "         [--max-connections N] [--read-db postgresql://...]\n"
	    "  (docs/sync.md: limits and their defaults; --read-db: traces "
	    "and reports\n   from a standby, docs/deploy.md)",
	    "collector serve --listen 127.0.0.1:8080 --trusted-proxy "
	    "127.0.0.1" },
	{ "token", "a one-time enrolment token, or a tracer's, patrol's or "
	    "admin's",
	    "collector token --db URL --role tracer|patrol|admin [--ward W] "
	    "[--expires DAYS]\n"
	    "       collector token --db URL --role device-enrolment --ward W\n"
	    "             [--venue-id ID [--venue-name NAME] [--address A]]\n"
	    "             [--hours H] [--expires DAYS (default 30)]\n"
	    "             [--collector-url URL [--qr FILE.png] [--pdf "
	    "FILE.pdf]]\n"
	    "       collector token --role device-enrolment --ward W --csv "
	    "venues.csv\n"
	    "             --collector-url URL [--qr DIR] [--pdf FILE.pdf]\n"
	    "       collector token list [--db URL]\n"
	    "       collector token revoke [--db URL] ID\n"
	    "  (an enrolment token is for one ward and, with --venue-id, one "
	    "venue:\n   the kiosk enrolled with it takes them and is refused "
	    "if it says others.\n   --qr and --pdf make the enrolment code a "
	    "kiosk scans and its A4 sheet;\n   venues.csv has lines venue_id,"
	    "venue_name,address,hours)",
	    "collector token --role device-enrolment --ward \"Phường Bến "
	    "Nghé\" --venue-id Q1-CAFE-001" },
	{ "pass", "the wards' pass lists: trusted issuers, revoked passes",
	    "collector pass issuer-add [--db URL] --ward W ISSUER.pub\n"
	    "       collector pass issuer-remove [--db URL] --ward W "
	    "ISSUER.pub\n"
	    "       collector pass revoke [--db URL] PASS-ID\n"
	    "       collector pass list [--db URL] --ward W\n"
	    "  (every kiosk of the ward takes the new list at its next sync; a "
	    "revoked\n   pass is refused in every ward)",
	    "collector pass revoke 3f9a1c0d2b7e4a15" },
	{ "devices", "the ward's kiosks; revoke one",
	    "collector devices list [--db URL] [--ward W] [--json]\n"
	    "       collector devices revoke [--db URL] DEVICE",
	    "collector devices revoke 5b4ea58cee6ac242" },
	{ "wards", "the wards with enrolled kiosks or pass issuers: venues and "
	    "devices each",
	    "collector wards [--db URL] [--json]",
	    "collector wards" },
	{ "stats", "how many devices, visits and refusals the database holds",
	    "collector stats [--db URL] [--json]",
	    "collector stats --json" },
	{ "purge", "delete what is older than the retention",
	    "collector purge --db URL --older-than DAYS (1 or more)",
	    "collector purge --older-than 21" },
	{ "trace", "a case's contacts: F1, and with --depth 2 F2, with "
	    "overlap minutes",
	    "collector trace --db URL --subject KIND:ID --reason TEXT\n"
	    "         [--from T] [--to T] [--depth 1|2] [--min-overlap MIN]\n"
	    "         [--default-stay MIN] [--format table|json|csv]\n"
	    "         [--budget SECONDS] (exit 4: cut short, partial answer)\n"
	    "         [--authority-secret FILE] [--out FILE]",
	    "collector trace --subject cccd:079095001234 --reason \"case "
	    "HCM-2026-0413\" --depth 2 --format csv --out case.csv" },
	{ "audit", "who traced or reported what, and when",
	    "collector audit --db URL [--format table|json|csv] [--who TEXT]\n"
	    "         [--subject KIND:ID] [--from T] [--to T]",
	    "collector audit --subject cccd:079095001234 --from 2026-11-01" },
	{ "report", "a ward's venues on a day: visits, heartbeat gaps, silent "
	    "kiosks",
	    "collector report --db URL --ward W [--date YYYY-MM-DD] "
	    "[--silent-after MIN]\n"
	    "         [--format table|json|csv] [--out FILE]\n"
	    "  (W as typed: \"Phuong Ben Nghe\" is \"Phường Bến Nghé\"; "
	    "no such ward: exit 3,\n   the closest names said)",
	    "collector report --ward \"Phường Bến Nghé\" --date 2026-11-22" },
	{ "verify-receipt", "check a patrol receipt a kiosk signed",
	    "collector verify-receipt --db URL (TEXT | -)",
	    "collector verify-receipt KR1.eyJ2IjoxLC4uLn0.c2ln" },
	{ "import", "load a kiosk's export from a USB stick",
	    "collector import --db URL --authority-secret FILE [--token T] "
	    "FILE",
	    "collector import --authority-secret authority.sec "
	    "/media/usb/kiosk.kexp" },
};

static const struct cmd_helps helps = {
	"collector COMMAND [options]   (collector COMMAND --help says more)",
	"Without --db, $COLLECTOR_DB, else sqlite:collector.db. -v anywhere: "
	"the info lines too.\ndocs/sync.md, docs/trace.md; man collector.",
	cmds, sizeof(cmds) / sizeof(cmds[0])
};

int
collector_usage(const char *cmd, int status)
{
	return cmdhelp_usage(&helps, cmd, status);
}
