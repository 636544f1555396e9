/*
 * The nftables backend's view of the ruleset generation: a commit reads the generation
 * (NFT_MSG_GETGEN, one small message) and reads the base chains again only when it moved
 * since they were last read, so that the cost of a commit does not grow with the rulesets
 * other tools keep in the kernel.
 */
#include <errno.h>
#include <inttypes.h>
#include <libnftnl/gen.h>
#include <linux/netfilter/nf_tables.h>
#include <stdio.h>
#include <string.h>

#include "fw_nft.h"
#include "log.h"

static int on_gen(const struct nlmsghdr *nlh, void *data)
{
	struct nftnl_gen *g = nftnl_gen_alloc();
	int r = MNL_CB_ERROR;

	if (g && nftnl_gen_nlmsg_parse(nlh, g) == 0) {
		*(uint32_t *)data = nftnl_gen_get_u32(g, NFTNL_GEN_ID);
		r = MNL_CB_OK;
	}
	if (g)
		nftnl_gen_free(g);
	return r;
}

static int read_genid(struct fwnft_state *st, uint32_t *genid)
{
	char req[256];
	struct nlmsghdr *nlh =
	    nftnl_nlmsg_build_hdr(req, NFT_MSG_GETGEN, AF_UNSPEC, NLM_F_ACK, ++st->s.seq);

	return nftprobe_query(&st->s, nlh, on_gen, genid);
}

int fwnft_current(struct fwnft_state *st, uint32_t *genid, char *err, size_t errlen)
{
	if (read_genid(st, genid) < 0) {
		snprintf(err, errlen, "nftables: reading the generation: %s", strerror(errno));
		return -1;
	}
	if (st->scan_valid && st->scan_gen == *genid)
		return 0;
	st->scan_valid = 0;
	if (fwnft_refresh(st, err, errlen) < 0)
		return -1;
	st->scan_valid = 1;
	st->scan_gen = *genid;
	log_debug("nftables: base chains read at ruleset generation %" PRIu32, *genid);
	return 0;
}

int fwnft_known_gen(void *p, uint32_t *genid)
{
	const struct fwnft_state *st = p;

	*genid = st->scan_gen;
	return st->scan_valid ? 0 : -1;
}

void fwnft_took_gen(void *p, uint32_t genid)
{
	struct fwnft_state *st = p;

	if (st->scan_valid)
		st->scan_gen = genid;
}

/*
 * A batch the kernel took is one transaction (the generation goes up by one) that changed
 * only our chains' rules, unless it had to create a chain or move a jump: then the next
 * commit reads the base chains again. A wrong guess costs one reading, never a stale one.
 */
void fwnft_after_commit(struct fwnft_state *st, uint32_t genid, int sent, int r)
{
	int same = r == 0;

	for (int i = 0; i < st->nt && same; i++)
		same = st->t[i].exists && st->t[i].top && !st->t[i].nstray && !st->t[i].nfstray;
	st->scan_valid = same;
	st->scan_gen = sent ? genid + 1 : genid;
}
