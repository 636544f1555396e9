/*
 * libFuzzer: the text parsers that take input from files and sockets: knockd.conf, the
 * client's knock.conf and knockctl's request line (the first byte picks which), and with a
 * first byte 0xff the last-good copy (state_dir/last-good.conf: parts of knockd.conf).
 */
#include <stdlib.h>
#include <string.h>

#include "clientconf.h"
#include "clientfile.h"
#include "config.h"
#include "config_load.h"
#include "ctlproto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512], *text;
	struct config c;
	struct client_config cc;
	struct ctl_request r;

	if (size < 1)
		return 0;
	text = malloc(size);
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	if (data[0] == 0xff) {
		if (config_load_text(&c, "copy", text, size - 1, err, sizeof(err)) == 0)
			config_free(&c);
		else if (strncmp(err, "copy", 4))
			abort(); /* every error names the copy */
		free(text);
		return 0;
	}
	switch (data[0] % 3) {
	case 0:
		if (config_parse(&c, "fuzz.conf", text, size - 1, err, sizeof(err)) == 0)
			config_free(&c);
		else if (strncmp(err, "fuzz.conf", 9))
			abort(); /* every configuration error names the file */
		break;
	case 1:
		if (clientfile_parse(&cc, "fuzz.conf", text, size - 1, err, sizeof(err)) == 0)
			clientconf_free(&cc);
		break;
	default:
		(void)ctl_parse(text, &r, err, sizeof(err));
	}
	free(text);
	return 0;
}
