/*
 * server: the collector's HTTP server (libmicrohttpd) carrying the API
 * (api.h): listening, request bodies within a limit, connection limits,
 * and the answer's headers. `collector serve` is this.
 */
#ifndef KIOSK_SERVER_H
#define KIOSK_SERVER_H

/*
 * server_main(argc, argv):
 * collector serve --listen ADDR:PORT --db URL [--max-body BYTES]: serve
 * until SIGTERM or SIGINT. Returns the exit code.
 */
int server_main(int argc, char **argv);

#endif
