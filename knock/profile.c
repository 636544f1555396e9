/* A host profile with everything needed to knock it: config, our key, the pair's keys. */
#include "clientfile.h"
#include "profile.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "hostmatch.h"
#include "keygen.h"
#include "paircache.h"

#define DEFAULT_CONF "~/.config/knock/knock.conf"

int knock_config_path(const char *config, char *path, size_t len)
{
	return expand_home(config ? config : DEFAULT_CONF, path, len);
}

static int load_key(const struct client_config *cc, struct keypair *kp, char path[PATH_MAX])
{
	char err[512];

	if (expand_home(cc->private_key, path, PATH_MAX) < 0)
		return -1;
	if (keys_read_private(path, kp, err, sizeof(err)) < 0) {
		fprintf(stderr, "knock: %s%s\n", err,
			access(path, F_OK) ? " (create one with: knock keygen)" : "");
		return -1;
	}
	return 0;
}

/* No client configuration yet: point to the sample (the Debian package's, make install's). */
static void sample_hint(const char *path)
{
	static const char *const samples[] = {"/usr/share/doc/knock-auth/examples/knock.conf",
					      "/usr/local/share/doc/knockd/knock.conf"};
	const char *s = samples[0];

	if (access(path, F_OK) == 0)
		return;
	for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++)
		if (access(samples[i], R_OK) == 0) {
			s = samples[i];
			break;
		}
	fprintf(stderr,
		"knock: no client configuration yet: start from the sample, %s (etc/knock.conf in "
		"the source), as %s; see knock(1)\n",
		s, path);
}

int knock_ctx_load(struct knock_ctx *x, const char *config, const char *host)
{
	char path[PATH_MAX], key[PATH_MAX], err[512];

	memset(x, 0, sizeof(*x));
	if (knock_config_path(config, path, sizeof(path)) < 0)
		return -1;
	if (clientfile_load(&x->cc, path, err, sizeof(err)) < 0) {
		fprintf(stderr, "knock: %s\n", err);
		sample_hint(path);
		return -1;
	}
	x->h = clientconf_find(&x->cc, host);
	for (size_t i = 0; !x->h && i < x->cc.nhosts; i++)
		if (!strcmp(x->cc.hosts[i].address, host))
			x->h = &x->cc.hosts[i];
	if (!x->h && clientconf_find_group(&x->cc, host)) {
		fprintf(stderr,
			"knock: '%s' is a [group:] in %s; -W knocks and relays to one host: name "
			"one of its [host:] profiles\n",
			host, path);
		goto fail;
	}
	if (!x->h)
		x->h = hostmatch_find(&x->cc, host);
	if (!x->h) {
		fprintf(stderr,
			"knock: no [host:%s] profile (nor one whose address is or resolves to "
			"that address) in %s\n",
			host, path);
		goto fail;
	}
	if (load_key(&x->cc, &x->kp, key) < 0)
		goto fail;
	/* The server key's point is checked here, by the derivation (a cache is only ever
	 * written after one succeeded), not at parse: only the profile used costs it. */
	if (paircache_get(&x->k, key, &x->kp, x->h->server_pk) < 0) {
		fprintf(stderr,
			"knock: %s:%d: server_public_key of [host:%s] is not a usable Ed25519 "
			"public key\n",
			path, x->h->pk_line, x->h->name);
		goto fail;
	}
	return 0;
fail:
	knock_ctx_free(x);
	return -1;
}

void knock_ctx_free(struct knock_ctx *x)
{
	keys_wipe(&x->kp);
	sodium_memzero(&x->k, sizeof(x->k));
	clientconf_free(&x->cc);
}
