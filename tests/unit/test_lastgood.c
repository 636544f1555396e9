/*
 * The last-good configuration: config_load_keep's text of a main file and a drop-in, saved
 * by lastgood_save (mode 0600, no temporary file left) and read back by lastgood_load from
 * the state_dir the main file names (even when that file is broken) with the same doors and
 * clients, its messages naming "COPY[FILE]:LINE"; a damaged copy is refused by name.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config_load.h"
#include "lastgood.h"
#include "tap.h"

#define PK1 "iw4SVMXIEfUnwRu6Qo/+90WurpTViOB0UFYKAe7XgxI="

static char dir[] = "/tmp/knockd-lastgood-XXXXXX";
static char conf[128], dropdir[128], drop[192], copy[128];

static int put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	fputs(text, f);
	return fclose(f);
}

static int write_main(const char *door_line)
{
	char text[2048];

	snprintf(text, sizeof(text),
		 "[knockd]\nprivate_key = %s/server.key\n"
		 "state_dir = %s ; the copy goes here\ninclude = %s/*.conf\n"
		 "[door:ssh]\n%s\n[door:web]\nports = 80\n",
		 dir, dir, dropdir, door_line);
	return put(conf, text);
}

static void round_trip(void)
{
	struct config c, back;
	struct config_text keep = {NULL, 0};
	char err[512], path[512], sd[256];
	struct stat st;
	int fd, r;

	r = config_load_keep(&c, conf, &keep, err, sizeof(err));
	ok(r == 0 && keep.buf && strstr(keep.buf, drop), "config_load_keep keeps both files (%s)",
	   r ? err : "ok");
	fd = lastgood_open_dir(dir, err, sizeof(err));
	ok(fd >= 0 && lastgood_save(fd, &keep, err, sizeof(err)) == 0, "lastgood_save (%s)",
	   fd < 0 ? err : "ok");
	if (stat(copy, &st) < 0)
		st.st_mode = 0;
	ok((st.st_mode & 0777) == 0600, "the copy is mode 0600 (%o)",
	   (unsigned)(st.st_mode & 0777));
	snprintf(path, sizeof(path), "%s.new", copy);
	ok(access(path, F_OK) < 0, "no temporary file is left");
	config_text_free(&keep);
	if (fd >= 0)
		close(fd);
	write_main("prots = 22"); /* a typo: the file no longer loads */
	unlink(drop);             /* and the drop-in is gone: the copy's counts */
	lastgood_state_dir(conf, sd, sizeof(sd));
	ok(!strcmp(sd, dir), "state_dir is found in the broken file (%s)", sd);
	r = lastgood_load(&back, conf, path, sizeof(path), err, sizeof(err));
	ok(r == 0 && !strcmp(path, copy), "lastgood_load reads the copy (%s)", r ? err : path);
	if (r == 0) {
		ok(back.ndoors == c.ndoors && back.nclients == 1 && back.doors[0].ports[0] == 22,
		   "the copy has the same doors and the drop-in's client");
		snprintf(path, sizeof(path), "%s[%s]", copy, conf);
		ok(!strcmp(back.file, path), "its messages name %s", back.file);
		snprintf(path, sizeof(path), "%s[%s]", copy, drop);
		ok(!strcmp(config_file_name(&back, back.clients[0].file), path),
		   "the client's file is named %s", config_file_name(&back, back.clients[0].file));
		config_free(&back);
	}
	config_free(&c);
}

static void damaged(void)
{
	static const char *const bad[] = {
	    "[knockd]\n",                                                 /* no part header */
	    CONFIG_TEXT_PART "99999 /etc/knockd/knockd.conf\n[knockd]\n", /* beyond the end */
	    CONFIG_TEXT_PART "x /etc/knockd/knockd.conf\n",               /* no length */
	    CONFIG_TEXT_PART "5\n",                                       /* no path */
	};
	struct config c;
	char err[512];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = config_load_text(&c, "COPY", bad[i], strlen(bad[i]), err, sizeof(err));

		ok(r < 0 && strstr(err, "COPY: damaged"), "damaged copy %zu refused: %s", i + 1,
		   r < 0 ? err : "(loaded)");
	}
}

static void state_dir_scan(void)
{
	char sd[256];

	put(conf, "[door:x]\nstate_dir = /elsewhere\n[knockd]\n  state_dir=/srv/k \t ; c\n"
		  "bad line\n");
	lastgood_state_dir(conf, sd, sizeof(sd));
	ok(!strcmp(sd, "/srv/k"), "state_dir only from [knockd], indented, inline comment: %s", sd);
	put(conf, "[knockd]\nstate_dir_x = /no\n");
	lastgood_state_dir(conf, sd, sizeof(sd));
	ok(!strcmp(sd, "/var/lib/knockd"), "no state_dir line: the default (%s)", sd);
}

int main(void)
{
	char key[160];

	if (!mkdtemp(dir)) {
		printf("Bail out! mkdtemp\n");
		return 1;
	}
	snprintf(conf, sizeof(conf), "%s/knockd.conf", dir);
	snprintf(dropdir, sizeof(dropdir), "%s/clients.d", dir);
	snprintf(drop, sizeof(drop), "%s/10-a.conf", dropdir);
	snprintf(copy, sizeof(copy), "%s/" LASTGOOD_FILE, dir);
	snprintf(key, sizeof(key), "%s/server.key", dir);
	if (mkdir(dropdir, 0700) < 0 || write_main("ports = 22") < 0 ||
	    put(drop, "[client:a]\npublic_key = " PK1 "\ndoors = ssh\n") < 0) {
		printf("Bail out! %s\n", dir);
		return 1;
	}
	round_trip();
	damaged();
	state_dir_scan();
	unlink(copy);
	unlink(conf);
	rmdir(dropdir);
	rmdir(dir);
	return tap_done();
}
