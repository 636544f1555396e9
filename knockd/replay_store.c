/*
 * Persistence of the replay cache in state_dir/replay: an 8-byte magic, then 24-byte
 * records (16-byte nonce id, 8-byte little-endian expiry). Records are appended before a
 * grant is made; write() without fsync survives a daemon crash, which is what matters
 * (a reboot takes longer than any replay window).
 */
#include "replay_store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAGIC      "KNOCKRP1"
#define RECORD_LEN (REPLAY_ID_LEN + 8)

static void put_le64(uint8_t *p, int64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)((uint64_t)v >> (8 * i));
}

static int64_t get_le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return (int64_t)v;
}

static int read_magic(int fd, const char *path, char *err, size_t errlen)
{
	char magic[8];

	if (read(fd, magic, sizeof(magic)) == sizeof(magic) && !memcmp(magic, MAGIC, 8))
		return 0;
	snprintf(err, errlen,
		 "%s: not a knockd replay file; move it away to start (tokens from the "
		 "last replay_window could then be replayed once)",
		 path);
	return -1;
}

/* Reads records up to the end; a torn last record (being written, or never acknowledged)
 * is left unread. */
static int read_records(int fd, const char *path, struct replay *r, int64_t now, char *err,
			size_t errlen)
{
	uint8_t rec[RECORD_LEN];
	ssize_t n;

	while ((n = read(fd, rec, sizeof(rec))) == (ssize_t)sizeof(rec)) {
		int64_t exp = get_le64(rec + REPLAY_ID_LEN);

		if (exp > now && replay_add(r, rec, exp, now) < 0) {
			snprintf(err, errlen, "%s: more live entries than the cache holds", path);
			return -1;
		}
	}
	if (n < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (n > 0 && lseek(fd, -(off_t)n, SEEK_CUR) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

static int load(const char *path, struct replay *r, int64_t now, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), ret;

	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	ret = read_magic(fd, path, err, errlen) < 0 ? -1
						    : read_records(fd, path, r, now, err, errlen);
	close(fd);
	return ret;
}

static int write_all(int fd, const void *buf, size_t len)
{
	return write(fd, buf, len) == (ssize_t)len ? 0 : -1;
}

/* Rewrites the file with the live entries only, atomically. */
static int compact(const char *path, const struct replay *r, int64_t now)
{
	char tmp[4200];
	uint8_t rec[RECORD_LEN];
	int fd, ok = 1;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	ok = write_all(fd, MAGIC, 8) == 0;
	for (size_t i = 0; ok && i < r->nbuckets * REPLAY_WAYS; i++) {
		const struct replay_entry *e = &r->slots[i];

		if (e->expires <= now)
			continue;
		memcpy(rec, e->id, REPLAY_ID_LEN);
		put_le64(rec + REPLAY_ID_LEN, e->expires);
		ok = write_all(fd, rec, sizeof(rec)) == 0;
	}
	ok = ok && fsync(fd) == 0;
	close(fd);
	if (!ok || rename(tmp, path) < 0) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

int replay_store_open(const char *state_dir, struct replay *r, int64_t now, char *err,
		      size_t errlen)
{
	char path[4096];
	int fd;

	if (mkdir(state_dir, 0700) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", state_dir, strerror(errno));
		return -1;
	}
	snprintf(path, sizeof(path), "%s/replay", state_dir);
	if (load(path, r, now, err, errlen) < 0)
		return -1;
	if (compact(path, r, now) < 0) {
		snprintf(err, errlen, "%s: cannot rewrite: %s", path, strerror(errno));
		return -1;
	}
	fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd < 0)
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
	return fd;
}

int replay_store_reopen(const char *state_dir, struct replay *r, int64_t now, int *rfd, char *err,
			size_t errlen)
{
	char path[4096];
	int fd = -1;

	snprintf(path, sizeof(path), "%s/replay", state_dir);
	*rfd = open(path, O_RDONLY | O_CLOEXEC);
	if (*rfd < 0 && errno == ENOENT && compact(path, r, now) == 0) /* someone removed it */
		*rfd = open(path, O_RDONLY | O_CLOEXEC);
	if (*rfd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (read_magic(*rfd, path, err, errlen) < 0 ||
	    read_records(*rfd, path, r, now, err, errlen) < 0)
		goto out;
	fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd < 0)
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
out:
	if (fd < 0) {
		close(*rfd);
		*rfd = -1;
	}
	return fd;
}

int replay_store_catch_up(int rfd, struct replay *r, int64_t now, char *err, size_t errlen)
{
	int ret = read_records(rfd, "state_dir/replay", r, now, err, errlen);

	close(rfd);
	return ret;
}

int replay_store_append(int fd, const uint8_t id[REPLAY_ID_LEN], int64_t expires)
{
	uint8_t rec[RECORD_LEN];

	memcpy(rec, id, REPLAY_ID_LEN);
	put_le64(rec + REPLAY_ID_LEN, expires);
	return write_all(fd, rec, sizeof(rec));
}
