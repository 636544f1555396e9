/* systemd readiness (Type=notify) without libsystemd: one datagram to $NOTIFY_SOCKET. */
#ifndef KNOCKD_NOTIFY_H
#define KNOCKD_NOTIFY_H

/* Sends state (e.g. "READY=1") if systemd asked for notifications; silent otherwise. */
void notify_systemd(const char *state);

#endif
