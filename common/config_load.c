/*
 * Reading knockd.conf: the main file and its drop-ins through cfgfile, each line handed to
 * the key tables (config_keys.c), then the whole validated (config.c).
 */
#include "config_load.h"

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

/* Reads one file (the main one, or a drop-in) into c, as file number c->nfiles. */
static int load_file(struct config *c, struct config_pstate *st, const char *path, char *err,
		     size_t errlen)
{
	char **files, *text = NULL, reason[CFG_ERRLEN];
	size_t len;
	int ret = -1;

	files = realloc(c->files, (c->nfiles + 1) * sizeof(*files));
	if (!files || !(files[c->nfiles] = strdup(path))) {
		if (files)
			c->files = files;
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	c->files = files;
	st->file = (int)c->nfiles++;
	if (cfg_read_trusted(path, &text, &len, reason, sizeof(reason)) < 0) {
		/* a drop-in's problem also names the include that brought it in */
		if (st->file)
			cfg_errorf(err, errlen, c->file, c->include_line, "include: %s", reason);
		else
			snprintf(err, errlen, "%s", reason);
		goto out;
	}
	ret = parse_file(c, st, path, text, len, err, errlen);
out:
	free(text);
	return ret;
}

/* The drop-in files, in name order, after the whole main file (so its include line may
 * come anywhere in [knockd]); a problem with the directory is reported at that line. */
static int load_dropins(struct config *c, struct config_pstate *st, char *err, size_t errlen)
{
	char reason[CFG_ERRLEN], **paths;
	size_t n;
	int ret = 0;

	if (dropin_list(c->include, &paths, &n, reason, sizeof(reason)) < 0) {
		cfg_errorf(err, errlen, c->file, c->include_line, "%s", reason);
		return -1;
	}
	for (size_t i = 0; i < n && ret == 0; i++)
		ret = load_file(c, st, paths[i], err, errlen);
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

int config_load(struct config *c, const char *path, char *err, size_t errlen)
{
	struct config_pstate st;

	config_defaults(c, path);
	memset(&st, 0, sizeof(st));
	if (load_file(c, &st, path, err, errlen) < 0 ||
	    (c->include[0] && load_dropins(c, &st, err, errlen) < 0) ||
	    config_validate(c, err, errlen) < 0 || check_key_path(c, err, errlen) < 0) {
		config_free(c);
		return -1;
	}
	return 0;
}
