/* knock.conf [group:NAME]s: each group's hosts resolved to a flat list of profiles. */
#ifndef KNOCK_CLIENTGROUP_H
#define KNOCK_CLIENTGROUP_H

#include <stddef.h>

#include "clientconf.h"

/*
 * Resolves every group's hosts (profile names, or other groups, expanded in order without
 * repeats). Errors with "file:line: reason": no hosts, an unknown name, a group that
 * contains itself (directly or through others), more than GROUP_MAX_MEMBERS profiles.
 */
int clientgroup_resolve(struct client_config *c, char *err, size_t errlen)
    __attribute__((warn_unused_result));

#endif
