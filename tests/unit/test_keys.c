/* Key files: created 0600, read back, refused when group/other can read them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "keys.h"
#include "knownkeys.h"
#include "tap.h"

/* The knock-protocol(7) vector seeds (32 x 0x01, 32 x 0x02): refused as key files, and
 * their public keys are known; a fresh key is not. */
static void published_keys(const char *path)
{
	static const char *const seeds[] = {"AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=",
					    "AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI="};
	uint8_t seed[32], pk[32], sk[64];
	struct keypair kp;
	char err[512];
	FILE *f;

	for (int i = 0; i < 2; i++) {
		memset(seed, i + 1, sizeof(seed));
		crypto_sign_seed_keypair(pk, sk, seed);
		ok(knownkeys_published(pk) != NULL, "seed 32 x 0x0%d: published key", i + 1);
		f = fopen(path, "w");
		fprintf(f, "%s\n", seeds[i]);
		fclose(f);
		chmod(path, 0600);
		ok(keys_read_private(path, &kp, err, sizeof(err)) < 0 &&
		       strstr(err, "test-vector") && strstr(err, "knock keygen"),
		   "key file with seed 0x0%d refused: %s", i + 1, err);
		unlink(path);
	}
	ok(keys_generate_file(path, &kp, err, sizeof(err)) == 0 && !knownkeys_published(kp.pk) &&
	       keys_read_private(path, &kp, err, sizeof(err)) == 0,
	   "a fresh key is not a published one (positive control)");
	unlink(path);
}

int main(void)
{
	char dir[] = "/tmp/knockkeys.XXXXXX", path[128], err[512], b64[KEY_B64_LEN];
	struct keypair kp, back;
	struct stat st;
	uint8_t pk[32];
	FILE *f;

	if (sodium_init() < 0 || !mkdtemp(dir))
		return 1;
	snprintf(path, sizeof(path), "%s/id", dir);
	ok(keys_generate_file(path, &kp, err, sizeof(err)) == 0, "keygen writes %s", path);
	ok(stat(path, &st) == 0 && (st.st_mode & 07777) == 0600, "created with mode 0600");
	ok(keys_generate_file(path, &back, err, sizeof(err)) < 0 && strstr(err, "File exists"),
	   "keygen never overwrites: %s", err);
	ok(keys_read_private(path, &back, err, sizeof(err)) == 0 &&
	       !memcmp(kp.pk, back.pk, sizeof(kp.pk)),
	   "read back: same public key");
	keys_format_public(kp.pk, b64);
	ok(strlen(b64) == 44 && keys_parse_public(b64, pk) == 0 && !memcmp(pk, kp.pk, 32),
	   "public key base64 round trip");
	ok(keys_parse_public("AAAA", pk) < 0, "short public key refused");
	chmod(path, 0640);
	ok(keys_read_private(path, &back, err, sizeof(err)) < 0 && strstr(err, "mode 0640") &&
	       strstr(err, "chmod 600"),
	   "group-readable key refused: %s", err);
	chmod(path, 0604);
	ok(keys_read_private(path, &back, err, sizeof(err)) < 0, "world-readable key refused");
	unlink(path);
	f = fopen(path, "w");
	fputs("not a key\n", f);
	fclose(f);
	chmod(path, 0600);
	ok(keys_read_private(path, &back, err, sizeof(err)) < 0 &&
	       strstr(err, "not a knock private key"),
	   "garbage key file refused: %s", err);
	unlink(path);
	ok(keys_read_private(path, &back, err, sizeof(err)) < 0 && strstr(err, "No such file"),
	   "missing key file: %s", err);
	published_keys(path);
	rmdir(dir);
	return tap_done();
}
