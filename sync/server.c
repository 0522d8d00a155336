/*
 * server: libmicrohttpd carrying the API. See server.h.
 */
#include "server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <microhttpd.h>
#include <unistr.h>

#include "api.h"
#include "collector_cmds.h"
#include "codes.h"
#include "datadir.h"
#include "db.h"
#include "db_ward.h"
#include "dynbuf.h"
#include "limit.h"
#include "log.h"
#include "parsenum.h"
#include "watch.h"
#include "wire.h"
#include "workq.h"

#define EXIT_USAGE 2

/* Requests from one client address in the queue or at work, at most
 * (--per-client); past it 429. Counted by the real address behind a
 * trusted proxy. */
#define CLIENTS 4096

struct client {
	char addr[INET6_ADDRSTRLEN + 4];
	int n;
};

struct server {
	struct db *db;
	struct api_config cfg;
	size_t max_body;
	char web_dir[1024];
	struct key_pair key;		/* the collector's own */
	struct watch *watch;
	struct workq *work;
	struct in_addr proxy;		/* --trusted-proxy, or 0.0.0.0 */
	int have_proxy;
	int per_client;
	pthread_mutex_t clients_lock;
	struct client clients[CLIENTS];
};

enum req_state { REQ_READING, REQ_QUEUED, REQ_DONE };

/* One request: its body, read within the limit, and its answer once a
 * worker made it. */
struct req {
	struct dynbuf body;
	int too_big;
	struct server *sv;
	struct MHD_Connection *c;
	struct api_request ar;
	struct api_response rs;
	char ip[INET6_ADDRSTRLEN + 4];	/* IPv6: its /64 */
	enum req_state state;
	int counted;			/* in its client's count */
};

static volatile sig_atomic_t stopping;

static void
on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

static const char *
header(void *ctx, const char *name)
{
	return MHD_lookup_connection_value(ctx, MHD_HEADER_KIND, name);
}

static const char *
query_arg(void *ctx, const char *name)
{
	return MHD_lookup_connection_value(ctx, MHD_GET_ARGUMENT_KIND, name);
}

/* Query arguments are text: valid UTF-8, no control characters. */
static enum MHD_Result
arg_ok(void *cls, enum MHD_ValueKind kind, const char *key,
    const char *value)
{
	int *bad = cls;
	const char *s[2] = { key, value };
	size_t i, j;

	(void)kind;
	for (i = 0; i < 2; i++) {
		if (s[i] == NULL)
			continue;
		if (u8_check((const uint8_t *)s[i], strlen(s[i])) != NULL)
			*bad = 1;
		for (j = 0; s[i][j] != '\0'; j++)
			if ((unsigned char)s[i][j] < 0x20 || s[i][j] == 0x7f)
				*bad = 1;
	}
	return *bad ? MHD_NO : MHD_YES;
}

/* How many times a header NAME (case aside) came; cls: {name, count}. */
static enum MHD_Result
count_header(void *cls, enum MHD_ValueKind kind, const char *key,
    const char *value)
{
	const char **name = cls;

	(void)kind;
	(void)value;
	if (strcasecmp(key, name[0]) == 0)
		name[1]++;
	return MHD_YES;
}

static int
header_times(struct MHD_Connection *c, const char *name)
{
	const char *cls[2] = { name, NULL };

	MHD_get_connection_values(c, MHD_HEADER_KIND, count_header, cls);
	return (int)(intptr_t)cls[1];
}

/*
 * The client's address: the socket's peer, or, when that is the trusted
 * proxy, the last address of its X-Forwarded-For (the one it saw).
 */
static void
client_of(const struct server *sv, struct MHD_Connection *c, char *ip,
    size_t size)
{
	const union MHD_ConnectionInfo *ci;
	const struct sockaddr_in *sa;
	const char *xff, *last;
	struct in_addr fwd;
	struct in6_addr fwd6;
	char one[INET6_ADDRSTRLEN + 8];
	size_t n;

	snprintf(ip, size, "?");
	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci == NULL || ci->client_addr->sa_family != AF_INET)
		return;
	sa = (const struct sockaddr_in *)ci->client_addr;
	inet_ntop(AF_INET, &sa->sin_addr, ip, (socklen_t)size);
	if (!sv->have_proxy || sa->sin_addr.s_addr != sv->proxy.s_addr)
		return;
	xff = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    "X-Forwarded-For");
	if (xff == NULL)
		return;
	last = strrchr(xff, ',');
	last = last ? last + 1 : xff;
	last += strspn(last, " ");
	n = strcspn(last, " ");
	if (n == 0 || n >= sizeof(one))
		return;
	memcpy(one, last, n);
	one[n] = '\0';
	if (inet_pton(AF_INET, one, &fwd) == 1) {
		snprintf(ip, size, "%s", one);
	} else if (inet_pton(AF_INET6, one, &fwd6) == 1) {
		/*
		 * An IPv6 client counts by its /64: one household or phone
		 * holds a whole /64, so a limit per single address would be
		 * none. "2001:db8:1:2::/64".
		 */
		memset(fwd6.s6_addr + 8, 0, 8);
		if (inet_ntop(AF_INET6, &fwd6, one, sizeof(one)) != NULL &&
		    strlen(one) + 4 < size)
			snprintf(ip, size, "%s/64", one);
	}
}

