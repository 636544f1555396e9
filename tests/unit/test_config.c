/* knockd.conf and knock.conf: values, defaults, and file:line errors for bad input. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfgfile.h"
#include "clientconf.h"
#include "clientfile.h"
#include "config.h"
#include "config_load.h"
#include "tap.h"

#define PK1 "iw4SVMXIEfUnwRu6Qo/+90WurpTViOB0UFYKAe7XgxI="
#define PK2 "qRW+cMyFxY3Df/ywRR5IqQspGc182JvgngUkySw4lCc="

static const char good[] = "# comment\n"
			   "[knockd]\n"
			   "interfaces = eth0, eth1\n"
			   "spa_port = 62202 ; inline comment\n"
			   "replay_window = 2m\n"
			   "[door:ssh]\n"
			   "ports = 22\n"
			   "ttl = 30s\n"
			   "max_ttl = 1h\n"
			   "[door:web-egress]\n"
			   "direction = out\n"
			   "protocol = tcp\n"
			   "ports = 80,443\n"
			   "ttl = 10m\n"
			   "destinations = 198.51.100.0/24, 2001:db8::/32\n"
			   "[client:laptop]\n"
			   "public_key = " PK1 "\n"
			   "doors = ssh, web-egress\n"
			   "sequence = yes\n"
			   "[sequence:legacy]\n"
			   "ports = 7000,8000:udp,9000\n"
			   "timeout = 5s\n"
			   "doors = ssh\n"
			   "[window:nightly]\n"
			   "doors = web-egress\n"
			   "at = 03:00\n"
			   "duration = 30m\n";

static void parses_good(void)
{
	struct config c;
	char err[512] = "";

	if (!ok(config_parse(&c, "good.conf", good, strlen(good), err, sizeof(err)) == 0,
		"full example parses: %s", err))
		return;
	ok(!strcmp(c.interfaces, "eth0, eth1") && c.spa_port == 62202 && c.replay_window == 120,
	   "[knockd] values");
	ok(!strcmp(c.state_dir, "/var/lib/knockd") && c.backend == BACKEND_AUTO &&
	       c.capture_buffer == 8 * 1024 * 1024,
	   "defaults: state_dir, backend auto, capture_buffer 8m");
	ok(c.ndoors == 2 && c.doors[0].ttl == 30 && c.doors[0].max_ttl == 3600 &&
	       c.doors[0].direction == DIR_IN && c.doors[0].nports == 1,
	   "door ssh");
	ok(c.doors[1].direction == DIR_OUT && c.doors[1].nports == 2 &&
	       c.doors[1].ports[1] == 443 && c.doors[1].max_ttl == 600 && c.doors[1].ndests == 2 &&
	       c.doors[1].dests[0].len == 24 && c.doors[1].dests[1].addr.family == 6,
	   "door web-egress: out, two ports, max_ttl defaults to ttl, destinations");
	ok(c.nclients == 1 && c.clients[0].doors == 3 && c.clients[0].sequence,
	   "client laptop: both doors, sequence");
	ok(c.nseqs == 1 && c.seqs[0].nsteps == 3 && c.seqs[0].steps[1].protocol == 17 &&
	       c.seqs[0].steps[2].port == 9000,
	   "static sequence 7000,8000:udp,9000");
	ok(c.nwindows == 1 && c.windows[0].minute_of_day == 180 && c.windows[0].duration == 1800 &&
	       c.windows[0].days == 0x7f,
	   "window at 03:00 for 30m, every day");
	config_free(&c);
}

static const struct {
	const char *text;
	const char *want; /* expected error, with file:line */
} bad[] = {
    {"[knockd]\nbogus = 1\n", "bad.conf:2: unknown key 'bogus'"},
    {"[nonsense]\n", "bad.conf:1: unknown section [nonsense]"},
    {"[door:ssh]\nports = 22\nttl = 5x\n", "bad.conf:3: bad duration '5x'"},
    {"[door:ssh]\nports = 0\n", "bad.conf:2: bad port '0'"},
    {"[door:ssh]\nports = 70000\n", "bad.conf:2: bad port '70000'"},
    {"[door:ssh]\nports = 22\n[door:ssh]\nports = 23\n",
     "bad.conf:3: duplicate [door:ssh] (first at line 1)"},
    {"[door:ssh]\nports = 22\nports = 23\n", "bad.conf:3: duplicate key 'ports'"},
    {"[door:ssh]\nports = 22\n[client:a]\npublic_key = " PK1 "\ndoors = ssh, web\n",
     "bad.conf:5: door 'web' is not defined"},
    {"[door:ssh]\nports = 22\n[client:a]\npublic_key = " PK1 "\ndoors = ssh\n"
     "[client:b]\npublic_key = " PK1 "\ndoors = ssh\n",
     "bad.conf:7: client 'b' has the same public_key as client 'a' (line 4)"},
    {"[door:ssh]\nports = 22\n[client:a]\npublic_key = notbase64\n",
     "bad.conf:4: bad public_key 'notbase64'"},
    {"[door:ssh]\nports = 22\nttl = 2h\nmax_ttl = 1h\n",
     "bad.conf:1: door 'ssh': ttl is above max_ttl"},
    {"[door:ssh]\nprotocol = sctp\n", "bad.conf:2: bad protocol 'sctp'"},
    {"[door:ssh]\nports = 22\n[client:a]\ndoors = ssh\n",
     "bad.conf:3: client 'a' has no public_key"},
    {"[knockd]\nspa_port = 62201\n[knockd]\n", "bad.conf:3: second [knockd] section"},
    {"[knockd]\nthis line has no equals sign\n", "bad.conf:2: syntax error"},
    {"orphan = 1\n", "bad.conf:1: key 'orphan' outside a section"},
    {"[door:bad name]\n", "bad.conf:1: bad name 'bad name'"},
    {"[knockd]\nreplay_window = 2s\n", "bad.conf:2: duration '2s' is out of range"},
    {"[knockd]\nbackend = pf\n", "bad.conf:2: bad backend 'pf'"},
    {"[knockd]\ncapture_buffer = 32k\n", "bad.conf:2: size '32k' is out of range (64k to 64m)"},
    {"[knockd]\ncapture_buffer = 128m\n", "bad.conf:2: size '128m' is out of range (64k to 64m)"},
    {"[knockd]\ncapture_buffer = 1.5m\n", "bad.conf:2: bad size '1.5m'"},
    {"[door:ssh]\nports = 22\n[window:w]\ndoors = ssh\nat = 25:00\n",
     "bad.conf:5: bad time '25:00'"},
    {"[knockd]\n", "bad.conf:1: no [door:NAME] section"},
    {"[door:ssh]\nprotocol = tcp\n  ports = 22\n",
     "bad.conf:3: indented line: indentation continues the value of 'protocol'"},
    {"[door:ssh]\nports = 22\n[door:web]\nprotocol = tcp\n\tports = 80\n",
     "bad.conf:5: indented line: indentation continues the value of 'protocol'"},
    {"[door:a]\ndirection = out\nports = 80\nowner = no-such-user-knockd\n",
     "bad.conf:4: owner 'no-such-user-knockd': no such user"},
    {"[door:a]\nports = 22\nowner = root\n", "bad.conf:3: door 'a': owner needs direction = out"},
    {"[door:a]\ndirection = out\nports = 80\nowner = 12x\n", "bad.conf:4: owner '12x'"},
    {"[door:a]\ndirection = out\nports = 80\nowner =\n", "bad.conf:4: "},
};

