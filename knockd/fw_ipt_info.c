/*
 * The legacy watch's cheap look (fw_ipt.h): one getsockopt of IPT_SO_GET_INFO /
 * IP6T_SO_GET_INFO, the call libiptc makes first, for the filter table's size, entry count
 * and hook offsets. Any change to the table changes one of them in practice (a rule added,
 * removed or replaced by one of another size, a chain created or deleted); the watch reads
 * the whole table only then.
 */
#include <netinet/in.h> /* before the kernel's headers, as libiptc's */

#include "fw_ipt.h"

#include <errno.h>
#include <linux/netfilter_ipv4/ip_tables.h>
#include <linux/netfilter_ipv6/ip6_tables.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int fw_ipt_info(int family, struct fwipt_info *out)
{
	struct ipt_getinfo gi; /* struct ip6t_getinfo has the same layout */
	socklen_t len = sizeof(gi);
	int six = family == 6, e;
	int fd = socket(six ? AF_INET6 : AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);

	if (fd < 0)
		return -1;
	memset(&gi, 0, sizeof(gi));
	strcpy(gi.name, "filter");
	if (getsockopt(fd, six ? IPPROTO_IPV6 : IPPROTO_IP,
		       six ? IP6T_SO_GET_INFO : IPT_SO_GET_INFO, &gi, &len) < 0) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	close(fd);
	memset(out, 0, sizeof(*out));
	out->valid_hooks = gi.valid_hooks;
	out->num_entries = gi.num_entries;
	out->size = gi.size;
	memcpy(out->hook_entry, gi.hook_entry, sizeof(out->hook_entry));
	memcpy(out->underflow, gi.underflow, sizeof(out->underflow));
	return 0;
}
