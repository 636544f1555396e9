/*
 * INI reading on top of inih with line numbers: a pure parse of an in-memory text (so it
 * can be fuzzed) plus a bounded file reader. Errors come out as "file:line: reason".
 *
 * Debian's inih is built without INI_HANDLER_LINENO, so we feed it through our own line
 * reader, which counts lines, refuses over-long lines instead of letting inih split them,
 * and reports section headers itself (inih never calls back for an empty section).
 */
#include "cfgfile.h"

#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pathtrust.h"

struct reader {
	const struct cfg_parser *p;
	const char *text;
	size_t len, pos;
	int line;
	int err_line;      /* first error seen by us, 0 = none */
	char last_key[64]; /* of this section: what inih would continue, "" = none */
	char *err;
	size_t errlen;
};

void cfg_errorf(char *err, size_t errlen, const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(err, errlen, "%s:%d: ", file, line);
	if (n < 0 || (size_t)n >= errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
	va_end(ap);
}

static void fail(struct reader *r, const char *reason)
{
	if (r->err_line)
		return;
	r->err_line = r->line;
	cfg_errorf(r->err, r->errlen, r->p->file, r->line, "%s", reason);
}

static void maybe_section(struct reader *r, const char *line)
{
	char name[256], reason[256] = "";
	const char *end;
	size_t n;

	while (*line == ' ' || *line == '\t')
		line++;
	if (*line != '[')
		return;
	end = strchr(line, ']');
	if (!end)
		return; /* inih reports it as a syntax error */
	n = (size_t)(end - line - 1);
	if (n >= sizeof(name)) {
		fail(r, "section name too long");
		return;
	}
	memcpy(name, line + 1, n);
	name[n] = '\0';
	r->last_key[0] = '\0';
	if (r->p->section(r->p->user, name, r->line, reason, sizeof(reason)) < 0)
		fail(r, reason);
}

/* inih reads an indented line after a key as more of that key's value (a continuation):
 * "  ports = 22" would land in the previous key. Say so, at the indented line. */
static void maybe_continuation(struct reader *r, const char *line)
{
	const char *s = line + strspn(line, " \t");
	char reason[256];

	if (s == line || !*r->last_key || strchr(";#\r\n", *s))
		return;
	snprintf(reason, sizeof(reason),
		 "indented line: indentation continues the value of '%s' on the line before; "
		 "remove the leading whitespace",
		 r->last_key);
	fail(r, reason);
}

static char *read_line(char *buf, int size, void *stream)
{
	struct reader *r = stream;
	size_t n = 0;

	if (r->pos >= r->len)
		return NULL;
	r->line++;
	while (r->pos < r->len && r->text[r->pos] != '\n') {
		char c = r->text[r->pos++];

		if (c == '\0')
			fail(r, "NUL byte in configuration");
		if (n + 2 < (size_t)size)
			buf[n++] = c;
		else
			fail(r, "line too long");
	}
	if (r->pos < r->len)
		r->pos++; /* the newline */
	buf[n++] = '\n';
	buf[n] = '\0';
	maybe_continuation(r, buf);
	maybe_section(r, buf);
	return buf;
}

static int on_key(void *user, const char *section, const char *key, const char *value)
{
	struct reader *r = user;
	char reason[256] = "";

	(void)section; /* tracked through the section callback, with its line */
	snprintf(r->last_key, sizeof(r->last_key), "%s", key);
	if (r->err_line)
		return 1; /* report only the first error */
	if (r->p->key(r->p->user, key, value, r->line, reason, sizeof(reason)) < 0)
		fail(r, reason);
	return 1;
}

int cfg_parse_text(const struct cfg_parser *p, const char *text, size_t len, char *err,
		   size_t errlen)
{
	struct reader r = {.p = p, .text = text, .len = len, .err = err, .errlen = errlen};
	int ret;

	ret = ini_parse_stream(read_line, &r, on_key, &r);
	if (ret < 0) {
		snprintf(err, errlen, "%s: cannot parse", p->file);
		return -1;
	}
	if (ret > 0 && (!r.err_line || ret < r.err_line)) {
		cfg_errorf(err, errlen, p->file, ret,
			   "syntax error (want [section] or key = value)");
		return -1;
	}
	return r.err_line ? -1 : 0;
}

int cfg_check_trusted(const char *path, const struct stat *st, char *err, size_t errlen)
{
	if (st->st_uid != 0 && st->st_uid != geteuid()) {
		snprintf(err, errlen, "%s: owned by uid %u, neither root nor us (uid %u): refused",
			 path, (unsigned)st->st_uid, (unsigned)geteuid());
		return -1;
	}
	if (st->st_mode & (S_IWGRP | S_IWOTH)) {
		snprintf(err, errlen,
			 "%s: writable by group or others (mode %04o): refused; run chmod go-w %s",
			 path, (unsigned)(st->st_mode & 07777), path);
		return -1;
	}
	return 0;
}

static int read_file(const char *path, int trusted, char **text, size_t *len, char *err,
		     size_t errlen)
{
	struct stat st;
	char *buf = NULL;
	ssize_t n;
	int fd, ret = -1;

	/* who could have swapped it, then its type, before anything opens it */
	if (trusted && pathtrust_dirs(path, err, errlen) < 0)
		return -1;
	fd = pathtrust_open(path, trusted, &st, err, errlen); /* trusted: no symbolic link */
	if (fd < 0)
		goto out;
	if (st.st_size > CFG_MAX_FILE) {
		snprintf(err, errlen, "%s: not a regular file of at most %d bytes", path,
			 CFG_MAX_FILE);
		goto out;
	}
	if (trusted && cfg_check_trusted(path, &st, err, errlen) < 0)
		goto out;
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto out;
	}
	n = read(fd, buf, (size_t)st.st_size);
	if (n != st.st_size) {
		snprintf(err, errlen, "%s: short read", path);
		goto out;
	}
	buf[n] = '\0';
	*text = buf;
	*len = (size_t)n;
	buf = NULL;
	ret = 0;
out:
	free(buf);
	if (fd >= 0)
		close(fd);
	return ret;
}

int cfg_read_file(const char *path, char **text, size_t *len, char *err, size_t errlen)
{
	return read_file(path, 0, text, len, err, errlen);
}

int cfg_read_trusted(const char *path, char **text, size_t *len, char *err, size_t errlen)
{
	return read_file(path, 1, text, len, err, errlen);
}
