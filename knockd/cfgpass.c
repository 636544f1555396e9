/*
 * The configuration in one blob: a header of counts and sizes, the struct itself with its
 * pointers cleared, its clients, static sequences and windows, then the captures. Both
 * ends are the same binary; the sizes are checked all the same.
 */
#include "cfgpass.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define CFGPASS_MAGIC 0x6b636667u /* "kcfg" */

struct header {
	uint32_t magic, config_size;
	uint32_t nclients, nseqs, nwindows, ncaps;
};

static int put(int fd, const void *p, size_t len)
{
	return len == 0 || write(fd, p, len) == (ssize_t)len ? 0 : -1;
}

static int get(int fd, void *p, size_t len)
{
	size_t have = 0;

	while (have < len) {
		ssize_t n = read(fd, (char *)p + have, len - have);

		if (n <= 0)
			return -1;
		have += (size_t)n;
	}
	return 0;
}

int cfgpass_write(const struct config *c, const struct cfgpass_capture *caps, int ncaps, char *err,
		  size_t errlen)
{
	struct header h = {CFGPASS_MAGIC,         sizeof(*c),
			   (uint32_t)c->nclients, (uint32_t)c->nseqs,
			   (uint32_t)c->nwindows, (uint32_t)ncaps};
	struct config flat = *c;
	int fd = memfd_create("knockd-config", MFD_CLOEXEC);

	flat.clients = NULL;
	flat.seqs = NULL;
	flat.windows = NULL;
	flat.files = NULL; /* file names serve config_load's messages only: not passed */
	flat.nfiles = 0;
	if (fd < 0 || put(fd, &h, sizeof(h)) < 0 || put(fd, &flat, sizeof(flat)) < 0 ||
	    put(fd, c->clients, c->nclients * sizeof(*c->clients)) < 0 ||
	    put(fd, c->seqs, c->nseqs * sizeof(*c->seqs)) < 0 ||
	    put(fd, c->windows, c->nwindows * sizeof(*c->windows)) < 0 ||
	    put(fd, caps, (size_t)ncaps * sizeof(*caps)) < 0 || lseek(fd, 0, SEEK_SET) < 0) {
		snprintf(err, errlen, "configuration for the packet parser: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* n elements of size sz into a fresh array (NULL for none). */
static int get_array(int fd, void **out, size_t n, size_t sz)
{
	*out = NULL;
	if (!n)
		return 0;
	if (n > 1000000 || !(*out = calloc(n, sz)))
		return -1;
	return get(fd, *out, n * sz);
}

int cfgpass_read(int fd, struct config *c, struct cfgpass_capture *caps, int max, int *ncaps,
		 char *err, size_t errlen)
{
	struct header h;
	void *cl = NULL, *sq = NULL, *wi = NULL;

	memset(c, 0, sizeof(*c));
	if (get(fd, &h, sizeof(h)) < 0 || h.magic != CFGPASS_MAGIC || h.config_size != sizeof(*c) ||
	    h.ncaps > (uint32_t)max || get(fd, c, sizeof(*c)) < 0)
		goto bad;
	c->clients = NULL;
	c->seqs = NULL;
	c->windows = NULL;
	c->files = NULL;
	c->nfiles = 0;
	if (get_array(fd, &cl, h.nclients, sizeof(*c->clients)) < 0 ||
	    get_array(fd, &sq, h.nseqs, sizeof(*c->seqs)) < 0 ||
	    get_array(fd, &wi, h.nwindows, sizeof(*c->windows)) < 0 ||
	    get(fd, caps, h.ncaps * sizeof(*caps)) < 0)
		goto bad;
	c->clients = cl;
	c->nclients = h.nclients;
	c->seqs = sq;
	c->nseqs = h.nseqs;
	c->windows = wi;
	c->nwindows = h.nwindows;
	*ncaps = (int)h.ncaps;
	return 0;
bad:
	free(cl);
	free(sq);
	free(wi);
	memset(c, 0, sizeof(*c));
	snprintf(err, errlen, "packet parser: the configuration it was handed is malformed");
	return -1;
}
