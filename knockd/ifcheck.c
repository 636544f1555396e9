/*
 * knockd -t: the capture interfaces the configuration names exist (and are up), so that a
 * typo is caught by the check rather than by the next start or reload.
 */
#include "ifcheck.h"

#include <errno.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "parse.h"

/* 1 up, 0 down, -1 unknown */
static int is_up(const char *name)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), r = -1;

	if (fd < 0)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, name, strnlen(name, sizeof(ifr.ifr_name) - 1));
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) == 0)
		r = !!(ifr.ifr_flags & IFF_UP);
	close(fd);
	return r;
}

int ifcheck_config(const struct config *c, FILE *out, char *err, size_t errlen)
{
	const char *cur = c->interfaces;
	char iface[64];

	while (parse_list_next(&cur, iface, sizeof(iface)) > 0) {
		if (!strcmp(iface, "any"))
			continue;
		if (strlen(iface) >= IF_NAMESIZE || if_nametoindex(iface) == 0) {
			snprintf(err, errlen,
				 "%s:%d: interfaces: no network interface '%s' here (ip link "
				 "lists them)",
				 c->file, c->interfaces_line, iface);
			return -1;
		}
		if (is_up(iface) == 0) /* checked above: shorter than IF_NAMESIZE */
			fprintf(out,
				"%s:%d: note: interface '%s' is down: knockd captures on it, but "
				"no knock arrives until it is up\n",
				c->file, c->interfaces_line, iface);
	}
	return 0;
}
