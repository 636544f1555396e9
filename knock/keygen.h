/* knock keygen / knock pubkey. */
#ifndef KNOCK_KEYGEN_H
#define KNOCK_KEYGEN_H

int cmd_keygen(int argc, char **argv);
int cmd_pubkey(int argc, char **argv);
/* Expands a leading "~/" with $HOME into out. */
int expand_home(const char *path, char *out, size_t outlen);

#endif
