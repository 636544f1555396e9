/*
 * An index for the grant table (grants.c): open addressing with linear probing over slot
 * numbers (a grant's position in the table + 1; 0 is empty), sized at start-up to twice
 * the table, so that finding a grant by id or by (door, address) costs the same at 100,000
 * grants as at 10. Deletion shifts the following entries back (no tombstones).
 */
#ifndef KNOCKD_GRANTS_IDX_H
#define KNOCKD_GRANTS_IDX_H

#include <stddef.h>
#include <stdint.h>

struct grants_idx {
	uint32_t *slot;
	size_t mask;
};

/* The hash of the entry at table position val - 1 (ctx: the table). */
typedef uint64_t (*grants_idx_hash)(const void *ctx, uint32_t val);

int grants_idx_init(struct grants_idx *x, size_t cap) __attribute__((warn_unused_result));
void grants_idx_free(struct grants_idx *x);
/* Adds val under hash h (the index has room: it is twice the table). */
void grants_idx_put(struct grants_idx *x, uint64_t h, uint32_t val);
/* The slot of val, probing from hash h; -1 if absent. */
long grants_idx_find(const struct grants_idx *x, uint64_t h, uint32_t val);
/* Empties slot pos, shifting back the entries whose probe passed it. */
void grants_idx_del(struct grants_idx *x, size_t pos, grants_idx_hash hash, const void *ctx);

#endif
