/* Backend selection and the rule comment that names a grant inside the kernel. */
#include "fw.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

int fw_open(struct fw *fw, const struct config *c, char *err, size_t errlen)
{
	switch (c->backend) {
	case BACKEND_AUTO: /* only libiptc exists so far; see README "Status" */
	case BACKEND_IPTABLES:
		fw->b = &fw_backend_iptables;
		break;
	default:
		snprintf(err, errlen, "backend '%s' is not implemented yet; use iptables",
			 config_backend_name(c->backend));
		return -1;
	}
	return fw->b->open(&fw->st, c, err, errlen);
}

int fw_commit(struct fw *fw, const struct fw_change *ch, size_t n, char *err, size_t errlen)
{
	return n ? fw->b->commit(fw->st, ch, n, err, errlen) : 0;
}

int fw_list(struct fw *fw, struct fw_found *out, size_t max, size_t *n, char *err, size_t errlen)
{
	return fw->b->list(fw->st, out, max, n, err, errlen);
}

void fw_close(struct fw *fw)
{
	if (fw->b)
		fw->b->close(fw->st);
	fw->b = NULL;
}

void fw_comment_format(char *buf, size_t len, const struct fw_rule *r)
{
	char a[ADDR_STRLEN];

	addr_format(&r->addr, a, sizeof(a));
	snprintf(buf, len, "knockd id=%" PRIu32 " door=%s addr=%s exp=%" PRId64, r->id,
		 r->door->name, a, r->deadline);
}

int fw_comment_parse(const char *s, struct fw_found *out)
{
	char door[64], a[64];
	int n = 0;

	memset(out, 0, sizeof(*out));
	if (sscanf(s, "knockd id=%" SCNu32 " door=%63s addr=%63s exp=%" SCNd64 "%n", &out->id, door,
		   a, &out->deadline, &n) != 4 ||
	    s[n] != '\0')
		return -1;
	if (strlen(door) > NAME_MAX_LEN || addr_parse(a, &out->addr) < 0)
		return -1;
	strcpy(out->door, door);
	return 0;
}
