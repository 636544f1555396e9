/* The control socket: knockctl's requests served from the daemon's poll loop. Root only.
 * It talks to the grant service; the rest of the daemon reaches it through two hooks. */
#ifndef KNOCKD_CONTROL_H
#define KNOCKD_CONTROL_H

#include <stddef.h>
#include <stdint.h>

#include "grantsvc.h"
#include "privsep.h"

struct control {
	int fd;         /* the listening socket, or -1 */
	int dir;        /* O_PATH: its directory, to remove it at exit (sandbox.h) */
	int serving_fd; /* the connection being answered, or -1 */
	struct grantsvc *svc;
	const char *config_path; /* what reload re-reads */
	const char *fallback;    /* "" or why the daemon runs on the last-good copy */
	int64_t started;         /* wall seconds */
	void *arg;               /* for the hooks: */
	void (*stats)(void *arg, struct ps_stats *out);     /* the parser's counters */
	int (*reload)(void *arg, char *err, size_t errlen); /* SIGHUP's reload */
};

/* Creates the socket at path (c's fields but fd and dir set by the caller). */
int control_open(struct control *c, const char *path, char *err, size_t errlen)
    __attribute__((warn_unused_result));
/* Accepts and answers one client (bounded by a 1 s timeout on each read and write). */
void control_serve(struct control *c);
/* Closes the socket and removes it from path. */
void control_close(struct control *c, const char *path);

#endif
