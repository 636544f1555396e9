/* The grant-naming rule comment (see fw_comment.h). */
#include "fw_comment.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

void fw_comment_format(char *buf, size_t len, const struct fw_rule *r, int reply)
{
	char a[ADDR_STRLEN];

	addr_format(&r->addr, a, sizeof(a));
	snprintf(buf, len, "knockd id=%" PRIu32 " door=%s addr=%s exp=%" PRId64 "%s", r->id,
		 r->door->name, a, r->deadline, reply ? " reply" : "");
}

int fw_comment_parse(const char *s, struct fw_found *out)
{
	char door[64], a[64];
	int n = 0;

	memset(out, 0, sizeof(*out));
	if (sscanf(s, "knockd id=%" SCNu32 " door=%63s addr=%63s exp=%" SCNd64 "%n", &out->id, door,
		   a, &out->deadline, &n) != 4 ||
	    (s[n] != '\0' && strcmp(s + n, " reply")))
		return -1;
	out->reply = s[n] != '\0';
	if (strlen(door) > NAME_MAX_LEN || addr_parse(a, &out->addr) < 0)
		return -1;
	strcpy(out->door, door);
	return 0;
}
