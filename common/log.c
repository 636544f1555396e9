/* Logging: syslog for the daemon, stderr in the foreground and for the tools. */
#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>

static struct {
	const char *ident;
	int to_stderr;
	int verbose;
	int journal; /* stderr is systemd's journal: "<prio>" instead of "ident: " */
} logstate = {"knock", 1, 0, 0};

/* systemd sets JOURNAL_STREAM=DEV:INODE of the stream it connected to stderr; the journal
 * names the unit and PID itself and reads a "<N>" prefix as the line's priority. */
static int stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	return js && sscanf(js, "%llu:%llu", &dev, &ino) == 2 && fstat(2, &st) == 0 &&
	       (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

void log_init(const char *ident, int to_stderr, int verbose)
{
	logstate.ident = ident;
	logstate.to_stderr = to_stderr;
	logstate.verbose = verbose;
	logstate.journal = to_stderr && stderr_is_journal();
	if (!to_stderr)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

__attribute__((format(printf, 2, 0))) static void vlog(int pri, const char *fmt, va_list ap)
{
	if (!logstate.to_stderr) {
		vsyslog(pri, fmt, ap);
		return;
	}
	if (logstate.journal)
		fprintf(stderr, "<%d>", pri);
	else
		fprintf(stderr, "%s: ", logstate.ident);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_INFO, fmt, ap);
	va_end(ap);
}

void log_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_WARNING, fmt, ap);
	va_end(ap);
}

void log_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_ERR, fmt, ap);
	va_end(ap);
}

void log_debug(const char *fmt, ...)
{
	va_list ap;

	if (!logstate.verbose)
		return;
	va_start(ap, fmt);
	vlog(LOG_DEBUG, fmt, ap);
	va_end(ap);
}

void fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_ERR, fmt, ap);
	va_end(ap);
	exit(1);
}
