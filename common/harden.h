/*
 * harden: what every program that handles visitors' data does first.
 * A core dump of the kiosk held a visitor's name and address many times
 * over; a visits.db made under the default umask was readable by every
 * user of the machine. This turns both off for the process and what it
 * creates; it does not encrypt anything (the sealed fields are seal.h's).
 */
#ifndef KIOSK_HARDEN_H
#define KIOSK_HARDEN_H

/*
 * harden_process():
 * No core dumps (RLIMIT_CORE 0, and not dumpable: no core, no ptrace or
 * /proc/PID/mem by other processes of the same user), and files and
 * folders this process creates are private whatever the umask it was
 * started with (umask 077: files 0600, folders 0700). Cannot fail in a
 * way the caller could act on; a refusal by the kernel is logged.
 */
void harden_process(void);

/* harden_dumpable(): 1 when the process may still dump core, else 0. */
int harden_dumpable(void);

#endif
