/* knock -W: bytes between our stdin/stdout and a connected socket. */
#ifndef KNOCK_RELAY_H
#define KNOCK_RELAY_H

/* Copies stdin to sock and sock to stdout until the server closes: 0, or 1 on an error. */
int relay_run(int sock);

#endif