static int
conn_gone(void *ctx)
{
	return watch_gone(ctx);
}

static struct watch_conn *
watched(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci;

	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return ci ? ci->socket_context : NULL;
}

static void
notify_connection(void *cls, struct MHD_Connection *c, void **socket_ctx,
    enum MHD_ConnectionNotificationCode toe)
{
	struct server *sv = cls;
	const union MHD_ConnectionInfo *ci;

	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		ci = MHD_get_connection_info(c,
		    MHD_CONNECTION_INFO_CONNECTION_FD);
		*socket_ctx = ci ? watch_open(sv->watch, ci->connect_fd) : NULL;
	} else {
		watch_close(sv->watch, *socket_ctx);
		*socket_ctx = NULL;
	}
}

/* A JSON error answer made here, before the API. */
static void
own_error(struct api_response *rs, unsigned status, const char *json)
{
	memset(rs, 0, sizeof(*rs));
	rs->status = status;
	rs->content_type = "application/json";
	rs->body = strdup(json);
	rs->len = rs->body ? strlen(rs->body) : 0;
}

static enum MHD_Result
answer(struct MHD_Connection *c, struct api_response *rs)
{
	struct MHD_Response *r;
	enum MHD_Result ret;
	size_t i;

	r = MHD_create_response_from_buffer(rs->len, rs->body,
	    MHD_RESPMEM_MUST_FREE);
	if (r == NULL) {
		api_response_release(rs);
		return MHD_NO;
	}
	rs->body = NULL;	/* MHD owns it now */
	MHD_add_response_header(r, "Content-Type", rs->content_type);
	for (i = 0; i < API_MAX_HEADERS && rs->headers[i][0] != NULL; i++)
		MHD_add_response_header(r, rs->headers[i][0],
		    rs->headers[i][1]);
	if (rs->disposition[0] != '\0')
		MHD_add_response_header(r, "Content-Disposition",
		    rs->disposition);
	/* Answers name people and hold tokens: never kept by a cache,
	 * never read as anything but what they say they are. */
	if (MHD_get_response_header(r, "Cache-Control") == NULL)
		MHD_add_response_header(r, "Cache-Control", "no-store");
	if (MHD_get_response_header(r, "X-Content-Type-Options") == NULL)
		MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	ret = MHD_queue_response(c, rs->status, r);
	MHD_destroy_response(r);
	return ret;
}

/* Count a request of IP in; 0, or -1 when IP has its most already. */
static int
client_in(struct server *sv, const char *ip)
{
	struct client *cl, *free_slot = NULL;
	unsigned h = 5381;
	size_t i, k;
	int rc = -1;

	for (i = 0; ip[i] != '\0'; i++)
		h = h * 33 + (unsigned char)ip[i];
	pthread_mutex_lock(&sv->clients_lock);
	for (i = 0; i < 64; i++) {
		k = (h + i) % CLIENTS;
		cl = &sv->clients[k];
		if (cl->n > 0 && strcmp(cl->addr, ip) == 0) {
			if (cl->n < sv->per_client) {
				cl->n++;
				rc = 0;
			}
			goto out;
		}
		if (cl->n == 0 && free_slot == NULL)
			free_slot = cl;
	}
	/* A new address (or no room to count it: let it in). */
	if (free_slot != NULL) {
		snprintf(free_slot->addr, sizeof(free_slot->addr), "%s", ip);
		free_slot->n = 1;
	}
	rc = 0;
out:
	pthread_mutex_unlock(&sv->clients_lock);
	return rc;
}

static void
client_out(struct server *sv, const char *ip)
{
	unsigned h = 5381;
	size_t i;

	for (i = 0; ip[i] != '\0'; i++)
		h = h * 33 + (unsigned char)ip[i];
	pthread_mutex_lock(&sv->clients_lock);
	for (i = 0; i < 64; i++) {
		struct client *cl = &sv->clients[(h + i) % CLIENTS];

		if (cl->n > 0 && strcmp(cl->addr, ip) == 0) {
			cl->n--;
			break;
		}
	}
	pthread_mutex_unlock(&sv->clients_lock);
}

