/* A host profile with everything needed to knock it: config, our key, the pair's keys. */
#ifndef KNOCK_PROFILE_H
#define KNOCK_PROFILE_H

#include <limits.h>

#include "clientconf.h"
#include "crypto.h"
#include "keys.h"

struct knock_ctx {
	struct client_config cc;
	const struct host_profile *h;
	struct keypair kp;
	struct pair_keys k;
};

/*
 * config NULL = ~/.config/knock/knock.conf. host names a profile, or (for ssh's %h, the
 * HostName) matches a profile's address. Prints why on failure.
 */
int knock_ctx_load(struct knock_ctx *x, const char *config, const char *host)
    __attribute__((warn_unused_result));
void knock_ctx_free(struct knock_ctx *x);
int knock_config_path(const char *config, char *path, size_t len);

#endif
