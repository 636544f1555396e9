/*
 * INI reading on top of inih with line numbers: a pure parse of an in-memory text (so it
 * can be fuzzed) plus a bounded file reader. Errors come out as "file:line: reason".
 */
#ifndef KNOCK_CFGFILE_H
#define KNOCK_CFGFILE_H

#include <stddef.h>
#include <sys/stat.h>

#define CFG_ERRLEN   512
#define CFG_MAX_FILE (1 << 20)

struct cfg_parser {
	const char *file; /* names the text in messages */
	/* Each returns 0, or -1 with a reason in err (without file:line, added here). */
	int (*section)(void *user, const char *name, int line, char *err, size_t errlen);
	int (*key)(void *user, const char *key, const char *value, int line, char *err,
		   size_t errlen);
	void *user;
};

int cfg_parse_text(const struct cfg_parser *p, const char *text, size_t len, char *err,
		   size_t errlen) __attribute__((warn_unused_result));
/* Reads a whole file (at most CFG_MAX_FILE bytes) into a NUL-terminated malloc'd buffer. */
int cfg_read_file(const char *path, char **text, size_t *len, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/*
 * As cfg_read_file, for files that decide who may open what (knockd.conf and its drop-ins):
 * also refuses a file that group or others may write, or that neither root nor we own.
 */
int cfg_read_trusted(const char *path, char **text, size_t *len, char *err, size_t errlen)
    __attribute__((warn_unused_result));
/* The same check on what stat(2) said about path (a file or a drop-in directory). */
int cfg_check_trusted(const char *path, const struct stat *st, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* Lets section and key handlers attach "file:line: " to an error found after the parse. */
void cfg_errorf(char *err, size_t errlen, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

#endif
