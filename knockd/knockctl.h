/* knockctl's parts shared between its files: one exchange with the daemon, and run. */
#ifndef KNOCKD_KNOCKCTL_H
#define KNOCKD_KNOCKCTL_H

#include <stddef.h>

/*
 * Sends one request line; a refusal's reason goes to stderr. The answer's body goes to
 * body (NUL-terminated, truncated to bodylen) or, with body NULL, to stdout. 0 if the
 * daemon said OK, else 1.
 */
int knockctl_exchange(const char *path, const char *line, char *body, size_t bodylen);
/*
 * knockctl run: opens door with the open request open_line, runs cmd, ends the hold when
 * cmd exits (or knockctl gets SIGINT, SIGTERM or SIGHUP, passed on to cmd first). Returns
 * the exit status for knockctl: cmd's, or 1 if the door could not be opened.
 */
int knockctl_run(const char *sock, const char *door, const char *open_line, char **cmd);

#endif
