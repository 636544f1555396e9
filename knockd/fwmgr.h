/*
 * knockd -t: which firewall manager's ruleset this host runs, named from what the kernel
 * holds (read only; no table is created): nftables tables and chains over netlink (ufw and
 * Docker on iptables-nft by their chains, firewalld by table inet firewalld and whether it
 * is owned, Docker 29 by its docker-bridges tables, iptables-nft, a native ruleset such as
 * nftables.conf's) and the legacy IPv4 filter table's chains (ufw, Docker, firewalld's
 * iptables backend, a hand-written ruleset).
 */
#ifndef KNOCKD_FWMGR_H
#define KNOCKD_FWMGR_H

#include <stddef.h>

#include "config.h"

struct fwmgr {
	char names[768];     /* "; "-separated, e.g. "ufw (legacy iptables: ufw-* chains)" */
	int firewalld_owned; /* table inet firewalld has the owner flag (NftablesTableOwner) */
	int target_owned;    /* the configured nft_table is owned by another process */
};

/* Fills m. -1 (err) if nftables cannot be read; the legacy tables are read only if loaded. */
int fwmgr_scan(const struct config *c, struct fwmgr *m, char *err, size_t errlen)
    __attribute__((warn_unused_result));

#endif
