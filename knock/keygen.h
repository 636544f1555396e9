/* knock keygen / knock pubkey. */
#ifndef KNOCK_KEYGEN_H
#define KNOCK_KEYGEN_H

#include "home.h" /* expand_home(), for the callers that had it from here */

int cmd_keygen(int argc, char **argv);
int cmd_pubkey(int argc, char **argv);

#endif
