/*
 * fileio: bounded reads and atomic writes. See fileio.h.
 */
#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

char *
fileio_read(const char *path, size_t max, size_t *out_len)
{
	struct stat st;
	char *buf;
	size_t got = 0;
	ssize_t n;
	int fd, saved;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		saved = errno;
		log_error("cannot open '%s': %s", path, strerror(errno));
		errno = saved;
		return NULL;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		log_error("'%s' is not a regular file", path);
		goto err0;
	}
	if ((size_t)st.st_size > max) {
		log_error("'%s' is larger than %zu bytes", path, max);
		errno = EFBIG;
		goto err0;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL)
		goto err0;
	while (got < (size_t)st.st_size) {
		n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	if (got != (size_t)st.st_size) {
		log_error("cannot read '%s': %s", path,
		    got < (size_t)st.st_size ? "short read" : strerror(errno));
		goto err1;
	}
	close(fd);
	buf[got] = '\0';
	if (out_len != NULL)
		*out_len = got;
	return buf;

err1:
	free(buf);
err0:
	saved = errno;
	close(fd);
	errno = saved;
	return NULL;
}

int
fileio_dirname(const char *path, char *buf, size_t size)
{
	const char *slash = strrchr(path, '/');
	size_t n;
	int r;

	if (slash == NULL) {
		r = snprintf(buf, size, ".");
		return (r < 0 || (size_t)r >= size) ? -1 : 0;
	}
	n = (size_t)(slash - path);
	if (n == 0)
		n = 1;			/* "/file" lives in "/" */
	if (n >= size)
		return -1;
	memcpy(buf, path, n);
	buf[n] = '\0';
	return 0;
}

int
fileio_sibling(const char *path, const char *name, char *buf, size_t size)
{
	char dir[4096];
	int r;

	if (fileio_dirname(path, dir, sizeof(dir)) != 0)
		return -1;
	r = snprintf(buf, size, "%s/%s", dir, name);
	return (r < 0 || (size_t)r >= size) ? -1 : 0;
}

int
fileio_write_atomic(const char *path, const void *data, size_t len,
    mode_t mode)
{
	char tmp[4096], dir[4096];
	const char *p = data;
	size_t done = 0;
	ssize_t n;
	int fd, dfd, r;

	r = snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
	if (r < 0 || (size_t)r >= sizeof(tmp) ||
	    fileio_dirname(path, dir, sizeof(dir)) != 0) {
		log_error("path too long: '%s'", path);
		return -1;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0) {
		log_error("cannot create '%s': %s", tmp, strerror(errno));
		return -1;
	}
	/* The umask must not widen or narrow what the caller asked for. */
	if (fchmod(fd, mode) != 0)
		goto err1;
	while (done < len) {
		n = write(fd, p + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto err1;
		done += (size_t)n;
	}
	if (fsync(fd) != 0)
		goto err1;
	if (close(fd) != 0) {
		fd = -1;
		goto err1;
	}
	fd = -1;
	if (rename(tmp, path) != 0)
		goto err1;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		(void)fsync(dfd);
		close(dfd);
	}
	return 0;

err1:
	log_error("cannot write '%s': %s", path, strerror(errno));
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return -1;
}

FILE *
fileio_create_private(const char *path)
{
	FILE *f;
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		log_error("cannot create '%s': %s", path, strerror(errno));
		return NULL;
	}
	if (fchmod(fd, 0600) != 0 || (f = fdopen(fd, "w")) == NULL) {
		log_error("cannot write '%s': %s", path, strerror(errno));
		close(fd);
		return NULL;
	}
	return f;
}

int
fileio_mkdirs(const char *path, mode_t mode)
{
	char buf[4096];
	size_t i, n = strlen(path);

	if (n == 0 || n >= sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(buf, path, n + 1);
	for (i = 1; i <= n; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		buf[i] = '\0';
		if (mkdir(buf, mode) != 0 && errno != EEXIST)
			return -1;
		buf[i] = path[i];
	}
	return 0;
}

int
fileio_create_if_missing(const char *path, const char *text)
{
	if (access(path, F_OK) == 0)
		return 0;
	return fileio_write_atomic(path, text, strlen(text), 0600);
}
