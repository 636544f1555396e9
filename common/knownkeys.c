/* Keys whose private seeds are printed in our own pages (the knock-protocol(7) test vectors):
 * anyone can sign with them, so no configuration may trust or use one. */
#include "knownkeys.h"

#include <stdio.h>
#include <string.h>

static const struct {
	uint8_t pk[KNOWNKEYS_PK_LEN];
	const char *what;
} published[] = {
    /* seed 32 x 0x01: iojj3XQJ8ZX9UtstPLpdcspnCb8dlBIb83SIAbQPb1w= */
    {{0x8a, 0x88, 0xe3, 0xdd, 0x74, 0x09, 0xf1, 0x95, 0xfd, 0x52, 0xdb,
      0x2d, 0x3c, 0xba, 0x5d, 0x72, 0xca, 0x67, 0x09, 0xbf, 0x1d, 0x94,
      0x12, 0x1b, 0xf3, 0x74, 0x88, 0x01, 0xb4, 0x0f, 0x6f, 0x5c},
     "the client test-vector key of knock-protocol(7)"},
    /* seed 32 x 0x02: gTl3Dqh9F19Wo1Rmw0x+zMuNipG07jeiXfYPW4/Js5Q= */
    {{0x81, 0x39, 0x77, 0x0e, 0xa8, 0x7d, 0x17, 0x5f, 0x56, 0xa3, 0x54,
      0x66, 0xc3, 0x4c, 0x7e, 0xcc, 0xcb, 0x8d, 0x8a, 0x91, 0xb4, 0xee,
      0x37, 0xa2, 0x5d, 0xf6, 0x0f, 0x5b, 0x8f, 0xc9, 0xb3, 0x94},
     "the server test-vector key of knock-protocol(7)"},
};

const char *knownkeys_published(const uint8_t pk[KNOWNKEYS_PK_LEN])
{
	for (size_t i = 0; i < sizeof(published) / sizeof(published[0]); i++)
		if (!memcmp(pk, published[i].pk, KNOWNKEYS_PK_LEN))
			return published[i].what;
	return NULL;
}

int knownkeys_refuse(const uint8_t pk[KNOWNKEYS_PK_LEN], const char *name, char *err, size_t errlen)
{
	const char *what = knownkeys_published(pk);

	if (!what)
		return 0;
	snprintf(err, errlen,
		 "%s is %s: its private seed is published there, so anyone could use it; "
		 "make a key of your own with knock keygen",
		 name, what);
	return -1;
}
