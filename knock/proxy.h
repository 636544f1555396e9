/* knock -W HOST:PORT: an ssh ProxyCommand that knocks, waits for the port, then relays. */
#ifndef KNOCK_PROXY_H
#define KNOCK_PROXY_H

#include "send.h"

int cmd_proxy(const struct send_opts *o, const char *target, unsigned wait_secs);

#endif
