/* knock keygen / knock pubkey: Ed25519 key files for clients and servers alike. */
#include <limits.h>
#include <stdio.h>

#include "home.h"
#include "keygen.h"
#include "keys.h"

#define DEFAULT_KEY "~/.config/knock/id"

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
	if (argc < 2 && home_make_parents(path) < 0)
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
