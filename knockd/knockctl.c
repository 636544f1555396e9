/*
 * knockctl: knockd's local control client. Sends one request line over the control socket
 * and prints the answer; exit 1 with the daemon's reason when it refuses.
 *   knockctl [-S SOCKET | -c FILE] [--json] list | status | flush | reload | revoke ID
 *                                 | open DOOR [--ttl DUR] [--addr IP]
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "config.h"
#include "ctlproto.h"
#include "knockctl_gate.h"

#define DEFAULT_SOCKET "/run/knockd.sock"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: knockctl [-S SOCKET | -c FILE] [--json] list | status | flush | reload\n"
		"       knockctl [-S SOCKET | -c FILE] [--json] revoke ID\n"
		"       knockctl [-S SOCKET | -c FILE] [--json] open DOOR [--ttl DUR] [--addr IP]\n"
		"       knockctl [-S SOCKET | -c FILE] gate [status|remove]\n"
		"  -c FILE  take the socket from knockd.conf's control_socket\n");
}

/* knockctl -c FILE: the socket named by the server's configuration (which must parse). */
static int socket_from_config(const char *file, char *out, size_t len)
{
	struct config c;
	char err[512];

	if (config_load(&c, file, err, sizeof(err)) < 0) {
		fprintf(stderr, "knockctl: %s\n", err);
		return -1;
	}
	snprintf(out, len, "%s", c.control_socket);
	config_free(&c);
	return 0;
}

static int connect_socket(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (strlen(path) >= sizeof(sa.sun_path) || fd < 0)
		return -1;
	strcpy(sa.sun_path, path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
		return fd;
	if (errno == EACCES || errno == EPERM)
		fprintf(stderr, "knockctl: %s: permission denied (knockctl needs root)\n", path);
	else
		fprintf(stderr, "knockctl: %s: %s (is knockd running?)\n", path, strerror(errno));
	close(fd);
	return -1;
}

/* Sends the request, copies the body to stdout; the first line says OK or ERR reason. */
static int exchange(const char *path, const char *line)
{
	char buf[4096], *nl;
	size_t have = 0;
	ssize_t n;
	int fd = connect_socket(path), ok = -1, werr = 0;

	if (fd < 0)
		return 1;
	/* A refusing daemon may answer and close before our request is written: read on. */
	if (write(fd, line, strlen(line)) != (ssize_t)strlen(line))
		werr = errno;
	while ((n = read(fd, buf + have, sizeof(buf) - 1 - have)) > 0) {
		have += (size_t)n;
		buf[have] = '\0';
		if (ok < 0 && (nl = strchr(buf, '\n'))) {
			*nl = '\0';
			ok = !strcmp(buf, "OK");
			if (!ok)
				fprintf(stderr, "knockctl: %s\n",
					strncmp(buf, "ERR ", 4) ? buf : buf + 4);
			fputs(nl + 1, stdout);
			have = 0;
		} else if (ok >= 0) {
			fputs(buf, stdout);
			have = 0;
		}
	}
	close(fd);
	if (ok < 0)
		fprintf(stderr, "knockctl: %s: %s\n", path, werr ? strerror(werr) : "no answer");
	return ok == 1 ? 0 : 1;
}

static int build(struct ctl_request *r, int argc, char **argv, const char *ttl, const char *addr)
{
	char line[CTL_LINE_MAX], err[128];
	size_t n = 0;
	uint32_t secs = 0;

	/* n stays below sizeof(line): a long argument must not walk past it (review 5.6) */
	for (int i = 0; i < argc && n < sizeof(line); i++) {
		int w = snprintf(line + n, sizeof(line) - n, "%s%s", i ? " " : "", argv[i]);

		n = w < 0 ? sizeof(line) : n + (size_t)w;
	}
	if (n >= sizeof(line) || ctl_parse(line, r, err, sizeof(err)) < 0) {
		fprintf(stderr, "knockctl: %s\n", n >= sizeof(line) ? "request too long" : err);
		return -1;
	}
	if ((ttl || addr) && r->verb != CTL_OPEN) {
		fprintf(stderr, "knockctl: --ttl and --addr go with open\n");
		return -1;
	}
	if (ttl && parse_duration(ttl, &secs, err, sizeof(err)) < 0) {
		fprintf(stderr, "knockctl: --ttl: %s\n", err);
		return -1;
	}
	r->ttl = secs;
	if (addr && addr_parse(addr, &r->addr) < 0) {
		fprintf(stderr, "knockctl: --addr: bad address '%s'\n", addr);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {{"json", no_argument, NULL, 'j'},
						 {"ttl", required_argument, NULL, 'T'},
						 {"addr", required_argument, NULL, 'A'},
						 {"help", no_argument, NULL, 'h'},
						 {NULL, 0, NULL, 0}};
	const char *sock = DEFAULT_SOCKET, *ttl = NULL, *addr = NULL, *conf = NULL;
	struct ctl_request r;
	char line[CTL_LINE_MAX + 8], path[PATH_MAX];
	int opt, json = 0;

	while ((opt = getopt_long(argc, argv, "S:c:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'S':
			sock = optarg;
			break;
		case 'c':
			conf = optarg;
			break;
		case 'j':
			json = 1;
			break;
		case 'T':
			ttl = optarg;
			break;
		case 'A':
			addr = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (optind == argc) {
		usage(stderr);
		return 1;
	}
	signal(SIGPIPE, SIG_IGN); /* a refusing daemon may close first: report, don't die */
	if (conf && socket_from_config(conf, path, sizeof(path)) < 0)
		return 1;
	if (!strcmp(argv[optind], "gate")) /* the kernel's, read here: no daemon needed */
		return knockctl_gate(argc - optind - 1, argv + optind + 1, conf ? path : sock);
	if (build(&r, argc - optind, argv + optind, ttl, addr) < 0)
		return 1;
	if (conf)
		sock = path;
	r.json = json;
	if (ctl_format(&r, line, sizeof(line)) < 0)
		return 1;
	return exchange(sock, line);
}
