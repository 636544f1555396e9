/*
 * What an authenticated knock sequence costs a keyless host to guess, and the floor below
 * which knockd refuses the sequence_ports and sequence_length settings. See knockd.conf(5).
 */
#ifndef KNOCK_SEQCOST_H
#define KNOCK_SEQCOST_H

#include <stddef.h>

#define SEQCOST_FLOOR 1e9  /* expected knocks per client: refused below */
#define SEQCOST_WARN  1e11 /* warned below (the defaults give about 6.7e11) */

/*
 * Expected knocks a host without the key sends before one client's doors open, guessing
 * as well as it can: 2 * P^N / 3 for P ports and N knocks. Each knock is one of P ports
 * and 2 protocols; the port after the previous knock's is twice as likely as any other
 * (seqgen_derive moves a repeat one port on), so the best guess of a whole sequence hits
 * with 1 / (2P) * (1/P)^(N-1) = 1 / (2 P^N); a stream of knocks, each one port on, makes
 * every knock the last of a new guess; three time steps are accepted at once.
 */
double seqcost_knocks(unsigned ports, int len);
/* One line on the cost of these settings ("about 6.7e+11 knocks (2 x 1000^4 / 3)"). */
void seqcost_describe(unsigned ports, int len, char *buf, size_t buflen);

#endif
