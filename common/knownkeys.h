/* Keys whose private seeds are printed in our own pages (the knock-protocol(7) test vectors):
 * anyone can sign with them, so no configuration may trust or use one. */
#ifndef KNOCK_KNOWNKEYS_H
#define KNOCK_KNOWNKEYS_H

#include <stddef.h>
#include <stdint.h>

/* Ed25519 public keys: KNOWNKEYS_PK_LEN (keys.h, which uses this module) */
#define KNOWNKEYS_PK_LEN 32

/* Which published key pk is ("the client test-vector key ..."), or NULL for none. */
const char *knownkeys_published(const uint8_t pk[KNOWNKEYS_PK_LEN]);
/* 0, or -1 with "NAME is the ... key: ..." in err (name: the setting or file that holds it). */
int knownkeys_refuse(const uint8_t pk[KNOWNKEYS_PK_LEN], const char *name, char *err, size_t errlen)
    __attribute__((warn_unused_result));

#endif
