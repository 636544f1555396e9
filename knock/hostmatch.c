/* knock -W HOST: a profile whose address resolves to an address HOST resolves to (ssh's %h
 * is the HostName, which may be an IP while knock.conf names the server by DNS name). */
#include "hostmatch.h"

#include <netdb.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

static int same_addr(const struct addrinfo *a, const struct addrinfo *b)
{
	if (a->ai_family != b->ai_family)
		return 0;
	if (a->ai_family == AF_INET)
		return !memcmp(&((const struct sockaddr_in *)(const void *)a->ai_addr)->sin_addr,
			       &((const struct sockaddr_in *)(const void *)b->ai_addr)->sin_addr,
			       sizeof(struct in_addr));
	if (a->ai_family == AF_INET6)
		return !memcmp(&((const struct sockaddr_in6 *)(const void *)a->ai_addr)->sin6_addr,
			       &((const struct sockaddr_in6 *)(const void *)b->ai_addr)->sin6_addr,
			       sizeof(struct in6_addr));
	return 0;
}

static int any_shared(const struct addrinfo *x, const struct addrinfo *y)
{
	for (const struct addrinfo *a = x; a; a = a->ai_next)
		for (const struct addrinfo *b = y; b; b = b->ai_next)
			if (same_addr(a, b))
				return 1;
	return 0;
}

const struct host_profile *hostmatch_find(const struct client_config *cc, const char *host)
{
	struct addrinfo hints = {.ai_socktype = SOCK_DGRAM}, *want, *have;
	const struct host_profile *found = NULL;

	if (getaddrinfo(host, NULL, &hints, &want) != 0)
		return NULL;
	for (size_t i = 0; !found && i < cc->nhosts; i++) {
		if (getaddrinfo(cc->hosts[i].address, NULL, &hints, &have) != 0)
			continue;
		if (any_shared(want, have))
			found = &cc->hosts[i];
		freeaddrinfo(have);
	}
	freeaddrinfo(want);
	return found;
}
