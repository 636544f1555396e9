/* Client pair keys handed from the writer to the parser (pairs.c): the same keys as a
 * derivation in place, through a memfd or from a child; a count that does not match the
 * configuration, a key file others may read, and a foreign descriptor are refused. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "pairs.h"
#include "tap.h"

static struct client clients[3];

static int same(const struct pairs *a, const struct pair_keys *k, size_t n)
{
	return a->n == n && !memcmp(a->keys, k, n * sizeof(*k));
}

int main(void)
{
	char dir[] = "/tmp/knockpairs.XXXXXX", err[512];
	struct config cfg;
	struct keypair server, c;
	struct pair_keys want[3];
	struct pairs p, back;
	int fd;

	if (sodium_init() < 0 || !mkdtemp(dir))
		return 1;
	memset(&cfg, 0, sizeof(cfg));
	snprintf(cfg.private_key, sizeof(cfg.private_key), "%s/server.key", dir);
	if (keys_generate_file(cfg.private_key, &server, err, sizeof(err)) < 0)
		return 1;
	for (int i = 0; i < 3; i++) {
		crypto_sign_keypair(c.pk, c.sk);
		snprintf(clients[i].name, sizeof(clients[i].name), "c%d", i);
		memcpy(clients[i].pk, c.pk, KEY_PUBLIC_LEN);
		if (crypto_pair_derive(&want[i], &server, c.pk, c.pk, server.pk) < 0)
			return 1;
	}
	cfg.clients = clients;
	cfg.nclients = 3;
	ok(pairs_derive(&cfg, &p, err, sizeof(err)) == 0 && same(&p, want, 3) &&
	       !memcmp(p.server_pk, server.pk, KEY_PUBLIC_LEN),
	   "derived in place: the client keys and the server's public key");
	fd = pairs_write(&p, err, sizeof(err));
	ok(fd >= 0 && pairs_read(fd, 3, &back, err, sizeof(err)) == 0 && same(&back, want, 3),
	   "through a memfd: the same keys");
	pairs_free(&back);
	fd = pairs_write(&p, err, sizeof(err));
	ok(fd >= 0 && pairs_read(fd, 2, &back, err, sizeof(err)) < 0 && strstr(err, "3 for 2"),
	   "a count that does not match the configuration is refused: %s", err);
	pairs_free(&p);
	ok(pairs_derive_apart(&cfg, &p, err, sizeof(err)) == 0 && same(&p, want, 3),
	   "derived in a child: the same keys");
	pairs_free(&p);
	chmod(cfg.private_key, 0640);
	ok(pairs_derive_apart(&cfg, &p, err, sizeof(err)) < 0 && strstr(err, "group or others"),
	   "a key file others may read: the child's reason comes back: %s", err);
	fd = open("/dev/null", O_RDONLY);
	ok(pairs_read(fd, 3, &back, err, sizeof(err)) < 0, "a descriptor of something else: %s",
	   err);
	unlink(cfg.private_key);
	rmdir(dir);
	return tap_done();
}
