/* Ed25519 key files: base64 of the 32-byte seed, mode 0600; public keys as base64 text. */
#ifndef KNOCK_KEYS_H
#define KNOCK_KEYS_H

#include <stddef.h>
#include <stdint.h>

#define KEY_PUBLIC_LEN 32
#define KEY_SECRET_LEN 64 /* libsodium's seed||public form */
#define KEY_B64_LEN    45 /* 44 characters and the terminating NUL */

struct keypair {
	uint8_t pk[KEY_PUBLIC_LEN];
	uint8_t sk[KEY_SECRET_LEN];
};

/* Creates a new key file (never overwrites); fills kp. */
int keys_generate_file(const char *path, struct keypair *kp, char *err, size_t errlen)
    __attribute__((warn_unused_result));
/* Reads a private key file, refusing one that group or others can access. */
int keys_read_private(const char *path, struct keypair *kp, char *err, size_t errlen)
    __attribute__((warn_unused_result));
/* The same from an open descriptor (path names it in messages); closes it. */
int keys_read_private_fd(int fd, const char *path, struct keypair *kp, char *err, size_t errlen)
    __attribute__((warn_unused_result));
/* The base64 of 32 bytes, no more: whether they are a usable point is left to the key
 * agreement (the check costs a scalar multiplication). */
int keys_decode_public(const char *b64, uint8_t pk[KEY_PUBLIC_LEN])
    __attribute__((warn_unused_result));
int keys_parse_public(const char *b64, uint8_t pk[KEY_PUBLIC_LEN])
    __attribute__((warn_unused_result));
void keys_wipe(struct keypair *kp);
void keys_format_public(const uint8_t pk[KEY_PUBLIC_LEN], char out[KEY_B64_LEN]);

#endif
