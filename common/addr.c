/* IPv4/IPv6 addresses as the token, grants and firewall see them: family + 16 bytes. */
#include "addr.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

int addr_parse(const char *s, struct addr *out)
{
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, s, out->a) == 1) {
		out->family = 4;
		return 0;
	}
	if (inet_pton(AF_INET6, s, out->a) == 1) {
		out->family = 6;
		return 0;
	}
	return -1;
}

void addr_format(const struct addr *a, char *buf, size_t buflen)
{
	if (a->family == 4)
		inet_ntop(AF_INET, a->a, buf, (socklen_t)buflen);
	else if (a->family == 6)
		inet_ntop(AF_INET6, a->a, buf, (socklen_t)buflen);
	else
		snprintf(buf, buflen, "none");
}

int addr_equal(const struct addr *x, const struct addr *y)
{
	return x->family == y->family && !memcmp(x->a, y->a, sizeof(x->a));
}

int addr_is_unspecified(const struct addr *a)
{
	static const uint8_t zero[16];

	return !memcmp(a->a, zero, sizeof(zero));
}
