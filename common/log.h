/* Logging: syslog for the daemon, stderr in the foreground and for the tools. */
#ifndef KNOCK_LOG_H
#define KNOCK_LOG_H

#include <stdarg.h>

void log_init(const char *ident, int to_stderr, int verbose);
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
