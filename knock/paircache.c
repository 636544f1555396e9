/*
 * Pair-key cache: KEY_FILE.pair-HEX, HEX naming the server key. 4 bytes "KPC1", the three
 * pair keys, then a BLAKE2b tag over the magic, both public keys and the keys, keyed with
 * our secret key: a file made for another key pair, edited or truncated is not used. The
 * file is as secret as the key beside it: created mode 0600 (a temporary file renamed
 * over), and not used if group or others may read it or another user owns it.
 */
#include "paircache.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Where a file can be owned and private (O_NOFOLLOW, modes, owners); elsewhere, no cache. */
#if defined(O_NOFOLLOW) && !defined(_WIN32)
#define MAGIC    "KPC1"
#define TAG_LEN  32
#define FILE_LEN (4 + sizeof(struct pair_keys) + TAG_LEN)

static int cache_path(char *out, size_t len, const char *key_path,
		      const uint8_t server_pk[KEY_PUBLIC_LEN])
{
	uint8_t h[8];
	char hex[2 * sizeof(h) + 1];
	int n;

	crypto_generichash(h, sizeof(h), server_pk, KEY_PUBLIC_LEN, NULL, 0);
	sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
	n = snprintf(out, len, "%s.pair-%s", key_path, hex);
	return n > 0 && (size_t)n < len ? 0 : -1;
}

static void tag(uint8_t out[TAG_LEN], const uint8_t *body, const struct keypair *kp,
		const uint8_t server_pk[KEY_PUBLIC_LEN])
{
	crypto_generichash_state st;

	crypto_generichash_init(&st, kp->sk, 32, TAG_LEN); /* the seed half of sk */
	crypto_generichash_update(&st, body, 4 + sizeof(struct pair_keys));
	crypto_generichash_update(&st, kp->pk, KEY_PUBLIC_LEN);
	crypto_generichash_update(&st, server_pk, KEY_PUBLIC_LEN);
	crypto_generichash_final(&st, out, TAG_LEN);
	sodium_memzero(&st, sizeof(st));
}

static int load(struct pair_keys *out, const char *path, const struct keypair *kp,
		const uint8_t server_pk[KEY_PUBLIC_LEN])
{
	uint8_t buf[FILE_LEN + 1], want[TAG_LEN];
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW), ret = -1;
	struct stat st;

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == geteuid() &&
	    !(st.st_mode & 077) && read(fd, buf, sizeof(buf)) == (ssize_t)FILE_LEN &&
	    !memcmp(buf, MAGIC, 4)) {
		tag(want, buf, kp, server_pk);
		if (!crypto_verify_32(want, buf + FILE_LEN - TAG_LEN)) {
			memcpy(out, buf + 4, sizeof(*out));
			ret = 0;
		}
	}
	sodium_memzero(buf, sizeof(buf));
	close(fd);
	return ret;
}

static void store(const struct pair_keys *k, const char *path, const struct keypair *kp,
		  const uint8_t server_pk[KEY_PUBLIC_LEN])
{
	uint8_t buf[FILE_LEN];
	char tmp[PATH_MAX];
	int fd, n = snprintf(tmp, sizeof(tmp), "%s.%ld", path, (long)getpid());

	if (n < 0 || (size_t)n >= sizeof(tmp))
		return;
	memcpy(buf, MAGIC, 4);
	memcpy(buf + 4, k, sizeof(*k));
	tag(buf + FILE_LEN - TAG_LEN, buf, kp, server_pk);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd >= 0) {
		int ok = write(fd, buf, sizeof(buf)) == (ssize_t)sizeof(buf);

		ok = close(fd) == 0 && ok;
		if (!ok || rename(tmp, path) < 0)
			unlink(tmp);
	}
	sodium_memzero(buf, sizeof(buf));
}

#else
static int cache_path(char *out, size_t len, const char *key_path,
		      const uint8_t server_pk[KEY_PUBLIC_LEN])
{
	(void)out, (void)len, (void)key_path, (void)server_pk;
	return -1;
}

static int load(struct pair_keys *out, const char *path, const struct keypair *kp,
		const uint8_t server_pk[KEY_PUBLIC_LEN])
{
	(void)out, (void)path, (void)kp, (void)server_pk;
	return -1;
}

static void store(const struct pair_keys *k, const char *path, const struct keypair *kp,
		  const uint8_t server_pk[KEY_PUBLIC_LEN])
{
	(void)k, (void)path, (void)kp, (void)server_pk;
}
#endif

int paircache_get(struct pair_keys *out, const char *key_path, const struct keypair *kp,
		  const uint8_t server_pk[KEY_PUBLIC_LEN])
{
	char path[PATH_MAX];
	int have_path = cache_path(path, sizeof(path), key_path, server_pk) == 0;

	if (have_path && load(out, path, kp, server_pk) == 0)
		return 0;
	if (crypto_pair_derive(out, kp, server_pk, kp->pk, server_pk) < 0)
		return -1;
	if (have_path)
		store(out, path, kp, server_pk);
	return 0;
}
