/* knock.conf [group:]s: members resolved in order, without repeats; loops refused. */
#include <stdio.h>
#include <string.h>

#include "clientconf.h"
#include "clientfile.h"
#include "tap.h"

#define PK      "qRW+cMyFxY3Df/ywRR5IqQspGc182JvgngUkySw4lCc="
#define HOST(n) "[host:" n "]\naddress = " n ".example.org\nserver_public_key = " PK "\n"

static void members(void)
{
	static const char text[] =
	    HOST("a") HOST("b") HOST("prod") "[group:all]\nhosts = prod, inner, a\n"
					     "[group:inner]\nhosts = b, a\n"
					     "[group:prod]\nhosts = prod, b\n";
	struct client_config c;
	const struct host_group *g;
	char err[512] = "";

	if (!ok(clientfile_parse(&c, "k.conf", text, strlen(text), err, sizeof(err)) == 0,
		"groups parse: %s", err))
		return;
	g = clientconf_find_group(&c, "all");
	ok(g && g->nmembers == 3 && !strcmp(c.hosts[g->members[0]].name, "prod") &&
	       !strcmp(c.hosts[g->members[1]].name, "b") &&
	       !strcmp(c.hosts[g->members[2]].name, "a"),
	   "a nested group is expanded in order, each profile once");
	g = clientconf_find_group(&c, "prod");
	ok(g && g->nmembers == 2 && !strcmp(c.hosts[g->members[0]].name, "prod"),
	   "a group may list the profile of its own name");
	ok(clientconf_find(&c, "prod") != NULL, "the profile of that name is still there");
	clientconf_free(&c);
}

static void refused(void)
{
	static const struct {
		const char *text, *want;
	} bad[] = {
	    {"[group:x]\nhosts = x\n", "k.conf:2: group 'x' contains itself (x -> x)"},
	    {"[group:x]\nhosts = y\n[group:y]\nhosts = z\n[group:z]\nhosts = x\n",
	     "k.conf:6: group 'x' contains itself (x -> y -> z -> x)"},
	    {"[group:x]\nhosts = nope\n",
	     "k.conf:2: group 'x': 'nope' is neither a [host:] profile nor a [group:]"},
	    {"[group:x]\n", "k.conf:1: group 'x' has no hosts"},
	    {"[group:x]\nhosts = a\nhosts = a\n" HOST("a"),
	     "k.conf:3: duplicate key 'hosts' in a [group:] section (want hosts)"},
	    {"[group:x]\nport = 1\n", "k.conf:2: unknown key 'port' in a [group:] section"},
	    {"[group:bad name]\nhosts = a\n", "k.conf:1: bad name"},
	};
	struct client_config c;
	char err[512];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		ok(clientfile_parse(&c, "k.conf", bad[i].text, strlen(bad[i].text), err,
				    sizeof(err)) < 0 &&
		       !strncmp(err, bad[i].want, strlen(bad[i].want)),
		   "refused: %s (want %s)", err, bad[i].want);
	}
}

int main(void)
{
	members();
	refused();
	return tap_done();
}
