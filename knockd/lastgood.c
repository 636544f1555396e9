/*
 * The last-good configuration: state_dir/last-good.conf holds the text of the main file and
 * of every drop-in of the last configuration that loaded (config_load_keep's format), written
 * atomically by the rule writer through a directory descriptor it opened before its sandbox.
 * At start, when the configuration does not load, main.c starts on it instead.
 */
#include "lastgood.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfgfile.h"
#include "log.h"

#define TMP_FILE LASTGOOD_FILE ".new"

/* One line of the main file: a [section] changes *in_knockd; state_dir = VALUE copies it. */
static void scan_line(const char *s, size_t n, int *in_knockd, char *out, size_t len)
{
	const char *v;

	while (n && (*s == ' ' || *s == '\t'))
		s++, n--;
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		n--;
	if (n && *s == '[') {
		*in_knockd = n >= 8 && strncmp(s, "[knockd]", 8) == 0;
		return;
	}
	if (!*in_knockd || n < 10 || strncmp(s, "state_dir", 9) != 0)
		return;
	v = memchr(s, '=', n);
	if (!v || strspn(s + 9, " \t") != (size_t)(v - s - 9))
		return;
	n -= (size_t)(v + 1 - s);
	for (v++; n && (*v == ' ' || *v == '\t'); v++)
		n--;
	for (size_t i = 0; i + 1 < n; i++) /* an inline comment */
		if ((v[i] == ' ' || v[i] == '\t') && v[i + 1] == ';') {
			n = i;
			break;
		}
	while (n && (v[n - 1] == ' ' || v[n - 1] == '\t'))
		n--;
	if (n && *v == '/' && n < len)
		snprintf(out, len, "%.*s", (int)n, v);
}

void lastgood_state_dir(const char *conf, char *out, size_t len)
{
	struct config def;
	char *text = NULL, err[CFG_ERRLEN];
	size_t tlen, at = 0;
	int in_knockd = 0;

	config_defaults(&def, conf);
	snprintf(out, len, "%s", def.state_dir);
	config_free(&def);
	if (cfg_read_trusted(conf, &text, &tlen, err, sizeof(err)) < 0)
		return;
	while (at < tlen) {
		const char *nl = memchr(text + at, '\n', tlen - at);
		size_t n = nl ? (size_t)(nl - (text + at)) : tlen - at;

		scan_line(text + at, n, &in_knockd, out, len);
		at += n + 1;
	}
	free(text);
}

int lastgood_load(struct config *c, const char *conf, char *path, size_t pathlen, char *err,
		  size_t errlen)
{
	char dir[PATH_MAX], *text = NULL;
	size_t len;
	int r;

	lastgood_state_dir(conf, dir, sizeof(dir));
	snprintf(path, pathlen, "%s/%s", dir, LASTGOOD_FILE);
	if (cfg_read_trusted(path, &text, &len, err, errlen) < 0)
		return -1;
	r = config_load_text(c, path, text, len, err, errlen);
	free(text);
	return r;
}

int lastgood_open_dir(const char *state_dir, char *err, size_t errlen)
{
	int fd = open(state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0)
		snprintf(err, errlen, "state_dir %s: %s", state_dir, strerror(errno));
	return fd;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

int lastgood_save(int dirfd, const struct config_text *t, char *err, size_t errlen)
{
	int fd, ret = -1;

	if (t->len > CFG_MAX_FILE) {
		snprintf(err, errlen, "%zu bytes: more than %d", t->len, CFG_MAX_FILE);
		return -1;
	}
	fd = openat(dirfd, TMP_FILE, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", TMP_FILE, strerror(errno));
		return -1;
	}
	if (write_all(fd, t->buf, t->len) < 0 || fsync(fd) < 0)
		snprintf(err, errlen, "%s: %s", TMP_FILE, strerror(errno ? errno : EIO));
	else if (renameat(dirfd, TMP_FILE, dirfd, LASTGOOD_FILE) < 0)
		snprintf(err, errlen, "%s: rename: %s", LASTGOOD_FILE, strerror(errno));
	else
		ret = 0;
	close(fd);
	if (ret == 0)
		(void)fsync(dirfd); /* the rename, on disk */
	return ret;
}

void lastgood_keep(int dirfd, struct config_text *t)
{
	char err[256];

	if (dirfd >= 0 && t->buf && lastgood_save(dirfd, t, err, sizeof(err)) < 0)
		log_warn("the last-good copy of the configuration was not saved: %s", err);
	config_text_free(t);
}
