/* The control socket: knockctl's requests served from the daemon's poll loop. Root only. */
#ifndef KNOCKD_CONTROL_H
#define KNOCKD_CONTROL_H

#include <stddef.h>

struct daemon;

int control_open(struct daemon *d, char *err, size_t errlen) __attribute__((warn_unused_result));
/* Accepts and answers one client (bounded by a 1 s timeout on each read and write). */
void control_serve(struct daemon *d);
void control_close(struct daemon *d);

#endif
