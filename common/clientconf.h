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

int clientconf_parse(struct client_config *c, const char *file, const char *text, size_t len,
		     char *err, size_t errlen) __attribute__((warn_unused_result));
int clientconf_load(struct client_config *c, const char *path, char *err, size_t errlen)
    __attribute__((warn_unused_result));
const struct host_profile *clientconf_find(const struct client_config *c, const char *name);
const struct host_group *clientconf_find_group(const struct client_config *c, const char *name);
void clientconf_free(struct client_config *c);

#endif
