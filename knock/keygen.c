/* knock keygen / knock pubkey: Ed25519 key files for clients and servers alike. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "keygen.h"
#include "keys.h"

#define DEFAULT_KEY "~/.config/knock/id"

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

/* Creates ~/.config/knock (0700) for the default key; an explicit path is taken as is. */
static int make_parents(const char *path)
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

int cmd_keygen(int argc, char **argv)
{
	char path[PATH_MAX], err[512], b64[KEY_B64_LEN];
	struct keypair kp;

	if (argc > 2) {
		fprintf(stderr, "usage: knock keygen [FILE]\n");
		return 1;
	}
	if (expand_home(argc == 2 ? argv[1] : DEFAULT_KEY, path, sizeof(path)) < 0)
		return 1;
	if (argc < 2 && make_parents(path) < 0)
		return 1;
	if (keys_generate_file(path, &kp, err, sizeof(err)) < 0) {
		fprintf(stderr, "knock: %s\n", err);
		return 1;
	}
	keys_format_public(kp.pk, b64);
	keys_wipe(&kp);
	printf("%s\n", b64);
	fprintf(stderr,
		"knock: private key written to %s (mode 0600); the line above is the "
		"public key\n",
		path);
	return 0;
}

int cmd_pubkey(int argc, char **argv)
{
	char path[PATH_MAX], err[512], b64[KEY_B64_LEN];
	struct keypair kp;

	if (argc > 2) {
		fprintf(stderr, "usage: knock pubkey [FILE]\n");
		return 1;
	}
	if (expand_home(argc == 2 ? argv[1] : DEFAULT_KEY, path, sizeof(path)) < 0)
		return 1;
	if (keys_read_private(path, &kp, err, sizeof(err)) < 0) {
		fprintf(stderr, "knock: %s\n", err);
		return 1;
	}
	keys_format_public(kp.pk, b64);
	keys_wipe(&kp);
	printf("%s\n", b64);
	return 0;
}
