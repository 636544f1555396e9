/* knock HOST [DOOR...]: build, seal and send one token. */
#ifndef KNOCK_SEND_H
#define KNOCK_SEND_H

#include <stdint.h>

struct send_opts {
	const char *config; /* NULL = ~/.config/knock/knock.conf */
	int family;         /* 0, 4 or 6 */
	uint32_t ttl;       /* 0 = profile's, else the door default */
	const char *addr;   /* address to open; NULL = our source address toward the host */
	int verbose;
	int copies;          /* each token (each knock of --sequence) sent this many times; 0 =
				SEND_COPIES (a static sequence: once) */
	uint32_t spacing_ms; /* between copies, when spacing_set (else SEND_SPACING_MS) */
	int spacing_set;
};

/* Copies of a token: 7 get through a link that drops 30 % at random in 99.98 % of tries
 * (0.3^7), spread over 60 ms so that a short burst of loss takes only some of them. */
#define SEND_COPIES     7
#define SEND_SPACING_MS 10
#define SEND_COPIES_MAX 64
/* The copies of one token or knock; the spacing to wait after each but the last. */
int send_copies(const struct send_opts *o, int dflt);
void send_pause(const struct send_opts *o);

struct knock_ctx;

int cmd_send(const struct send_opts *o, const char *host, char **doors, int ndoors);
/* One fresh token for the loaded profile (doors: the arguments, else the profile's). */
int send_token(const struct knock_ctx *x, const struct send_opts *o, char **doors, int ndoors)
    __attribute__((warn_unused_result));

#endif