/* On a worker: the answer, then the connection goes on. */
static void
run_req(void *arg)
{
	struct req *rq = arg;

	api_handle(rq->sv->db, &rq->sv->cfg, &rq->ar, &rq->rs);
	rq->state = REQ_DONE;
	MHD_resume_connection(rq->c);
}

/* The server stops before a worker took it. */
static void
drop_req(void *arg)
{
	struct req *rq = arg;

	own_error(&rq->rs, 503, "{\"error\":\"the collector is stopping: "
	    "send again\"}");
	rq->state = REQ_DONE;
	MHD_resume_connection(rq->c);
}

/* Answered on the HTTP thread: nothing of the store. */
static int
inline_route(const char *url)
{
	return strcmp(url, "/api/v1/health") == 0 || strncmp(url, "/c/", 3) ==
	    0 || strncmp(url, "/web/", 5) == 0;
}

static enum MHD_Result
handler(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *data,
    size_t *data_size, void **con_cls)
{
	struct server *sv = cls;
	struct req *rq = *con_cls;
	struct api_request ar;
	struct api_response rs;

	(void)version;
	if (rq == NULL) {
		/* One body length, said once: two Content-Length headers, or
		 * one beside Transfer-Encoding, is how requests are smuggled
		 * past a proxy that reads the other. */
		if (header_times(c, "Content-Length") > 1 ||
		    (header_times(c, "Content-Length") > 0 &&
		    header_times(c, "Transfer-Encoding") > 0)) {
			own_error(&rs, 400, "{\"error\":\"one Content-Length, "
			    "and not with Transfer-Encoding\"}");
			rs.headers[0][0] = "Connection";
			rs.headers[0][1] = "close";
			return answer(c, &rs);
		}
		rq = calloc(1, sizeof(*rq));
		if (rq == NULL)
			return MHD_NO;
		dynbuf_init(&rq->body, sv->max_body);
		rq->sv = sv;
		rq->c = c;
		*con_cls = rq;
		return MHD_YES;
	}
	if (rq->state == REQ_DONE)
		return answer(c, &rq->rs);	/* back from a worker */
	if (rq->state == REQ_QUEUED)
		return MHD_YES;
	if (*data_size > 0) {
		/* Bounded: past the limit the rest is read and dropped. */
		if (!rq->too_big && dynbuf_add(&rq->body, data,
		    *data_size) != 0) {
			rq->too_big = 1;
			dynbuf_release(&rq->body);
		}
		*data_size = 0;
		return MHD_YES;
	}
	memset(&ar, 0, sizeof(ar));
	if (rq->too_big) {
		own_error(&rs, 413, "{\"error\":\"body too large\"}");
		return answer(c, &rs);
	}
	{
		int bad = 0;

		MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, arg_ok,
		    &bad);
		if (bad) {
			own_error(&rs, 400, "{\"error\":\"a query argument is "
			    "not text (UTF-8 without control characters)\"}");
			return answer(c, &rs);
		}
	}
	client_of(sv, c, rq->ip, sizeof(rq->ip));
	watch_answering(sv->watch, watched(c));
	ar.method = method;
	ar.url = url;
	ar.body = rq->body.p;
	ar.len = rq->body.len;
	ar.client = rq->ip;
	ar.header = header;
	ar.arg = query_arg;
	ar.ctx = c;
	ar.gone = conn_gone;
	ar.gone_ctx = watched(c);
	if (inline_route(url)) {
		api_handle(sv->db, &sv->cfg, &ar, &rs);
		return answer(c, &rs);
	}
	if (client_in(sv, rq->ip) != 0) {
		own_error(&rs, 429, "{\"error\":\"too many requests at once "
		    "from this address: send again in a moment\"}");
		rs.headers[0][0] = "Retry-After";
		rs.headers[0][1] = "2";
		return answer(c, &rs);
	}
	rq->counted = 1;
	rq->ar = ar;
	rq->state = REQ_QUEUED;
	/* Suspended before it is queued: a worker resumes it. */
	MHD_suspend_connection(c);
	if (workq_push(sv->work, run_req, drop_req, rq) != 0) {
		own_error(&rq->rs, 503, "{\"error\":\"the collector is busy: "
		    "send again\"}");
		rq->rs.headers[0][0] = "Retry-After";
		rq->rs.headers[0][1] = "5";
		rq->state = REQ_DONE;
		MHD_resume_connection(c);
	}
	return MHD_YES;
}

