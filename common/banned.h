/*
 * banned.h: C library calls this project does not use, refused at compile
 * time (after git's banned.h). It is force-included before every source
 * file by the Makefile, so it first pulls in the headers that declare the
 * banned names; their include guards keep later includes harmless.
 *
 * Use snprintf (and check for truncation), memcpy with a known length,
 * strtol/strtoll with end-pointer checks, and localtime_r/gmtime_r.
 */
#ifndef KIOSK_BANNED_H
#define KIOSK_BANNED_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BANNED(func) sorry_##func##_is_a_banned_function

#undef strcpy
#define strcpy(x, y) BANNED(strcpy)
#undef strcat
#define strcat(x, y) BANNED(strcat)
#undef strncpy
#define strncpy(x, y, n) BANNED(strncpy)
#undef strncat
#define strncat(x, y, n) BANNED(strncat)
#undef sprintf
#define sprintf(...) BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) BANNED(vsprintf)
#undef gets
#define gets(x) BANNED(gets)
#undef atoi
#define atoi(x) BANNED(atoi)
#undef gmtime
#define gmtime(t) BANNED(gmtime)
#undef localtime
#define localtime(t) BANNED(localtime)
#undef ctime
#define ctime(t) BANNED(ctime)
#undef asctime
#define asctime(t) BANNED(asctime)

#endif
