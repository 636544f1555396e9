/*
 * The nftables backend's view of where grants go (fw_nft.c), for backend selection (fw.c):
 * iptables-nft's filter tables, and the native table named by nft_table.
 */
#ifndef KNOCKD_FW_NFT_H
#define KNOCKD_FW_NFT_H

#include <stddef.h>

#include "config.h"
#include "nftprobe.h"

/* Names, in out, each base chain the backend would write for; returns how many. */
int fw_nft_targets(const struct config *c, const struct nftprobe_scan *scan, char *out, size_t len);
/* Whether the backend writes for this base chain. */
int fw_nft_covers(const struct config *c, const struct nftprobe_chain *b);

#endif
