/* IPv4/IPv6 addresses as the token, grants and firewall see them: family + 16 bytes. */
#ifndef KNOCK_ADDR_H
#define KNOCK_ADDR_H

#include <stddef.h>
#include <stdint.h>

#define ADDR_STRLEN 46

struct addr {
	uint8_t family; /* 4 or 6; 0 = none */
	uint8_t a[16];  /* IPv4 in the first 4 bytes, the rest zero */
};

int addr_parse(const char *s, struct addr *out);
void addr_format(const struct addr *a, char *buf, size_t buflen);
int addr_equal(const struct addr *x, const struct addr *y);
int addr_is_unspecified(const struct addr *a);

#endif
