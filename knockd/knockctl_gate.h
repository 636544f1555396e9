/* knockctl gate [status|remove]: the gate (gate.h) as the kernel holds it, read or removed
 * here, as root, without the daemon. */
#ifndef KNOCKD_KNOCKCTL_GATE_H
#define KNOCKD_KNOCKCTL_GATE_H

/* argv: what follows "gate"; sock: knockd's control socket (a running knockd refuses
 * removal). The exit status. */
int knockctl_gate(int argc, char **argv, const char *sock);

#endif
