/*
 * harden: see harden.h.
 */
#include "harden.h"

#include <errno.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "log.h"

void
harden_process(void)
{
	struct rlimit none = { 0, 0 };

	umask(077);
	if (setrlimit(RLIMIT_CORE, &none) != 0)
		log_warn("cannot turn core dumps off: %s", strerror(errno));
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
		log_warn("cannot make the process undumpable: %s",
		    strerror(errno));
}

int
harden_dumpable(void)
{
	struct rlimit rl;

	if (prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 0)
		return 1;
	return getrlimit(RLIMIT_CORE, &rl) != 0 || rl.rlim_cur != 0;
}
