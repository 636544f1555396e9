/* knockd -t: the established TCP sessions to in doors' ports (an admin's SSH) whose sources
 * the gate does not exempt, read from the kernel (/proc/net/tcp, tcp6) in this network
 * namespace: each will need a knock to reconnect once it ends. */
#ifndef KNOCKD_SESSIONS_H
#define KNOCKD_SESSIONS_H

#include <stdio.h>

#include "config.h"

/* One line per in door with such sessions; returns their number (-1: /proc unreadable). */
int sessions_describe(const struct config *c, FILE *out);

#endif
