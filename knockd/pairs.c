/*
 * Client pair keys, derived where the server's private key may be (the rule writer, or a
 * child of it at start-up) and passed on as a memfd: a header (status, count, the server's
 * public key, an error text) and one struct pair_keys per client, in configuration order.
 */
#include "pairs.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAIRS_MAGIC 0x6b6e7072u /* "knpr" */

struct header {
	uint32_t magic;
	int32_t status;
	uint64_t n;
	uint8_t server_pk[KEY_PUBLIC_LEN];
	char err[256];
};

int pairs_derive(const struct config *cfg, struct pairs *out, char *err, size_t errlen)
{
	struct keypair server;
	size_t n = cfg->nclients ? cfg->nclients : 1;

	memset(out, 0, sizeof(*out));
	if (keys_read_private(cfg->private_key, &server, err, errlen) < 0)
		return -1;
	memcpy(out->server_pk, server.pk, KEY_PUBLIC_LEN);
	out->keys = sodium_allocarray(n, sizeof(*out->keys));
	if (!out->keys) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	for (out->n = 0; out->n < cfg->nclients; out->n++) {
		const struct client *cl = &cfg->clients[out->n];

		if (crypto_pair_derive(&out->keys[out->n], &server, cl->pk, cl->pk, server.pk) <
		    0) {
			snprintf(err, errlen, "client '%s': key agreement failed", cl->name);
			goto out;
		}
	}
	keys_wipe(&server);
	return 0;
out:
	keys_wipe(&server);
	pairs_free(out);
	return -1;
}

static int put(int fd, const void *p, size_t len)
{
	size_t have = 0;

	while (have < len) {
		ssize_t n = write(fd, (const char *)p + have, len - have);

		if (n <= 0)
			return -1;
		have += (size_t)n;
	}
	return 0;
}

static int get(int fd, void *p, size_t len)
{
	size_t have = 0;

	while (have < len) {
		ssize_t n = read(fd, (char *)p + have, len - have);

		if (n <= 0)
			return -1;
		have += (size_t)n;
	}
	return 0;
}

/* p NULL: a failed derivation, err says why. */
static int put_all(int fd, const struct pairs *p, const char *err)
{
	struct header h = {.magic = PAIRS_MAGIC, .status = p ? 0 : -1, .n = p ? p->n : 0};

	if (p)
		memcpy(h.server_pk, p->server_pk, KEY_PUBLIC_LEN);
	snprintf(h.err, sizeof(h.err), "%s", err ? err : "");
	if (put(fd, &h, sizeof(h)) < 0 || (p && put(fd, p->keys, p->n * sizeof(*p->keys)) < 0))
		return -1;
	return lseek(fd, 0, SEEK_SET) < 0 ? -1 : 0;
}

int pairs_write(const struct pairs *p, char *err, size_t errlen)
{
	int fd = memfd_create("knockd-pairs", MFD_CLOEXEC);

	if (fd < 0 || put_all(fd, p, NULL) < 0) {
		snprintf(err, errlen, "client keys for the packet parser: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

int pairs_derive_apart(const struct config *cfg, struct pairs *out, char *err, size_t errlen)
{
	int fd = memfd_create("knockd-pairs", MFD_CLOEXEC), status = 0;
	pid_t pid = fd < 0 ? -1 : fork();

	if (pid == 0) {
		struct pairs p;
		char e[256] = "";
		int r = pairs_derive(cfg, &p, e, sizeof(e));

		_exit(put_all(fd, r < 0 ? NULL : &p, e) < 0 || r < 0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0) {
		snprintf(err, errlen, "deriving the client keys: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return pairs_read(fd, cfg->nclients, out, err, errlen);
}

int pairs_read(int fd, size_t nclients, struct pairs *out, char *err, size_t errlen)
{
	struct header h;
	int ret = -1;

	memset(out, 0, sizeof(*out));
	if (get(fd, &h, sizeof(h)) < 0 || h.magic != PAIRS_MAGIC) {
		snprintf(err, errlen, "client keys: a short or foreign message");
		goto out;
	}
	h.err[sizeof(h.err) - 1] = '\0';
	if (h.status < 0) {
		snprintf(err, errlen, "%s", h.err[0] ? h.err : "client keys: not derived");
		goto out;
	}
	if (h.n != nclients) {
		snprintf(err, errlen, "client keys: %llu for %zu client(s)",
			 (unsigned long long)h.n, nclients);
		goto out;
	}
	memcpy(out->server_pk, h.server_pk, KEY_PUBLIC_LEN);
	out->keys = sodium_allocarray(nclients ? nclients : 1, sizeof(*out->keys));
	out->n = nclients;
	if (!out->keys || get(fd, out->keys, nclients * sizeof(*out->keys)) < 0) {
		snprintf(err, errlen, "client keys: cannot read them");
		pairs_free(out);
		goto out;
	}
	ret = 0;
out:
	close(fd);
	return ret;
}

void pairs_free(struct pairs *p)
{
	sodium_free(p->keys); /* wipes them */
	p->keys = NULL;
	p->n = 0;
}
