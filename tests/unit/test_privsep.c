/*
 * The privsep channel, as the rule writer sees it: forged requests (a client that does not
 * exist, doors it may not open, a bad family, a static sequence that does not exist, a
 * wrong type) are refused; short or foreign messages on a real socketpair are rejected.
 */
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "config.h"
#include "config_load.h"
#include "privsep.h"
#include "tap.h"

static const char conf[] = "[door:ssh]\nports = 22\n[door:web]\nports = 80\n"
			   "[door:admin]\nports = 8443\n"
			   "[client:a]\npublic_key = iw4SVMXIEfUnwRu6Qo/+90WurpTViOB0UFYKAe7XgxI=\n"
			   "doors = ssh, web\n"
			   "[sequence:legacy]\nports = 7000,8000\ndoors = web\n";

static struct ps_msg grant(int origin, int client, int seq, uint32_t doors)
{
	struct ps_msg m;

	memset(&m, 0, sizeof(m));
	m.magic = PS_MAGIC;
	m.type = PS_GRANT;
	m.origin = (uint32_t)origin;
	m.client = client;
	m.seq = seq;
	m.doors = doors;
	addr_parse("192.0.2.10", &m.addr);
	return m;
}

int main(void)
{
	struct config c;
	struct ps_msg m, got;
	char err[256];
	int sv[2];

	if (config_parse(&c, "t.conf", conf, strlen(conf), err, sizeof(err)) < 0)
		return 1;
	m = grant(ORIGIN_TOKEN, 0, -1, 3);
	ok(privsep_check(&c, &m, err, sizeof(err)) == 0, "a real client's doors: accepted");
	m = grant(ORIGIN_TOKEN, 0, -1, 4);
	ok(privsep_check(&c, &m, err, sizeof(err)) < 0, "a door the client may not open: %s", err);
	m = grant(ORIGIN_TOKEN, 7, -1, 1);
	ok(privsep_check(&c, &m, err, sizeof(err)) < 0, "a client that does not exist: %s", err);
	m = grant(ORIGIN_TOKEN, -1, -1, 1);
	ok(privsep_check(&c, &m, err, sizeof(err)) < 0, "client -1: %s", err);
	m = grant(ORIGIN_SEQUENCE, 0, -1, 1);
	ok(privsep_check(&c, &m, err, sizeof(err)) < 0, "a sequence for a client without: %s", err);
	m = grant(ORIGIN_SEQUENCE, -1, 0, 2);
	ok(privsep_check(&c, &m, err, sizeof(err)) == 0, "a static sequence's door: accepted");
	m = grant(ORIGIN_SEQUENCE, -1, 0, 1);
	ok(privsep_check(&c, &m, err, sizeof(err)) < 0, "a static sequence, another door: %s", err);
	m = grant(ORIGIN_SEQUENCE, -1, 5, 2);
	ok(privsep_check(&c, &m, err, sizeof(err)) < 0, "a static sequence that does not exist: %s",
	   err);
	m = grant(ORIGIN_SEQUENCE, 1000000, 0, 2);
	ok(privsep_check(&c, &m, err, sizeof(err)) < 0,
	   "a static sequence naming client 1000000 (the writer would index it): %s", err);
	m = grant(ORIGIN_SEQUENCE, 0, 0, 2);
	ok(privsep_check(&c, &m, err, sizeof(err)) < 0, "a static sequence naming client 0: %s",
	   err);
	m = grant(ORIGIN_TOKEN, 0, 0, 1);
	ok(privsep_check(&c, &m, err, sizeof(err)) < 0, "a token naming a static sequence: %s",
	   err);
	m = grant(ORIGIN_LOCAL, 0, -1, 1);
	ok(privsep_check(&c, &m, err, sizeof(err)) < 0, "origin local from the parser: %s", err);
	m = grant(ORIGIN_TOKEN, 0, -1, 0);
	ok(privsep_check(&c, &m, err, sizeof(err)) < 0, "no door at all: %s", err);
	m = grant(ORIGIN_TOKEN, 0, -1, 1);
	m.addr.family = 5;
	ok(privsep_check(&c, &m, err, sizeof(err)) < 0, "address family 5: %s", err);
	m = grant(ORIGIN_TOKEN, 0, -1, 1);
	m.addr.a[7] = 1;
	ok(privsep_check(&c, &m, err, sizeof(err)) < 0, "IPv4 with junk in the unused bytes: %s",
	   err);
	m = grant(ORIGIN_TOKEN, 0, -1, 1);
	m.type = PS_STATS;
	ok(privsep_check(&c, &m, err, sizeof(err)) < 0, "not a grant: %s", err);

	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) < 0)
		return 1;
	m = grant(ORIGIN_TOKEN, 0, -1, 1);
	ok(privsep_send(sv[1], &m) == 0 && privsep_recv(sv[0], &got) == 0 && got.doors == 1,
	   "a whole message crosses the channel");
	ok(write(sv[1], &m, sizeof(m) - 1) > 0 && privsep_recv(sv[0], &got) < 0,
	   "a short message is rejected");
	m.magic = 0x41414141;
	ok(write(sv[1], &m, sizeof(m)) > 0 && privsep_recv(sv[0], &got) < 0,
	   "a message without the magic is rejected");
	{
		char big[sizeof(m) + 64];

		memset(big, 0, sizeof(big));
		memcpy(big, &m, sizeof(m));
		((struct ps_msg *)(void *)big)->magic = PS_MAGIC;
		ok(write(sv[1], big, sizeof(big)) > 0 && privsep_recv(sv[0], &got) < 0,
		   "an oversized message is rejected");
	}
	close(sv[1]);
	ok(privsep_recv(sv[0], &got) < 0, "the peer gone: rejected (the daemon stops)");
	close(sv[0]);
	config_free(&c);
	return tap_done();
}
