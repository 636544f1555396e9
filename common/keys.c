/* Ed25519 key files: base64 of the 32-byte seed, mode 0600; public keys as base64 text. */
#include "keys.h"
#include "knownkeys.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pathtrust.h"

_Static_assert(KNOWNKEYS_PK_LEN == KEY_PUBLIC_LEN, "knownkeys.h: an Ed25519 public key");

#define SEED_LEN 32

static int decode32(const char *b64, size_t len, uint8_t out[32])
{
	size_t outlen;
	const char *end;

	if (sodium_base642bin(out, 32, b64, len, " \t\r\n", &outlen, &end,
			      sodium_base64_VARIANT_ORIGINAL) < 0)
		return -1;
	return (outlen == 32 && end == b64 + len) ? 0 : -1;
}

int keys_decode_public(const char *b64, uint8_t pk[KEY_PUBLIC_LEN])
{
	return decode32(b64, strlen(b64), pk);
}

int keys_parse_public(const char *b64, uint8_t pk[KEY_PUBLIC_LEN])
{
	uint8_t curve[32];

	if (decode32(b64, strlen(b64), pk) < 0)
		return -1;
	/* Rejects encodings that are not a usable Ed25519 point. */
	return crypto_sign_ed25519_pk_to_curve25519(curve, pk);
}

void keys_format_public(const uint8_t pk[KEY_PUBLIC_LEN], char out[KEY_B64_LEN])
{
	sodium_bin2base64(out, KEY_B64_LEN, pk, KEY_PUBLIC_LEN, sodium_base64_VARIANT_ORIGINAL);
}

int keys_generate_file(const char *path, struct keypair *kp, char *err, size_t errlen)
{
	uint8_t seed[SEED_LEN];
	char b64[KEY_B64_LEN + 1];
	int fd, ret = -1;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	randombytes_buf(seed, sizeof(seed));
	crypto_sign_seed_keypair(kp->pk, kp->sk, seed);
	sodium_bin2base64(b64, KEY_B64_LEN, seed, sizeof(seed), sodium_base64_VARIANT_ORIGINAL);
	strcat(b64, "\n");
	if (write(fd, b64, strlen(b64)) != (ssize_t)strlen(b64) || fsync(fd) < 0) {
		snprintf(err, errlen, "%s: write: %s", path, strerror(errno));
		unlink(path);
		goto out;
	}
	ret = 0;
out:
	sodium_memzero(seed, sizeof(seed));
	sodium_memzero(b64, sizeof(b64));
	close(fd);
	return ret;
}

/*
 * Windows has no mode bits or uids to check here: the key's privacy there rests on the ACL
 * of %APPDATA%, private to its user by default (see README, Clients).
 */
static int check_mode(int fd, const char *path, char *err, size_t errlen)
{
	struct stat st;

	if (fstat(fd, &st) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		return -1;
	}
#ifndef _WIN32
	if (st.st_mode & 077) {
		snprintf(err, errlen,
			 "%s: private key is accessible by group or others (mode %04o); "
			 "run chmod 600 %s",
			 path, (unsigned)(st.st_mode & 07777), path);
		return -1;
	}
	if (st.st_uid != geteuid() && st.st_uid != 0) {
		snprintf(err, errlen, "%s: private key is owned by uid %u, not by us or root", path,
			 (unsigned)st.st_uid);
		return -1;
	}
#endif
	return 0;
}

int keys_read_private(const char *path, struct keypair *kp, char *err, size_t errlen)
{
	struct stat st;
	int fd = pathtrust_open(path, 1, &st, err, errlen); /* never blocks on a FIFO */

	if (fd < 0)
		return -1;
	return keys_read_private_fd(fd, path, kp, err, errlen);
}

int keys_read_private_fd(int fd, const char *path, struct keypair *kp, char *err, size_t errlen)
{
	char buf[128];
	uint8_t seed[SEED_LEN];
	ssize_t n;
	int ret = -1;

	if (check_mode(fd, path, err, errlen) < 0)
		goto out;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	while (n > 0 && strchr(" \t\r\n", buf[n - 1]))
		n--;
	if (decode32(buf, (size_t)n, seed) < 0) {
		snprintf(err, errlen, "%s: not a knock private key (want the base64 of 32 bytes)",
			 path);
		goto out;
	}
	crypto_sign_seed_keypair(kp->pk, kp->sk, seed);
	ret = knownkeys_refuse(kp->pk, path, err, errlen);
	if (ret < 0)
		keys_wipe(kp);
out:
	sodium_memzero(buf, sizeof(buf));
	sodium_memzero(seed, sizeof(seed));
	close(fd);
	return ret;
}

void keys_wipe(struct keypair *kp)
{
	sodium_memzero(kp, sizeof(*kp));
}