static void refuses_bad(void)
{
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct config c;
		char err[512] = "";
		int r = config_parse(&c, "bad.conf", bad[i].text, strlen(bad[i].text), err,
				     sizeof(err));

		ok(r < 0 && !strncmp(err, bad[i].want, strlen(bad[i].want)), "refused: %s", err);
	}
}

/* Positive controls for the indentation check: indented comments and blank lines, and an
 * indented first key of a section (inih has nothing to continue), still parse. */
static void indented_fine(void)
{
	static const char text[] = "[door:ssh]\nports = 22\n   ; an indented comment\n"
				   "\t# another\n   \n[door:web]\n  ports = 80\n";
	struct config c;
	char err[512] = "";

	ok(config_parse(&c, "ok.conf", text, strlen(text), err, sizeof(err)) == 0 && c.ndoors == 2,
	   "indented comments, blank lines and a section's indented first key parse: %s", err);
	config_free(&c);
}

/* etc/knock.conf holds a placeholder, not a key: refused as it is, parses once filled in. */
static void sample_client(struct client_config *cc, char *err, size_t errlen)
{
	char *text = NULL, *p;
	size_t len = 0;

	ok(clientfile_load(cc, "etc/knock.conf", err, errlen) < 0 &&
	       strstr(err, "PASTE-SERVER-PUBKEY"),
	   "sample etc/knock.conf: its placeholder is refused: %s", err);
	ok(cfg_read_file("etc/knock.conf", &text, &len, err, errlen) == 0 &&
	       (p = strstr(text, "PASTE-SERVER-PUBKEY")) != NULL,
	   "sample etc/knock.conf has server_public_key = PASTE-SERVER-PUBKEY");
	if (text && (p = strstr(text, "= PASTE-SERVER-PUBKEY"))) {
		char filled[8192];

		snprintf(filled, sizeof(filled), "%.*s= " PK2 "%s", (int)(p - text), text,
			 p + strlen("= PASTE-SERVER-PUBKEY"));
		ok(clientfile_parse(cc, "etc/knock.conf", filled, strlen(filled), err, errlen) == 0,
		   "sample etc/knock.conf parses with a key pasted in: %s", err);
		clientconf_free(cc);
	}
	free(text);
}

