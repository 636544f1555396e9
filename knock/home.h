/*
 * Where "~/" paths lead. POSIX systems: $HOME. Windows (knock/win/home_win.c): a leading
 * "~/.config/knock/" is %APPDATA%\knock\ and any other "~/" is %USERPROFILE%\, so one
 * knock.conf reads the same everywhere.
 */
#ifndef KNOCK_HOME_H
#define KNOCK_HOME_H

#include <stddef.h>

/* Expands a leading "~/" into out; 0, or -1 with a message on stderr. */
int expand_home(const char *path, char *out, size_t outlen);
/* Creates the directories above path that are missing (mode 0700); 0 or -1 (stderr). */
int home_make_parents(const char *path);

#endif
