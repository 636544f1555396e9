/*
 * knockctl: knockd's local control client. Sends one request line over the control socket
 * and prints the answer; exit 1 with the daemon's reason when it refuses.
 *   knockctl [-S SOCKET | -c FILE] [--json] list | status | flush | reload | revoke ID
 *                                 | open DOOR [--ttl DUR] [--addr IP]
 *                                 | run DOOR [--ttl DUR] [--addr IP] -- COMMAND [ARG...]
 * (run: knockctl_run.c)
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
#include "config_load.h"
#include "ctlproto.h"
#include "knockctl.h"
#include "knockctl_gate.h"
#include "version.h"

#define DEFAULT_SOCKET "/run/knockd.sock"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: knockctl [-S SOCKET | -c FILE] [--json] list | status | flush | reload\n"
		"       knockctl [-S SOCKET | -c FILE] [--json] revoke ID\n"
		"       knockctl [-S SOCKET | -c FILE] [--json] open DOOR [--ttl DUR] [--addr IP]\n"
		"       knockctl [-S SOCKET | -c FILE] run DOOR [--ttl DUR] [--addr IP] -- COMMAND "
		"[ARG...]\n"
		"       knockctl [-S SOCKET | -c FILE] gate [status|remove]\n"
		"       knockctl --version | --help\n"
		"  -c FILE  take the socket from knockd.conf's control_socket\n"
		"See knockctl(8).\n");
}

/* A [knockd] control_socket line, read without parsing the rest (which may be broken). */
static void socket_scan(const char *file, char *out, size_t len)
{
	char line[1024], *v, *e;
	int in_knockd = 0;
	FILE *f = fopen(file, "r");

	snprintf(out, len, "%s", DEFAULT_SOCKET);
	for (int n = 0; f && n < 100000 && fgets(line, sizeof(line), f); n++) {
		if (line[0] == '[')
			in_knockd = !strncmp(line, "[knockd]", 8);
		if (!in_knockd || strncmp(line, "control_socket", 14))
			continue;
		v = line + 14 + strspn(line + 14, " \t");
		if (*v++ != '=')
			continue;
		v += strspn(v, " \t");
		e = v + strcspn(v, ";\r\n");
		while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		snprintf(out, len, "%.*s", (int)(e - v), v);
	}
	if (f)
		fclose(f);
}

/*
 * knockctl -c FILE: the socket named by the server's configuration, which must parse --
 * except for reload: the daemon then reads the broken file itself and answers with the
 * same refusal it logs (and shows in systemctl status), so the socket line is scanned; and
 * for status (lenient 2), which says whether the daemon runs on its last-good copy.
 */
static int socket_from_config(const char *file, int lenient, char *out, size_t len)
{
	struct config c;
	char err[512];

	if (config_load(&c, file, err, sizeof(err)) < 0) {
		if (lenient) {
			if (lenient == 2)
				fprintf(stderr, "knockctl: note: %s\n", err);
			socket_scan(file, out, len);
			return 0;
		}
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

/* Appends what the daemon said to body (NUL-terminated, truncated), or to stdout. */
static void put_body(const char *s, char *body, size_t bodylen)
{
	size_t have;

	if (!body) {
		fputs(s, stdout);
		return;
	}
	have = strlen(body);
	snprintf(body + have, bodylen - have, "%s", s);
}

int knockctl_exchange(const char *path, const char *line, char *body, size_t bodylen)
{
	char buf[4096], *nl;
	size_t have = 0;
	ssize_t n;
	int fd = connect_socket(path), ok = -1, werr = 0;

	if (body)
		body[0] = '\0';
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
			put_body(nl + 1, body, bodylen);
			have = 0;
		} else if (ok >= 0) {
			put_body(buf, body, bodylen);
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

/* run's COMMAND: everything after the first "--", cut off argv for getopt. */
static char **split_command(int *argc, char **argv)
{
	for (int i = 1; i < *argc; i++) {
		if (!strcmp(argv[i], "--")) {
			argv[i] = NULL;
			*argc = i;
			return argv + i + 1;
		}
	}
	return NULL;
}

/* run takes exactly DOOR before "--" and a COMMAND after it; nothing else takes "--". */
static int check_run(int run, int nargs, char **cmd)
{
	if (run == (cmd != NULL) && (!run || (cmd[0] && nargs == 2)))
		return 0;
	fprintf(stderr, "knockctl: %s\n",
		run ? "usage: knockctl run DOOR [--ttl DUR] [--addr IP] -- COMMAND [ARG...]"
		    : "-- COMMAND goes with run");
	return -1;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"json", no_argument, NULL, 'j'},       {"ttl", required_argument, NULL, 'T'},
	    {"addr", required_argument, NULL, 'A'}, {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},    {NULL, 0, NULL, 0}};
	const char *sock = DEFAULT_SOCKET, *ttl = NULL, *addr = NULL, *conf = NULL;
	struct ctl_request r;
	char line[CTL_LINE_MAX + 8], path[PATH_MAX], **cmd;
	static char open_verb[] = "open";
	int opt, json = 0, run;

	cmd = split_command(&argc, argv);
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
		case 'V':
			printf("knockctl %s\n", KNOCK_VERSION);
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
	if (!strcmp(argv[optind], "gate")) { /* the kernel's, read here: no daemon needed */
		if (conf && socket_from_config(conf, 1, path, sizeof(path)) < 0)
			return 1;
		return knockctl_gate(argc - optind - 1, argv + optind + 1, conf ? path : sock);
	}
	run = !strcmp(argv[optind], "run");
	if (check_run(run, argc - optind, cmd) < 0)
		return 1;
	if (run)
		argv[optind] = open_verb; /* run opens as open does, then holds the grant */
	if (build(&r, argc - optind, argv + optind, ttl, addr) < 0)
		return 1;
	if (conf) {
		if (socket_from_config(conf,
				       r.verb == CTL_RELOAD   ? 1
				       : r.verb == CTL_STATUS ? 2
							      : 0,
				       path, sizeof(path)) < 0)
			return 1;
		sock = path;
	}
	r.json = json && !run;
	if (ctl_format(&r, line, sizeof(line)) < 0)
		return 1;
	if (run)
		return knockctl_run(sock, r.door, line, cmd);
	return knockctl_exchange(sock, line, NULL, 0);
}
