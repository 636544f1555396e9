/* The release, printed by --version of knockd, knockctl and knock. It matches the newest
 * entry of etc/debian/changelog (tests/admin_cli.t checks). */
#ifndef KNOCK_VERSION_H
#define KNOCK_VERSION_H

#define KNOCK_VERSION "0.1.0"

#endif
