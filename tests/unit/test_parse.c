/* Value parsers: durations, sizes, ports, booleans, names, lists. */
#include <string.h>

#include "parse.h"
#include "tap.h"

static void durations(void)
{
	static const struct {
		const char *in;
		uint32_t want;
	} good[] = {{"90", 90},   {"90s", 90},   {"15m", 900},
		    {"2h", 7200}, {"1d", 86400}, {"30d", 2592000}};
	static const char *bad[] = {"",     "0",   "0s",          "-1", "1x", "m",
				    "1.5h", "31d", "99999999999", " 5", "5 ", "5mm"};
	char err[128];
	uint32_t v;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ok(parse_duration(good[i].in, &v, err, sizeof(err)) == 0 && v == good[i].want,
		   "duration '%s' = %u", good[i].in, good[i].want);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ok(parse_duration(bad[i], &v, err, sizeof(err)) < 0 && strstr(err, "bad duration"),
		   "duration '%s' refused: %s", bad[i], err);
}

static void sizes(void)
{
	static const struct {
		const char *in;
		uint64_t want;
	} good[] = {{"262144", 262144}, {"256k", 262144},  {"256K", 262144},
		    {"1m", 1048576},    {"64M", 67108864}, {"1g", 1073741824}};
	static const char *bad[] = {"", "k", "-1k", "1.5m", "1t", " 5k", "5k ", "5kk", "0x10"};
	char err[128];
	uint64_t v;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ok(parse_size(good[i].in, &v, err, sizeof(err)) == 0 && v == good[i].want,
		   "size '%s' = %llu", good[i].in, (unsigned long long)good[i].want);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ok(parse_size(bad[i], &v, err, sizeof(err)) < 0 && strstr(err, "bad size"),
		   "size '%s' refused: %s", bad[i], err);
}

static void ports(void)
{
	char err[128];
	uint16_t p;

	ok(parse_port("22", &p, err, sizeof(err)) == 0 && p == 22, "port 22");
	ok(parse_port("65535", &p, err, sizeof(err)) == 0 && p == 65535, "port 65535");
	ok(parse_port("0", &p, err, sizeof(err)) < 0 && strstr(err, "'0'"), "port 0 refused");
	ok(parse_port("70000", &p, err, sizeof(err)) < 0 && strstr(err, "'70000'"),
	   "port 70000 refused: %s", err);
	ok(parse_port("22a", &p, err, sizeof(err)) < 0, "port 22a refused");
}

static void misc(void)
{
	char err[128], buf[16];
	const char *cur = " ssh ,web-egress,, x";
	int b;

	ok(parse_bool("yes", &b, err, sizeof(err)) == 0 && b == 1, "bool yes");
	ok(parse_bool("off", &b, err, sizeof(err)) == 0 && b == 0, "bool off");
	ok(parse_bool("maybe", &b, err, sizeof(err)) < 0, "bool maybe refused");
	ok(parse_name("web-egress.v2_x", err, sizeof(err)) == 0, "name with - . _");
	ok(parse_name("bad name", err, sizeof(err)) < 0, "name with a space refused");
	ok(parse_name("abcdefghijabcdefghijabcdefghijab", err, sizeof(err)) < 0,
	   "name of 32 characters refused");
	ok(parse_list_next(&cur, buf, sizeof(buf)) == 1 && !strcmp(buf, "ssh"), "list: ssh");
	ok(parse_list_next(&cur, buf, sizeof(buf)) == 1 && !strcmp(buf, "web-egress"),
	   "list: web-egress");
	ok(parse_list_next(&cur, buf, sizeof(buf)) == -1, "list: empty item is an error");
	format_duration(900, buf, sizeof(buf));
	ok(!strcmp(buf, "15m"), "format 900 s as 15m");
	format_duration(90, buf, sizeof(buf));
	ok(!strcmp(buf, "90s"), "format 90 s as 90s");
}

int main(void)
{
	durations();
	sizes();
	ports();
	misc();
	return tap_done();
}
