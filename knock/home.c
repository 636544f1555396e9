/* "~/" is $HOME on POSIX systems; the Windows counterpart is knock/win/home_win.c. */
#include "home.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int expand_home(const char *path, char *out, size_t outlen)
{
	const char *home = getenv("HOME");
	int n;

	if (strncmp(path, "~/", 2)) {
		n = snprintf(out, outlen, "%s", path);
	} else {
		if (!home || !*home) {
			fprintf(stderr, "knock: cannot expand %s: HOME is not set\n", path);
			return -1;
		}
		n = snprintf(out, outlen, "%s/%s", home, path + 2);
	}
	return (n < 0 || (size_t)n >= outlen) ? -1 : 0;
}

int home_make_parents(const char *path)
{
	char dir[PATH_MAX];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	for (slash = strchr(dir + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
			fprintf(stderr, "knock: %s: %s\n", dir, strerror(errno));
			return -1;
		}
		*slash = '/';
	}
	return 0;
}
