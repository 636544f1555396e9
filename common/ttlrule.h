/*
 * The one rule for what TTL a request may carry and what a door grants for it, shared by
 * the config and command-line parsers, the packet parser and the rule writer.
 */
#ifndef KNOCK_TTLRULE_H
#define KNOCK_TTLRULE_H

#include <stdint.h>

/* 30 days: the longest duration a setting, a command or a request to the writer names. */
#define TTL_LIMIT (30u * 86400u)

/*
 * A TTL from a verified token, cut to what a request to the writer may carry: above
 * TTL_LIMIT it becomes TTL_LIMIT. Every door's max_ttl is at most TTL_LIMIT, so the grant
 * is the same either way (the door's max_ttl). Returns 1 when it cut, else 0.
 */
int ttlrule_cut(uint32_t *ttl);
/* Whether a request to the writer may carry this TTL (0 = each door's default). */
int ttlrule_ok(uint32_t ttl);
/* The TTL a door grants for a requested one: its default for 0, else capped at max_ttl. */
uint32_t ttlrule_door(uint32_t door_ttl, uint32_t door_max_ttl, uint32_t requested);

#endif
