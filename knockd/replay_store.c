/*
 * Persistence of the replay cache in state_dir/replay: an 8-byte magic, then 24-byte
 * records (16-byte nonce id, 8-byte little-endian expiry). Records are appended before a
 * grant is made; write() without fsync survives a daemon crash, which is what matters
 * (a reboot takes longer than any replay window). The file is root's and so is its
 * directory: a state_dir that someone else could write is refused, and nothing in it is
 * opened through a symbolic link. What it holds is checked, not trusted: records no
 * configuration could have written (an expiry further ahead than the longest window
 * allows, more records than could be live) are damage, dropped with a warning.
 */
#include "replay_store.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto.h"
#include "log.h"

#define MAGIC      "KNOCKRP1"
#define RECORD_LEN (REPLAY_ID_LEN + 8)
/* The furthest ahead a record's expiry can be: a token stamped the longest replay_window
 * (1 h) ahead is remembered one more window; a sequence id two steps. */
#define HORIZON (2 * 3600 + 3 * TIME_STEP + 1)
/* Records kept after their expiry: a wall clock that jumps forward across a start (and
 * back) must not have dropped the nonces that are live again once it is back. */
#define GRACE    HORIZON
#define LOAD_MAX (1u << 20) /* records loaded at most: more is damage */

struct load_stats {
	size_t kept, future, excess;
};

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

/* 1: keep, 0: expired long ago (normal), -1: implausible (damage). */
static int plausible(int64_t exp, int64_t now)
{
	if (exp > now + HORIZON)
		return -1;
	return exp > now - GRACE;
}

/* One pass over the records: counts them (r NULL) or adds them to r. */
static void scan(int fd, struct replay *r, int64_t now, struct load_stats *st)
{
	uint8_t rec[RECORD_LEN];

	memset(st, 0, sizeof(*st));
	/* a torn last record is ignored: it was never acknowledged */
	while (read(fd, rec, sizeof(rec)) == (ssize_t)sizeof(rec)) {
		int64_t exp = get_le64(rec + REPLAY_ID_LEN);
		int p = plausible(exp, now);

		if (p < 0)
			st->future++;
		else if (p && st->kept == LOAD_MAX)
			st->excess++;
		else if (p && (!r || replay_add(r, rec, exp, -1, now) == 0))
			st->kept++;
		else if (p)
			st->excess++; /* cannot happen: r was sized by the first pass */
	}
}

static int load(int dfd, const char *path, struct replay *r, int64_t now, char *err, size_t errlen)
{
	struct load_stats st;
	uint8_t key[16];
	char magic[8];
	size_t nclients = r->nclients;
	int fd = openat(dfd, "replay", O_RDONLY | O_CLOEXEC | O_NOFOLLOW), ret = -1;

	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (read(fd, magic, sizeof(magic)) != sizeof(magic) || memcmp(magic, MAGIC, 8)) {
		snprintf(err, errlen,
			 "%s: not a knockd replay file; move it away to start (tokens from the "
			 "last replay_window could then be replayed once)",
			 path);
		goto out;
	}
	scan(fd, NULL, now, &st);
	randombytes_buf(key, sizeof(key));
	replay_free(r);
	if (replay_init(r, nclients, st.kept, key) < 0 || lseek(fd, 8, SEEK_SET) < 0) {
		snprintf(err, errlen, "%s: %s", path, errno ? strerror(errno) : "out of memory");
		goto out;
	}
	scan(fd, r, now, &st);
	if (st.future || st.excess)
		log_warn("%s: damaged: %zu record(s) expiring further ahead than any "
			 "replay_window allows and %zu beyond the %u a cache can hold were "
			 "dropped; %zu kept",
			 path, st.future, st.excess, LOAD_MAX, st.kept);
	ret = 0;
out:
	close(fd);
	return ret;
}

static int write_all(int fd, const void *buf, size_t len)
{
	return write(fd, buf, len) == (ssize_t)len ? 0 : -1;
}

/* Rewrites the file with the entries worth keeping, atomically, in a fresh file. */
static int compact(int dfd, const struct replay *r, int64_t now)
{
	uint8_t rec[RECORD_LEN];
	int fd, ok;

	if (unlinkat(dfd, "replay.tmp", 0) < 0 && errno != ENOENT)
		return -1;
	fd = openat(dfd, "replay.tmp", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	ok = write_all(fd, MAGIC, 8) == 0;
	for (size_t i = 0; ok && i <= r->mask; i++) {
		const struct replay_entry *e = &r->slots[i];

		if (!e->expires || plausible(e->expires, now) <= 0)
			continue;
		memcpy(rec, e->id, REPLAY_ID_LEN);
		put_le64(rec + REPLAY_ID_LEN, e->expires);
		ok = write_all(fd, rec, sizeof(rec)) == 0;
	}
	ok = ok && fsync(fd) == 0;
	close(fd);
	if (!ok || renameat(dfd, "replay.tmp", dfd, "replay") < 0) {
		unlinkat(dfd, "replay.tmp", 0);
		return -1;
	}
	return 0;
}

/* state_dir must be a directory of ours that no one else may write. */
static int open_dir(const char *dir, char *err, size_t errlen)
{
	struct stat st;
	int dfd;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fstat(dfd, &st) < 0) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		if (dfd >= 0)
			close(dfd);
		return -1;
	}
	if (st.st_uid != geteuid() || (st.st_mode & (S_IWGRP | S_IWOTH))) {
		snprintf(err, errlen,
			 "state_dir %s: owned by uid %u with mode %04o: it must belong to uid %u "
			 "and be writable by no one else (chown %u %s; chmod 0700 %s)",
			 dir, (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777),
			 (unsigned)geteuid(), (unsigned)geteuid(), dir, dir);
		close(dfd);
		return -1;
	}
	return dfd;
}

int replay_store_open(const char *state_dir, struct replay *r, int64_t now, char *err,
		      size_t errlen)
{
	char path[4096];
	int fd = -1, dfd = open_dir(state_dir, err, errlen);

	if (dfd < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/replay", state_dir);
	if (load(dfd, path, r, now, err, errlen) < 0)
		goto out;
	if (compact(dfd, r, now) < 0) {
		snprintf(err, errlen, "%s: cannot rewrite: %s", path, strerror(errno));
		goto out;
	}
	fd = openat(dfd, "replay", O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
out:
	close(dfd);
	return fd;
}

int replay_store_append(int fd, const uint8_t id[REPLAY_ID_LEN], int64_t expires)
{
	uint8_t rec[RECORD_LEN];

	memcpy(rec, id, REPLAY_ID_LEN);
	put_le64(rec + REPLAY_ID_LEN, expires);
	return write_all(fd, rec, sizeof(rec));
}