static void sample_and_client(void)
{
	struct config c;
	struct client_config cc;
	char err[512] = "";
	const char *ctext = "[knock]\nprivate_key = ~/.config/knock/id\n[host:prod]\n"
			    "address = 192.0.2.1\nserver_public_key = " PK2 "\ndoors = ssh\n";

	char *text = NULL;
	size_t len = 0;

	/* parsed, not loaded: the checkout may be another user's, and config_load refuses that */
	ok(cfg_read_file("etc/knockd.conf", &text, &len, err, sizeof(err)) == 0 &&
	       config_parse(&c, "etc/knockd.conf", text, len, err, sizeof(err)) == 0,
	   "sample etc/knockd.conf parses: %s", err);
	free(text);
	config_free(&c);
	sample_client(&cc, err, sizeof(err));
	ok(clientfile_parse(&cc, "k.conf", ctext, strlen(ctext), err, sizeof(err)) == 0 &&
	       cc.nhosts == 1 && clientconf_find(&cc, "prod") &&
	       clientconf_find(&cc, "prod")->spa_port == 62201,
	   "client profile with default spa_port: %s", err);
	clientconf_free(&cc);
	ctext = "[host:prod]\naddress = 192.0.2.1\n";
	ok(clientfile_parse(&cc, "k.conf", ctext, strlen(ctext), err, sizeof(err)) < 0 &&
	       !strcmp(err, "k.conf:1: host 'prod' needs address and server_public_key"),
	   "client profile without a server key refused: %s", err);
}

static void parses_forward(void)
{
	static const char text[] = "[knockd]\n"
				   "nft_forward_chain = fwd\n"
				   "[door:db]\n"
				   "direction = forward\n"
				   "to = 2001:db8:2::20\n"
				   "ports = 22\n"
				   "nat_port = 2222\n"
				   "[door:net]\n"
				   "direction = forward\n"
				   "to = 198.51.100.0/24\n"
				   "ports = 22, 80\n";
	struct config c;
	char err[512] = "";

	if (!ok(config_parse(&c, "fwd.conf", text, strlen(text), err, sizeof(err)) == 0,
		"forward doors parse: %s", err))
		return;
	ok(!strcmp(c.nft_forward_chain, "fwd"), "nft_forward_chain");
	ok(c.doors[0].direction == DIR_FWD && c.doors[0].to.addr.family == 6 &&
	       c.doors[0].to.len == 128 && c.doors[0].nat_port == 2222,
	   "door db: forward to one IPv6 address, nat_port");
	ok(c.doors[1].direction == DIR_FWD && c.doors[1].to.addr.family == 4 &&
	       c.doors[1].to.len == 24 && c.doors[1].nat_port == 0 && c.doors[1].nports == 2,
	   "door net: forward to an IPv4 prefix, two ports, no nat_port");
	config_free(&c);
	ok(config_parse(&c, "d.conf", "[door:x]\nports = 1\n", 18, err, sizeof(err)) == 0 &&
	       !strcmp(c.nft_forward_chain, "forward"),
	   "nft_forward_chain defaults to forward");
	config_free(&c);
}

/* owner = USER|UID: names resolved when the file loads (root is uid 0 everywhere). */
static void parses_owner(void)
{
	static const char text[] = "[door:apt]\n"
				   "direction = out\n"
				   "ports = 80,443\n"
				   "owner = root\n"
				   "[door:num]\n"
				   "direction = out\n"
				   "ports = 80\n"
				   "owner = 4242424\n"
				   "[door:any]\n"
				   "direction = out\n"
				   "ports = 80\n";
	struct config c;
	char err[512] = "";

	if (!ok(config_parse(&c, "own.conf", text, strlen(text), err, sizeof(err)) == 0,
		"owner doors parse: %s", err))
		return;
	ok(c.doors[0].has_owner && c.doors[0].owner_uid == 0 &&
	       !strcmp(c.doors[0].owner_name, "root"),
	   "owner = root: uid 0");
	ok(c.doors[1].has_owner && c.doors[1].owner_uid == 4242424 &&
	       !strcmp(c.doors[1].owner_name, "4242424"),
	   "owner = 4242424: a uid without a name is taken as it is");
	ok(!c.doors[2].has_owner, "no owner: every socket");
	config_free(&c);
}

int main(void)
{
	parses_good();
	parses_owner();
	parses_forward();
	refuses_bad();
	indented_fine();
	sample_and_client();
	return tap_done();
}
