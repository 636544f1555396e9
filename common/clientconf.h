/* The client configuration (knock.conf): [knock], [host:NAME] profiles, [group:NAME]s. */
#ifndef KNOCK_CLIENTCONF_H
#define KNOCK_CLIENTCONF_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "keys.h"
#include "parse.h"

struct host_profile {
	char name[NAME_MAX_LEN + 1];
	char address[256];
	uint8_t server_pk[KEY_PUBLIC_LEN];
	uint16_t spa_port;
	char doors[256];
	uint32_t ttl;                 /* 0 = the server's door default */
	uint16_t seq_base, seq_count; /* must match the server's sequence_ports */
	int seq_len;
	int line, has_pk;
	int pk_line; /* of server_public_key: its point is checked on use (knock/profile.c) */
};

#define GROUP_MAX_MEMBERS 64

struct host_group {
	char name[NAME_MAX_LEN + 1];
	char hosts_text[256];
	int line, hosts_line;
	size_t members[GROUP_MAX_MEMBERS]; /* indices into hosts, resolved after the parse */
	size_t nmembers;
};

struct client_config {
	char file[PATH_MAX];
	char private_key[PATH_MAX]; /* may start with ~/ */
	struct host_profile *hosts;
	size_t nhosts;
	struct host_group *groups;
	size_t ngroups;
};

/* The parser's state, for clientfile.c. */
struct clientconf_pstate {
	struct client_config *c;
	int kind; /* 0 none, 1 [knock], 2 [host:], 3 [group:] */
	uint32_t seen;
	int knock_line;
};

/* c emptied with its defaults, st ready for the handlers below. */
void clientconf_start(struct client_config *c, struct clientconf_pstate *st, const char *file);
/* cfgfile handlers: user is a struct clientconf_pstate. */
int clientconf_on_section(void *user, const char *name, int line, char *err, size_t errlen);
int clientconf_on_key(void *user, const char *key, const char *value, int line, char *err,
		      size_t errlen);
/* Every profile has an address and a server key ("file:line: reason" if not). */
int clientconf_check_hosts(const struct client_config *c, char *err, size_t errlen)
    __attribute__((warn_unused_result));
const struct host_profile *clientconf_find(const struct client_config *c, const char *name);
const struct host_group *clientconf_find_group(const struct client_config *c, const char *name);
void clientconf_free(struct client_config *c);

#endif
