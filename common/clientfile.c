/*
 * Reading knock.conf: the file through cfgfile, each line to clientconf's handlers, then the
 * profiles checked and the groups resolved (clientgroup.c).
 */
#include "clientfile.h"

#include <stdlib.h>

#include "cfgfile.h"
#include "clientgroup.h"

int clientfile_parse(struct client_config *c, const char *file, const char *text, size_t len,
		     char *err, size_t errlen)
{
	struct clientconf_pstate st;
	struct cfg_parser p = {
	    .file = file, .section = clientconf_on_section, .key = clientconf_on_key, .user = &st};

	clientconf_start(c, &st, file);
	if (cfg_parse_text(&p, text, len, err, errlen) < 0 ||
	    clientconf_check_hosts(c, err, errlen) < 0 || clientgroup_resolve(c, err, errlen) < 0) {
		clientconf_free(c);
		return -1;
	}
	return 0;
}

int clientfile_load(struct client_config *c, const char *path, char *err, size_t errlen)
{
	char *text;
	size_t len;
	int ret;

	if (cfg_read_file(path, &text, &len, err, errlen) < 0)
		return -1;
	ret = clientfile_parse(c, path, text, len, err, errlen);
	free(text);
	return ret;
}
