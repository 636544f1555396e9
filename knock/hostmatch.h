/* knock -W HOST: a profile whose address resolves to an address HOST resolves to (ssh's %h
 * is the HostName, which may be an IP while knock.conf names the server by DNS name). */
#ifndef KNOCK_HOSTMATCH_H
#define KNOCK_HOSTMATCH_H

#include "clientconf.h"

/* The first profile sharing an address with host, or NULL (also when host resolves to
 * nothing). Called only after the name and the literal address found no profile. */
const struct host_profile *hostmatch_find(const struct client_config *cc, const char *host);

#endif
