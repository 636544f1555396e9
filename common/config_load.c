/*
 * Reading knockd.conf: the main file and its drop-ins through cfgfile, each line handed to
 * the key tables (config_keys.c), then the whole validated (config.c).
 */
#include "config_load.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cfgfile.h"
#include "config_keys.h"
#include "dropin.h"
#include "pathtrust.h"

static int parse_file(struct config *c, struct config_pstate *st, const char *file,
		      const char *text, size_t len, char *err, size_t errlen)
{
	struct cfg_parser p = {
	    .file = file, .section = config_on_section, .key = config_on_key, .user = st};

	st->kind = 0;
	st->seen = 0;
	st->c = c;
	return cfg_parse_text(&p, text, len, err, errlen);
}

int config_parse(struct config *c, const char *file, const char *text, size_t len, char *err,
		 size_t errlen)
{
	struct config_pstate st;

	config_defaults(c, file);
	memset(&st, 0, sizeof(st));
	if (parse_file(c, &st, file, text, len, err, errlen) < 0 ||
	    config_validate(c, err, errlen) < 0) {
		config_free(c);
		return -1;
	}
	return 0;
}

/* Names the next file c->files[c->nfiles] (the main one, or a drop-in). */
static int add_file(struct config *c, struct config_pstate *st, const char *name, char *err,
		    size_t errlen)
{
	char **files = realloc(c->files, (c->nfiles + 1) * sizeof(*files));

	if (!files || !(files[c->nfiles] = strdup(name))) {
		if (files)
			c->files = files;
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	c->files = files;
	st->file = (int)c->nfiles++;
	return 0;
}

/* A copy of every file read, for the last-good copy (lastgood.c): a header line each. */
static int keep_text(struct config_text *keep, const char *path, const char *text, size_t len)
{
	char head[PATH_MAX + 64];
	int n = snprintf(head, sizeof(head), CONFIG_TEXT_PART "%zu %s\n", len, path);
	char *buf;

	if (!keep)
		return 0;
	buf = realloc(keep->buf, keep->len + (size_t)n + len + 1);
	if (!buf)
		return -1;
	memcpy(buf + keep->len, head, (size_t)n);
	memcpy(buf + keep->len + (size_t)n, text, len);
	keep->len += (size_t)n + len;
	buf[keep->len] = '\0';
	keep->buf = buf;
	return 0;
}

/* Reads one file (the main one, or a drop-in) into c, as file number c->nfiles. */
static int load_file(struct config *c, struct config_pstate *st, const char *path,
		     struct config_text *keep, char *err, size_t errlen)
{
	char *text = NULL, reason[CFG_ERRLEN];
	size_t len;
	int ret = -1;

	if (add_file(c, st, path, err, errlen) < 0)
		return -1;
	if (cfg_read_trusted(path, &text, &len, reason, sizeof(reason)) < 0) {
		/* a drop-in's problem also names the include that brought it in */
		if (st->file)
			cfg_errorf(err, errlen, c->file, c->include_line, "include: %s", reason);
		else
			snprintf(err, errlen, "%s", reason);
		goto out;
	}
	ret = parse_file(c, st, path, text, len, err, errlen);
	if (ret == 0 && keep_text(keep, path, text, len) < 0) {
		snprintf(err, errlen, "out of memory");
		ret = -1;
	}
out:
	free(text);
	return ret;
}

/* The drop-in files, in name order, after the whole main file (so its include line may
 * come anywhere in [knockd]); a problem with the directory is reported at that line. */
static int load_dropins(struct config *c, struct config_pstate *st, struct config_text *keep,
			char *err, size_t errlen)
{
	char reason[CFG_ERRLEN], **paths;
	size_t n;
	int ret = 0;

	if (dropin_list(c->include, &paths, &n, reason, sizeof(reason)) < 0) {
		cfg_errorf(err, errlen, c->file, c->include_line, "%s", reason);
		return -1;
	}
	for (size_t i = 0; i < n && ret == 0; i++)
		ret = load_file(c, st, paths[i], keep, err, errlen);
	dropin_free(paths, n);
	return ret;
}

/* The server key's directories, and its type before anything opens it (a FIFO would block
 * the open; a missing file is reported where the key is read). */
static int check_key_path(const struct config *c, char *err, size_t errlen)
{
	char reason[CFG_ERRLEN];
	struct stat st;

	if (pathtrust_dirs(c->private_key, reason, sizeof(reason)) < 0) {
		snprintf(err, errlen, "%s: private_key: %s", c->file, reason);
		return -1;
	}
	if (lstat(c->private_key, &st) == 0 && !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: private_key: %s: not a regular file%s", c->file,
			 c->private_key,
			 S_ISFIFO(st.st_mode)  ? " (a FIFO)"
			 : S_ISLNK(st.st_mode) ? " (a symbolic link)"
					       : "");
		return -1;
	}
	return 0;
}

