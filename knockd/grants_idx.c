/* The grant table's index (grants_idx.h): linear probing, backward-shift deletion. */
#include "grants_idx.h"

#include <stdlib.h>

int grants_idx_init(struct grants_idx *x, size_t cap)
{
	size_t n = 16;

	while (n < cap * 2)
		n <<= 1;
	x->slot = calloc(n, sizeof(*x->slot));
	x->mask = n - 1;
	return x->slot ? 0 : -1;
}

void grants_idx_free(struct grants_idx *x)
{
	free(x->slot);
	x->slot = NULL;
}

void grants_idx_put(struct grants_idx *x, uint64_t h, uint32_t val)
{
	size_t i = (size_t)h & x->mask;

	while (x->slot[i])
		i = (i + 1) & x->mask;
	x->slot[i] = val;
}

long grants_idx_find(const struct grants_idx *x, uint64_t h, uint32_t val)
{
	for (size_t i = (size_t)h & x->mask; x->slot[i]; i = (i + 1) & x->mask)
		if (x->slot[i] == val)
			return (long)i;
	return -1;
}

/* Whether home k lies cyclically in (i, j]: then the entry at j must stay after i. */
static int between(size_t i, size_t k, size_t j)
{
	return i <= j ? (i < k && k <= j) : (i < k || k <= j);
}

void grants_idx_del(struct grants_idx *x, size_t pos, grants_idx_hash hash, const void *ctx)
{
	size_t i = pos, j = pos;

	for (;;) {
		j = (j + 1) & x->mask;
		if (!x->slot[j])
			break;
		if (between(i, (size_t)hash(ctx, x->slot[j]) & x->mask, j))
			continue;
		x->slot[i] = x->slot[j];
		i = j;
	}
	x->slot[i] = 0;
}
