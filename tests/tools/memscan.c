/*
 * memscan PID KEYFILE: searches a running process's memory (every
 * readable mapping of /proc/PID/maps, read through /proc/PID/mem: root) for the secrets of
 * a knock private key file: its 32-byte seed, the 64-byte expanded Ed25519 secret key
 * (seed || public key), the X25519 secret scalar derived from it (what key agreement
 * uses), and the key file's base64 text. The public key is searched too, as the positive
 * control: a process that holds the derived client keys holds it. Prints one line per
 * pattern, "found NAME at ADDRESS" or "absent NAME", and exits 0 if the scan itself worked.
 * Mappings larger than 1 GiB (sanitizer shadow memory, reserved and never written with
 * data) are skipped and listed.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "keys.h"

#define MAX_PAT  8
#define CHUNK    (1 << 20)
#define HUGE_MAP (1UL << 30)

struct pattern {
	const char *name;
	uint8_t bytes[96];
	size_t len;
	unsigned long found_at;
	int found;
};

struct scan {
	struct pattern pat[MAX_PAT];
	int n;
	uint64_t bytes, regions, unreadable;
};

static void add(struct scan *s, const char *name, const void *b, size_t len)
{
	struct pattern *p = &s->pat[s->n++];

	p->name = name;
	memcpy(p->bytes, b, len);
	p->len = len;
}

/* The key file's text without trailing white space, as knockd read it. */
static int key_text(const char *path, char *out, size_t outlen)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return -1;
	n = fread(out, 1, outlen - 1, f);
	fclose(f);
	while (n > 0 && strchr(" \t\r\n", out[n - 1]))
		n--;
	out[n] = '\0';
	return n > 0 ? 0 : -1;
}

static int patterns(struct scan *s, const char *keyfile)
{
	struct keypair kp;
	uint8_t curve[32];
	char err[256], text[128];

	if (keys_read_private(keyfile, &kp, err, sizeof(err)) < 0) {
		printf("memscan: %s\n", err);
		return -1;
	}
	if (crypto_sign_ed25519_sk_to_curve25519(curve, kp.sk) < 0 ||
	    key_text(keyfile, text, sizeof(text)) < 0) {
		printf("memscan: cannot derive the patterns of %s\n", keyfile);
		return -1;
	}
	add(s, "seed", kp.sk, 32);
	add(s, "expanded-secret-key", kp.sk, 64);
	add(s, "x25519-secret", curve, 32);
	add(s, "key-file-text", text, strlen(text));
	add(s, "public-key (positive control)", kp.pk, 32);
	return 0;
}

static void search(struct scan *s, const uint8_t *buf, size_t n, unsigned long base)
{
	for (int i = 0; i < s->n; i++) {
		struct pattern *p = &s->pat[i];
		const uint8_t *hit;

		if (p->found || n < p->len)
			continue;
		hit = memmem(buf, n, p->bytes, p->len);
		if (hit) {
			p->found = 1;
			p->found_at = base + (unsigned long)(hit - buf);
		}
	}
}

/* One mapping, in chunks overlapping by 96 bytes so no pattern is cut in two. */
static void scan_region(struct scan *s, int mem, unsigned long lo, unsigned long hi)
{
	static uint8_t buf[CHUNK + 96];

	for (unsigned long at = lo; at < hi;) {
		size_t want = hi - at > CHUNK + 96 ? CHUNK + 96 : hi - at;
		ssize_t r = pread(mem, buf, want, (off_t)at);

		if (r <= 0) {
			s->unreadable++;
			return;
		}
		search(s, buf, (size_t)r, at);
		s->bytes += (uint64_t)r;
		if ((size_t)r < want || at + (unsigned long)r >= hi)
			break;
		at += (unsigned long)r - 96;
	}
}

static int scan_maps(struct scan *s, int pid)
{
	char path[64], line[512];
	FILE *maps;
	int mem;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	maps = fopen(path, "r");
	snprintf(path, sizeof(path), "/proc/%d/mem", pid);
	mem = open(path, O_RDONLY);
	if (!maps || mem < 0) {
		printf("memscan: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), maps)) {
		unsigned long lo, hi;
		char perms[8];

		if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) != 3 || perms[0] != 'r')
			continue;
		if (hi - lo > HUGE_MAP) {
			printf("# skipped (over 1 GiB): %s", line);
			continue;
		}
		s->regions++;
		scan_region(s, mem, lo, hi);
	}
	fclose(maps);
	close(mem);
	return 0;
}

int main(int argc, char **argv)
{
	static struct scan s;

	if (argc != 3 || sodium_init() < 0) {
		fprintf(stderr, "usage: memscan PID KEYFILE\n");
		return 2;
	}
	if (patterns(&s, argv[2]) < 0 || scan_maps(&s, atoi(argv[1])) < 0)
		return 2;
	printf("# scanned %" PRIu64 " bytes in %" PRIu64 " mappings (%" PRIu64 " unreadable)\n",
	       s.bytes, s.regions, s.unreadable);
	for (int i = 0; i < s.n; i++)
		if (s.pat[i].found)
			printf("found %s at %#lx\n", s.pat[i].name, s.pat[i].found_at);
		else
			printf("absent %s\n", s.pat[i].name);
	return s.bytes > 0 ? 0 : 2;
}
