/*
 * datadir: the assets folder. See datadir.h.
 */
#include "datadir.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int
is_dir(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

const char *
datadir(void)
{
	static char dir[PATH_MAX];
	char exe[PATH_MAX], *slash;
	const char *env = getenv("KIOSK_ASSETS");
	ssize_t n;
	int r, up;

	if (env != NULL && *env != '\0') {
		r = snprintf(dir, sizeof(dir), "%s", env);
		if (r > 0 && (size_t)r < sizeof(dir))
			return dir;
	}
	/* A program in the source tree (build/bin, build/asan/tests, ...):
	 * an assets/ folder with the UI strings, up to four levels up. */
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		for (up = 0; up < 4; up++) {
			slash = strrchr(exe, '/');
			if (slash == NULL)
				break;
			*slash = '\0';
			r = snprintf(dir, sizeof(dir), "%s/assets/strings",
			    exe);
			if (r > 0 && (size_t)r < sizeof(dir) && is_dir(dir)) {
				dir[strlen(dir) - strlen("/strings")] = '\0';
				return dir;
			}
		}
	}
	snprintf(dir, sizeof(dir), "%s", KIOSK_DATADIR);
	return dir;
}

int
datadir_path(const char *sub, char *out, size_t size)
{
	int r = snprintf(out, size, "%s/%s", datadir(), sub);

	if (r < 0 || (size_t)r >= size) {
		if (size > 0)
			out[0] = '\0';
		return -1;
	}
	return 0;
}
