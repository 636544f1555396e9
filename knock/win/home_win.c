/*
 * "~/" on Windows: "~/.config/knock/" (the default key and knock.conf) is %APPDATA%\knock\,
 * any other "~/" is %USERPROFILE%\.
 */
#include "home.h"

#include <windows.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KNOCK_DIR "~/.config/knock/"

int expand_home(const char *path, char *out, size_t outlen)
{
	int knockdir = !strncmp(path, KNOCK_DIR, strlen(KNOCK_DIR));
	const char *var = knockdir ? "APPDATA" : "USERPROFILE";
	const char *base = getenv(var);
	int n;

	if (strncmp(path, "~/", 2)) {
		n = snprintf(out, outlen, "%s", path);
	} else if (!base || !*base) {
		fprintf(stderr, "knock: cannot expand %s: %%%s%% is not set\n", path, var);
		return -1;
	} else if (knockdir) {
		n = snprintf(out, outlen, "%s\\knock\\%s", base, path + strlen(KNOCK_DIR));
	} else {
		n = snprintf(out, outlen, "%s\\%s", base, path + 2);
	}
	for (char *p = out; n > 0 && (size_t)n < outlen && *p; p++)
		if (*p == '/')
			*p = '\\';
	return (n < 0 || (size_t)n >= outlen) ? -1 : 0;
}

/* Each directory above path past the drive ("C:\") or share, made if missing. */
int home_make_parents(const char *path)
{
	char dir[MAX_PATH];
	size_t start = path[0] && path[1] == ':' ? 3 : 2;

	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
		return -1;
	for (size_t i = start; i < strlen(dir); i++) {
		if (dir[i] != '\\' && dir[i] != '/')
			continue;
		dir[i] = '\0';
		if (!CreateDirectoryA(dir, NULL) && GetLastError() != ERROR_ALREADY_EXISTS) {
			fprintf(stderr, "knock: %s: cannot create (error %lu)\n", dir,
				(unsigned long)GetLastError());
			return -1;
		}
		dir[i] = '\\';
	}
	return 0;
}
