/* The blind-guess cost of authenticated sequences (see seqcost.h). */
#include "seqcost.h"

#include <stdio.h>

double seqcost_knocks(unsigned ports, int len)
{
	double p = 2.0 / 3.0;

	for (int i = 0; i < len; i++)
		p *= ports;
	return p;
}

void seqcost_describe(unsigned ports, int len, char *buf, size_t buflen)
{
	snprintf(buf, buflen, "about %.2g knocks (2 x %u^%d / 3)", seqcost_knocks(ports, len),
		 ports, len);
}
