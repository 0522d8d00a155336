/*
 * datadir: where the programs find their assets (UI strings, the web
 * pages, fonts, sounds), whether they run from the source tree, from
 * build/bin, or installed.
 */
#ifndef KIOSK_DATADIR_H
#define KIOSK_DATADIR_H

#include <stddef.h>

/*
 * datadir():
 * The assets folder: $KIOSK_ASSETS if set; else the assets/ of the source
 * tree the running program was built in (found by walking up from its
 * folder, for build/bin and build/asan/tests); else the installed
 * KIOSK_DATADIR, compiled in from PREFIX. Returns a static path.
 */
const char *datadir(void);

/*
 * datadir_path(sub, out, size):
 * datadir() followed by "/SUB" in OUT. Returns 0, or -1 when it does not
 * fit (OUT is then empty).
 */
int datadir_path(const char *sub, char *out, size_t size);

#endif
