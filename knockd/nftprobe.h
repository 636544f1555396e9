/*
 * Which ruleset is in force: a read-only look at nftables over netlink (no table is created,
 * neither nft nor legacy). knockd refuses to write libiptc rules that an nftables base chain
 * would overrule, instead of opening doors that stay shut.
 */
#ifndef KNOCKD_NFTPROBE_H
#define KNOCKD_NFTPROBE_H

#include <stddef.h>

/*
 * Fills found with the nftables base chains on the input or output hook (ip, ip6, inet)
 * whose policy is drop, e.g. "table ip filter chain INPUT (hook input, policy drop)".
 * Returns how many, or -1 if nftables cannot be asked.
 */
int nftprobe_dropping_chains(char *found, size_t len, char *err, size_t errlen)
    __attribute__((warn_unused_result));

#endif
