/*
 * fileio: whole small files read with a size limit, and written so that a
 * power cut leaves either the old file or the new one, never a torn one.
 */
#ifndef KIOSK_FILEIO_H
#define KIOSK_FILEIO_H

#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

/*
 * fileio_read(path, max, out_len):
 * Read the whole of PATH, at most MAX bytes, into a new NUL-terminated
 * buffer; *OUT_LEN (if not NULL) gets its length. Returns the buffer, which
 * the caller owns and frees, or NULL with a logged reason (missing file,
 * larger than MAX, read error). errno is left as the failure set it.
 */
char *fileio_read(const char *path, size_t max, size_t *out_len);

/*
 * fileio_create_if_missing(path, text): PATH with TEXT (mode 0600,
 * fileio_write_atomic) when there is no such file; one there is kept.
 * Returns 0, or -1 with a logged reason.
 */
int fileio_create_if_missing(const char *path, const char *text);

/*
 * fileio_write_atomic(path, data, len, mode):
 * Write DATA to PATH with permission MODE: a temporary file in the same
 * folder is written, fsync'd and renamed over PATH, then the folder is
 * fsync'd. Returns 0, or -1 with a logged reason.
 */
int fileio_write_atomic(const char *path, const void *data, size_t len,
    mode_t mode);

/*
 * fileio_create_private(path):
 * Create (or empty) PATH for writing, readable by its owner only (0600,
 * also when it was there before with wider permissions), as a stdio
 * stream the caller closes. Returns NULL with a logged reason.
 */
FILE *fileio_create_private(const char *path);

/*
 * fileio_dirname(path, buf, size):
 * Copy the folder part of PATH ("." when there is none) into BUF.
 * Returns 0, or -1 if BUF is too small.
 */
int fileio_dirname(const char *path, char *buf, size_t size);

/*
 * fileio_mkdirs(path, mode): make the folder PATH and those above it that
 * are missing, each with MODE. Returns 0 (made, or there already), or -1
 * with errno set.
 */
int fileio_mkdirs(const char *path, mode_t mode);

/*
 * fileio_sibling(path, name, buf, size):
 * Build the path of NAME in the same folder as PATH.
 * Returns 0, or -1 if BUF is too small.
 */
int fileio_sibling(const char *path, const char *name, char *buf, size_t size);

#endif
