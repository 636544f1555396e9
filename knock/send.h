/* knock HOST [DOOR...]: build, seal and send one token. */
#ifndef KNOCK_SEND_H
#define KNOCK_SEND_H

#include <stdint.h>

struct send_opts {
	const char *config; /* NULL = ~/.config/knock/knock.conf */
	int family;         /* 0, 4 or 6 */
	uint32_t ttl;       /* 0 = profile's, else the door default */
	const char *addr;   /* address to open; NULL = our source address toward the host */
	int verbose;
};

struct knock_ctx;

int cmd_send(const struct send_opts *o, const char *host, char **doors, int ndoors);
/* One fresh token for the loaded profile (doors: the arguments, else the profile's). */
int send_token(const struct knock_ctx *x, const struct send_opts *o, char **doors, int ndoors)
    __attribute__((warn_unused_result));

#endif
