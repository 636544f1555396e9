/*
 * Drop-in configuration files: an include names a directory and a glob(3) pattern for the
 * file names in it (e.g. all files ending in .conf in /etc/knockd/clients.d). The files are
 * returned sorted by name in byte order (not the locale's), so their order is the same everywhere;
 * each file is then read with the same checks as the main file (cfgfile.c), and the directory gets
 * them too.
 */
#include "dropin.h"

#include <errno.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cfgfile.h"
#include "pathtrust.h"

int dropin_check_pattern(const char *pattern, char *err, size_t errlen)
{
	const char *slash = strrchr(pattern, '/');

	if (pattern[0] != '/' || !slash || !slash[1]) {
		snprintf(err, errlen, "include '%s' is not an absolute path to files", pattern);
		return -1;
	}
	if (strcspn(pattern, "*?[") < (size_t)(slash - pattern)) {
		snprintf(err, errlen,
			 "include '%s': wildcards may appear only in the file name, not in "
			 "the directory",
			 pattern);
		return -1;
	}
	return 0;
}

static int check_dir(const char *pattern, char *err, size_t errlen)
{
	char dir[PATH_MAX], reason[CFG_ERRLEN];
	struct stat st;
	size_t n = (size_t)(strrchr(pattern, '/') - pattern);

	if (n >= sizeof(dir))
		n = sizeof(dir) - 1;
	memcpy(dir, pattern, n);
	dir[n] = '\0';
	if (!n)
		strcpy(dir, "/");
	if (pathtrust_dirs(dir, reason, sizeof(reason)) < 0) {
		snprintf(err, errlen, "include: %s", reason);
		return -1;
	}
	if (lstat(dir, &st) < 0) {
		snprintf(err, errlen, "include: %s: %s", dir, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "include: %s: not a directory%s", dir,
			 S_ISLNK(st.st_mode) ? " (a symbolic link: name the real path)" : "");
		return -1;
	}
	if (cfg_check_trusted(dir, &st, reason, sizeof(reason)) < 0) {
		snprintf(err, errlen, "include: %s", reason);
		return -1;
	}
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int dropin_list(const char *pattern, char ***paths, size_t *n, char *err, size_t errlen)
{
	glob_t g;
	int r, ret = -1;

	*paths = NULL;
	*n = 0;
	if (dropin_check_pattern(pattern, err, errlen) < 0 || check_dir(pattern, err, errlen) < 0)
		return -1;
	memset(&g, 0, sizeof(g));
	r = glob(pattern, GLOB_ERR | GLOB_NOSORT, NULL, &g);
	if (r == GLOB_NOMATCH) {
		ret = 0;
		goto out;
	}
	if (r != 0) {
		snprintf(err, errlen, "include '%s': %s", pattern,
			 r == GLOB_NOSPACE ? "out of memory" : "cannot read the directory");
		goto out;
	}
	if (g.gl_pathc > DROPIN_MAX) {
		snprintf(err, errlen, "include '%s': more than %d files", pattern, DROPIN_MAX);
		goto out;
	}
	*paths = calloc(g.gl_pathc + 1, sizeof(char *));
	for (size_t i = 0; *paths && i < g.gl_pathc; i++) {
		(*paths)[i] = strdup(g.gl_pathv[i]);
		if (!(*paths)[i])
			break;
		(*n)++;
	}
	if (!*paths || *n != g.gl_pathc) {
		dropin_free(*paths, *n);
		*paths = NULL;
		*n = 0;
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	qsort(*paths, *n, sizeof(char *), by_name);
	ret = 0;
out:
	globfree(&g);
	return ret;
}

void dropin_free(char **paths, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
}