static void
completed(void *cls, struct MHD_Connection *c, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct server *sv = cls;
	struct req *rq = *con_cls;

	(void)toe;
	watch_answered(sv->watch, watched(c));
	if (rq != NULL) {
		if (rq->counted)
			client_out(sv, rq->ip);
		api_response_release(&rq->rs);
		dynbuf_release(&rq->body);
		free(rq);
		*con_cls = NULL;
	}
}

static int
usage(void)
{
	return collector_usage("serve", EXIT_USAGE);
}

/* A numeric option into *OUT within [LO, HI]; 0, or -1 (said). */
static int
number_opt(const char *name, const char *v, int64_t lo, int64_t hi,
    int64_t *out)
{
	if (parsenum(v, lo, hi, out) == 0)
		return 0;
	fprintf(stderr, "collector: --%s '%s' is not a number from %lld to "
	    "%lld\n", name, v, (long long)lo, (long long)hi);
	return -1;
}

int
server_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "db", required_argument, NULL, 'd' },
		{ "max-body", required_argument, NULL, 'm' },
		{ "request-deadline", required_argument, NULL, 'D' },
		{ "trusted-proxy", required_argument, NULL, 'P' },
		{ "phone-per-address", required_argument, NULL, 'a' },
		{ "phone-per-code", required_argument, NULL, 'c' },
		{ "phone-per-slot", required_argument, NULL, 's' },
		{ "threads", required_argument, NULL, 'T' },
		{ "workers", required_argument, NULL, 'W' },
		{ "queue", required_argument, NULL, 'Q' },
		{ "per-client", required_argument, NULL, 'C' },
		{ "max-connections", required_argument, NULL, 'M' },
		{ "read-db", required_argument, NULL, 'R' },
		{ NULL, 0, NULL, 0 }
	};
	const char *listen = "127.0.0.1:8080", *url = NULL, *colon;
	const char *proxy = NULL, *read_url = NULL;
	struct server sv;
	struct sockaddr_in sa;
	struct MHD_Daemon *mhd = NULL;
	const union MHD_DaemonInfo *info;
	char host[64];
	int64_t port, max = WIRE_MAX_BODY, deadline = 30;
	int64_t per_addr = API_PHONE_PER_ADDRESS, per_code = API_PHONE_PER_CODE;
	int64_t per_slot = API_PHONE_PER_SLOT;
	int64_t threads = 2, workers = 8, queue = 1024, per_client = 64;
	int64_t max_conn = 2048;
	int ch, rc = 1;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'l': listen = optarg; break;
		case 'd': url = optarg; break;
		case 'P': proxy = optarg; break;
		case 'R': read_url = optarg; break;
		case 'm':
			if (number_opt("max-body", optarg, 1024, 1LL << 30,
			    &max) != 0)
				return EXIT_USAGE;
			break;
		case 'D':
			if (number_opt("request-deadline", optarg, 1, 3600,
			    &deadline) != 0)
				return EXIT_USAGE;
			break;
		case 'a':
			if (number_opt("phone-per-address", optarg, 1, 1000000,
			    &per_addr) != 0)
				return EXIT_USAGE;
			break;
		case 'c':
			if (number_opt("phone-per-code", optarg, 1, 1000000,
			    &per_code) != 0)
				return EXIT_USAGE;
			break;
		case 's':
			if (number_opt("phone-per-slot", optarg, 1, 1000000,
			    &per_slot) != 0)
				return EXIT_USAGE;
			break;
		case 'T':
			if (number_opt("threads", optarg, 1, 64, &threads) != 0)
				return EXIT_USAGE;
			break;
		case 'W':
			if (number_opt("workers", optarg, 1, DB_MAX_CONNECTIONS,
			    &workers) != 0)
				return EXIT_USAGE;
			break;
		case 'Q':
			if (number_opt("queue", optarg, 1, 1000000, &queue) != 0)
				return EXIT_USAGE;
			break;
		case 'C':
			if (number_opt("per-client", optarg, 1, 100000,
			    &per_client) != 0)
				return EXIT_USAGE;
			break;
		case 'M':
			if (number_opt("max-connections", optarg, 16, 65536,
			    &max_conn) != 0)
				return EXIT_USAGE;
			break;
		default: return usage();
		}
	}
	if (url == NULL)
		url = collector_db_default();
	colon = strrchr(listen, ':');
	if (optind != argc || colon == NULL || (size_t)(colon - listen) >=
	    sizeof(host))
		return usage();
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	memcpy(host, listen, (size_t)(colon - listen));
	host[colon - listen] = '\0';
	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1 ||
	    parsenum(colon + 1, 0, 65535, &port) != 0) {
		fprintf(stderr, "collector: --listen wants an IPv4 address and "
		    "port, e.g. 127.0.0.1:8080\n");
		return EXIT_USAGE;
	}
	sa.sin_port = htons((uint16_t)port);
	memset(&sv, 0, sizeof(sv));
	if (proxy != NULL && inet_pton(AF_INET, proxy, &sv.proxy) != 1) {
		fprintf(stderr, "collector: --trusted-proxy wants the proxy's "
		    "IPv4 address, e.g. 127.0.0.1\n");
		return EXIT_USAGE;
	}
	sv.have_proxy = proxy != NULL;
	sv.max_body = (size_t)max;
	(void)datadir_path("web", sv.web_dir, sizeof(sv.web_dir));
	sv.cfg.web_dir = sv.web_dir;
	{
		char page[1100];

		/* Said now, to the operator, not later to every phone. */
		snprintf(page, sizeof(page), "%s/checkin.html", sv.web_dir);
		if (access(page, R_OK) != 0)
			log_error("the phone check-in page is not in '%s' (%s): "
			    "phones scanning the venue QR get an error page "
			    "until it is; install with `make install`, or set "
			    "KIOSK_ASSETS to the assets folder", sv.web_dir,
			    strerror(errno));
		snprintf(page, sizeof(page), "%s/vendor/libsodium.js",
		    sv.web_dir);
		if (access(page, R_OK) != 0)
			log_error("the web console's libraries are not in "
			    "'%s/vendor' (%s): its pages cannot draw charts or "
			    "open sealed fields; `make` puts them there (npm "
			    "and libjs-chart.js), `make install` installs them",
			    sv.web_dir, strerror(errno));
	}
	sv.cfg.phone_window_ms = 5 * 60 * 1000;
	sv.cfg.phone_per_address = per_addr;
	sv.cfg.phone_per_code = per_code;
	sv.cfg.phone_per_slot = per_slot;
	sv.per_client = (int)per_client;
	pthread_mutex_init(&sv.clients_lock, NULL);
	sv.cfg.limits = limit_new();
	sv.cfg.codes = codes_new();
	sv.watch = watch_new(deadline * 1000);
	if (sv.cfg.limits == NULL || sv.cfg.codes == NULL || sv.watch == NULL)
		goto out;
	/* A store connection for each worker. */
	sv.db = db_open_pool(url, (int)workers);
	if (sv.db == NULL)
		goto out;
	/* The key that signs the wards' pass lists (made once). */
	if (db_collector_key(sv.db, &sv.key, 1) != 0)
		goto out;
	sv.cfg.signing_key = &sv.key;
	/* Traces and reports from a standby, when one is given. */
	if (read_url != NULL &&
	    (sv.cfg.read_db = db_open_reader(read_url, (int)workers)) == NULL)
		goto out;
	sv.work = workq_new((int)workers, (size_t)queue);
	if (sv.work == NULL)
		goto out;
	/* Behind the proxy every client has its address: its own limits
	 * (deploy/nginx/) stand in for the per-address connection limit. */
	/* An epoll thread pool reads and writes; the store's work is the
	 * workers' (workq.h). */
	mhd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD |
	    MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG, 0,
	    NULL, NULL, handler, &sv,
	    MHD_OPTION_THREAD_POOL_SIZE, (unsigned)threads,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)max_conn,
	    MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)1024,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)(sv.have_proxy ? 0 :
	    64),
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
	    MHD_OPTION_NOTIFY_COMPLETED, completed, &sv,
	    MHD_OPTION_NOTIFY_CONNECTION, notify_connection, &sv,
	    MHD_OPTION_END);
	if (mhd == NULL) {
		log_error("cannot listen on %s: %s", listen, strerror(errno));
		goto out;
	}
	info = MHD_get_daemon_info(mhd, MHD_DAEMON_INFO_BIND_PORT);
	printf("collector: listening on http://%s:%u\n", host,
	    info ? info->port : ntohs(sa.sin_port));
	fflush(stdout);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	while (!stopping)
		pause();
	rc = 0;
out:
	/* No new connections; the work under way finishes, what waits is
	 * answered 503; then the server stops. */
	if (mhd != NULL)
		(void)MHD_quiesce_daemon(mhd);
	workq_free(sv.work);
	if (mhd != NULL)
		MHD_stop_daemon(mhd);
	watch_free(sv.watch);
	keys_wipe(&sv.key);
	limit_free(sv.cfg.limits);
	codes_free(sv.cfg.codes);
	db_close(sv.cfg.read_db);
	db_close(sv.db);
	return rc;
}
