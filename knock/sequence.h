/* knock --sequence HOST, and knock HOST PORT[:tcp|udp]... (knockd-compatible). */
#ifndef KNOCK_SEQUENCE_H
#define KNOCK_SEQUENCE_H

#include "send.h"

int cmd_sequence(const struct send_opts *o, const char *host);
int cmd_static(const struct send_opts *o, const char *host, char **specs, int n);
/* Whether s looks like PORT or PORT:tcp / PORT:udp. */
int is_port_spec(const char *s);

#endif
