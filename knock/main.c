/* knock: the client. A small dispatch over subcommands; sending a token is the default. */
#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "group.h"
#include "keygen.h"
#include "parse.h"
#include "send.h"
#include "proxy.h"
#include "sequence.h"
#include "version.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: knock keygen [FILE]\n"
		   "       knock pubkey [FILE]\n"
		   "       knock [-c FILE] [-4|-6] [--ttl DUR] [--addr IP] [--copies N] "
		   "[--spacing MS] [-v] HOST|GROUP [DOOR...]\n"
		   "       knock [-c FILE] [-4|-6] [--copies N] [-v] --sequence HOST|GROUP\n"
		   "       knock [-c FILE] [-4|-6] [-v] HOST|GROUP PORT[:tcp|udp]...\n"
		   "       knock [-c FILE] [-4|-6] [-v] [--wait DUR] -W HOST:PORT\n"
		   "       knock --version | --help\n"
		   "See knock(1).\n");
}

/* A [group:] of that name knocks each member; otherwise one profile (or address). */
static int knock_host(const struct send_opts *o, const char *name, enum group_mode mode,
		      char **args, int nargs)
{
	int r = group_run(o, name, mode, args, nargs);

	if (r >= 0)
		return r;
	switch (mode) {
	case GROUP_SEQUENCE:
		return cmd_sequence(o, name);
	case GROUP_STATIC:
		return cmd_static(o, name, args, nargs);
	default:
		return cmd_send(o, name, args, nargs);
	}
}

/* --copies N (1..SEND_COPIES_MAX) and --spacing MS (0..1000). */
static int copies_opt(struct send_opts *o, int opt, const char *arg)
{
	char *end;
	long v = strtol(arg, &end, 10);
	long max = opt == 'n' ? SEND_COPIES_MAX : 1000;

	if (!*arg || *end || v < (opt == 'n') || v > max) {
		fprintf(stderr, "knock: --%s: '%s' is not a number from %d to %ld\n",
			opt == 'n' ? "copies" : "spacing", arg, opt == 'n', max);
		return -1;
	}
	if (opt == 'n') {
		o->copies = (int)v;
	} else {
		o->spacing_ms = (uint32_t)v;
		o->spacing_set = 1;
	}
	return 0;
}

static int send_main(int argc, char **argv)
{
	static const struct option longopts[] = {{"ttl", required_argument, NULL, 'T'},
						 {"addr", required_argument, NULL, 'A'},
						 {"help", no_argument, NULL, 'h'},
						 {"sequence", no_argument, NULL, 'S'},
						 {"wait", required_argument, NULL, 'w'},
						 {"version", no_argument, NULL, 'V'},
						 {"copies", required_argument, NULL, 'n'},
						 {"spacing", required_argument, NULL, 'i'},
						 {NULL, 0, NULL, 0}};
	struct send_opts o = {0};
	char err[128];
	const char *proxy = NULL;
	uint32_t wait_secs = 10;
	int opt, sequence = 0;

	while ((opt = getopt_long(argc, argv, "+c:46vhW:", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			o.config = optarg;
			break;
		case '4':
			o.family = 4;
			break;
		case '6':
			o.family = 6;
			break;
		case 'v':
			o.verbose = 1;
			break;
		case 'A':
			o.addr = optarg;
			break;
		case 'S':
			sequence = 1;
			break;
		case 'W':
			proxy = optarg;
			break;
		case 'w':
			if (parse_duration(optarg, &wait_secs, err, sizeof(err)) < 0) {
				fprintf(stderr, "knock: --wait: %s\n", err);
				return 1;
			}
			break;
		case 'n':
		case 'i':
			if (copies_opt(&o, opt, optarg) < 0)
				return 1;
			break;
		case 'T':
			if (parse_duration(optarg, &o.ttl, err, sizeof(err)) < 0) {
				fprintf(stderr, "knock: --ttl: %s\n", err);
				return 1;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("knock %s\n", KNOCK_VERSION);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (proxy) {
		if (optind != argc || sequence) {
			fprintf(stderr, "knock: -W takes HOST:PORT and nothing else\n");
			return 1;
		}
		return cmd_proxy(&o, proxy, wait_secs);
	}
	if (optind >= argc) {
		usage(stderr);
		return 1;
	}
	if (sequence) {
		if (argc - optind != 1 || o.ttl || o.addr) {
			fprintf(stderr,
				"knock: --sequence takes one HOST and no doors, --ttl or "
				"--addr (a sequence opens every door of its client, for the "
				"address it comes from, for each door's ttl)\n");
			return 1;
		}
		return knock_host(&o, argv[optind], GROUP_SEQUENCE, NULL, 0);
	}
	if (argc - optind >= 2 && is_port_spec(argv[optind + 1]))
		return knock_host(&o, argv[optind], GROUP_STATIC, argv + optind + 1,
				  argc - optind - 1);
	return knock_host(&o, argv[optind], GROUP_TOKEN, argv + optind + 1, argc - optind - 1);
}

int main(int argc, char **argv)
{
	if (sodium_init() < 0) {
		fprintf(stderr, "knock: libsodium failed to initialise\n");
		return 1;
	}
	if (argc >= 2 && !strcmp(argv[1], "keygen"))
		return cmd_keygen(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "pubkey"))
		return cmd_pubkey(argc - 1, argv + 1);
	return send_main(argc, argv);
}
