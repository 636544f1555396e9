/*
 * The replay state file: spent nonces survive a reopen; a state_dir someone else may write
 * is refused; nothing is written through a symbolic link planted in it; implausible
 * records (far-future expiries) and more records than the default cache holds are no
 * reason to refuse a start; records survive a wall clock that jumps forward and back.
 */
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "replay.h"
#include "replay_store.h"
#include "tap.h"

#define NOW 1700000000

static char dir[64], state[128], err[512];

static void put_le64(uint8_t *p, int64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)((uint64_t)v >> (8 * i));
}

/* A state file of n records numbered from 0, expiring at exp, then m more at far. */
static void write_file(const char *path, uint32_t n, int64_t exp, uint32_t m, int64_t far)
{
	FILE *f = fopen(path, "w");
	uint8_t rec[REPLAY_ID_LEN + 8];

	fwrite("KNOCKRP1", 1, 8, f);
	for (uint32_t i = 0; i < n + m; i++) {
		memset(rec, 0x5a, sizeof(rec));
		memcpy(rec, &i, sizeof(i));
		put_le64(rec + REPLAY_ID_LEN, i < n ? exp : far);
		fwrite(rec, 1, sizeof(rec), f);
	}
	fclose(f);
}

static int seen(struct replay *r, uint32_t i, int64_t now)
{
	uint8_t id[REPLAY_ID_LEN];

	memset(id, 0x5a, sizeof(id));
	memcpy(id, &i, sizeof(i));
	return replay_seen(r, id, now);
}

static int open_store(struct replay *r, int64_t now)
{
	uint8_t key[16] = {0};
	int fd;

	replay_free(r);
	if (replay_init(r, 2, 0, key) < 0)
		return -1;
	err[0] = '\0';
	fd = replay_store_open(state, r, now, err, sizeof(err));
	if (fd >= 0)
		close(fd);
	return fd;
}

static int file_is(const char *path, const char *want)
{
	char buf[64] = {0};
	FILE *f = fopen(path, "r");

	if (!f)
		return 0;
	(void)!fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	return !strcmp(buf, want);
}

int main(void)
{
	struct replay r = {0};
	char path[256], victim[256];
	uint8_t id[REPLAY_ID_LEN] = {7};
	struct stat st;
	int fd;

	if (sodium_init() < 0 || !mkdtemp(strcpy(dir, "/tmp/knockrs.XXXXXX")))
		return 1;
	snprintf(state, sizeof(state), "%s/state", dir);
	snprintf(path, sizeof(path), "%s/replay", state);
	fd = open_store(&r, NOW);
	ok(fd >= 0 && stat(state, &st) == 0 && (st.st_mode & 0777) == 0700,
	   "a missing state_dir is created, mode 0700 (%s)", err);
	fd = replay_store_open(state, &r, NOW, err, sizeof(err));
	ok(fd >= 0 && replay_store_append(fd, id, NOW + 60) == 0, "a spent nonce is appended");
	close(fd);
	ok(open_store(&r, NOW) >= 0 && replay_seen(&r, id, NOW + 30),
	   "... and seen after a reopen");

	/* 5.5: far-future records and more than the default cache holds: start anyway. */
	write_file(path, 200000, NOW + 100, 50, NOW + 100LL * 365 * 86400);
	ok(open_store(&r, NOW) >= 0, "200,000 live records and 50 expiring in 100 years: opened");
	ok(seen(&r, 0, NOW) && seen(&r, 199999, NOW) && !seen(&r, 200010, NOW),
	   "... the live ones are all seen, the implausible ones dropped");
	ok(r.quota == REPLAY_CAPACITY / 2, "... and each client still has its whole share");
	ok(open_store(&r, NOW) >= 0 && !seen(&r, 200010, NOW) && seen(&r, 5, NOW),
	   "... the rewritten file no longer holds them");

	/* 5.9: the clock jumps 20 minutes forward across a start, then back. */
	write_file(path, 10, NOW + 60, 0, 0);
	ok(open_store(&r, NOW + 1200) >= 0 && !seen(&r, 3, NOW + 1200),
	   "a start with the clock 20 min ahead: the records look expired");
	ok(open_store(&r, NOW) >= 0 && seen(&r, 3, NOW),
	   "the clock back: they are live again, the rewrite kept them");

	/* 5.8: a state_dir others may write, or not ours. */
	chmod(state, 0777);
	ok(open_store(&r, NOW) < 0 && strstr(err, "writable by no one else"),
	   "a state_dir writable by others is refused: %s", err);
	chmod(state, 0720);
	ok(open_store(&r, NOW) < 0, "group-writable: refused too");
	chmod(state, 0700);
	if (geteuid() == 0) {
		ok(chown(state, 65534, 65534) == 0 && open_store(&r, NOW) < 0 &&
		       strstr(err, "owned by uid 65534"),
		   "a state_dir owned by another user is refused: %s", err);
		(void)!chown(state, 0, 0);
	} else {
		ok(1, "# SKIP owner check needs root");
	}
	/* A link planted where the temporary file goes must not be followed. */
	snprintf(victim, sizeof(victim), "%s/victim", dir);
	write_file(path, 3, NOW + 60, 0, 0);
	{
		FILE *f = fopen(victim, "w");

		fputs("precious", f);
		fclose(f);
	}
	snprintf(path, sizeof(path), "%s/replay.tmp", state);
	ok(symlink(victim, path) == 0 && open_store(&r, NOW) >= 0 && file_is(victim, "precious"),
	   "a symlink at replay.tmp: the file it names is left alone (%s)", err);
	snprintf(path, sizeof(path), "%s/replay", state);
	unlink(path);
	ok(symlink(victim, path) == 0 && open_store(&r, NOW) < 0 && file_is(victim, "precious"),
	   "a symlink at replay: refused, its target untouched (%s)", err);
	unlink(path);
	unlink(victim);
	snprintf(path, sizeof(path), "%s/replay.tmp", state);
	unlink(path);
	rmdir(state);
	rmdir(dir);
	replay_free(&r);
	return tap_done();
}
