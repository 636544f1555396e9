/* Logging: syslog for the daemon, stderr in the foreground and for the tools. */
#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <syslog.h>
#include <time.h>

static struct {
	const char *ident;
	int to_stderr;
	int verbose;
} logstate = {"knock", 1, 0};

void log_init(const char *ident, int to_stderr, int verbose)
{
	logstate.ident = ident;
	logstate.to_stderr = to_stderr;
	logstate.verbose = verbose;
	if (!to_stderr)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

__attribute__((format(printf, 2, 0))) static void vlog(int pri, const char *fmt, va_list ap)
{
	if (!logstate.to_stderr) {
		vsyslog(pri, fmt, ap);
		return;
	}
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