int config_load_keep(struct config *c, const char *path, struct config_text *keep, char *err,
		     size_t errlen)
{
	struct config_pstate st;

	config_defaults(c, path);
	memset(&st, 0, sizeof(st));
	if (load_file(c, &st, path, keep, err, errlen) < 0 ||
	    (c->include[0] && load_dropins(c, &st, keep, err, errlen) < 0) ||
	    config_validate(c, err, errlen) < 0 || check_key_path(c, err, errlen) < 0) {
		config_free(c);
		config_text_free(keep);
		return -1;
	}
	return 0;
}

int config_load(struct config *c, const char *path, char *err, size_t errlen)
{
	return config_load_keep(c, path, NULL, err, errlen);
}

/* One part of a saved copy: "PART LEN PATH\n" then LEN bytes; *at moves past it. */
static int next_part(const char *text, size_t len, size_t *at, const char **path, size_t *plen,
		     const char **body, size_t *blen)
{
	const char *p = text + *at, *nl = memchr(p, '\n', len - *at);
	size_t tag = strlen(CONFIG_TEXT_PART);
	char *end;
	unsigned long long n;

	if (!nl || (size_t)(nl - p) <= tag || strncmp(p, CONFIG_TEXT_PART, tag) != 0)
		return -1;
	n = strtoull(p + tag, &end, 10);
	if (end == p + tag || *end != ' ' || end + 1 >= nl || n > len - (size_t)(nl + 1 - text))
		return -1;
	*path = end + 1;
	*plen = (size_t)(nl - *path);
	*body = nl + 1;
	*blen = (size_t)n;
	*at = (size_t)(nl + 1 - text) + (size_t)n;
	return 0;
}

int config_load_text(struct config *c, const char *name, const char *text, size_t len, char *err,
		     size_t errlen)
{
	char part[PATH_MAX + 64];
	const char *path, *body;
	size_t at = 0, plen, blen;
	struct config_pstate st;
	int ret = 0;

	config_defaults(c, name);
	memset(&st, 0, sizeof(st));
	for (int i = 0; ret == 0 && (at < len || i == 0); i++) {
		if (next_part(text, len, &at, &path, &plen, &body, &blen) < 0 || plen >= PATH_MAX) {
			snprintf(err, errlen, "%s: damaged (part %d)", name, i + 1);
			ret = -1;
			break;
		}
		/* messages name the saved copy and the file it came from, at its lines */
		snprintf(part, sizeof(part), "%s[%.*s]", name, (int)plen, path);
		if (i == 0 && strlen(part) < sizeof(c->file))
			memcpy(c->file, part, strlen(part) + 1);
		ret = add_file(c, &st, part, err, errlen);
		if (ret == 0)
			ret = parse_file(c, &st, part, body, blen, err, errlen);
	}
	if (ret < 0 || config_validate(c, err, errlen) < 0 || check_key_path(c, err, errlen) < 0) {
		config_free(c);
		return -1;
	}
	return 0;
}

void config_text_free(struct config_text *t)
{
	if (!t)
		return;
	free(t->buf);
	t->buf = NULL;
	t->len = 0;
}
