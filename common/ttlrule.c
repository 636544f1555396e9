/* What TTL a request may carry and what a door grants for it (see ttlrule.h). */
#include "ttlrule.h"

int ttlrule_cut(uint32_t *ttl)
{
	if (*ttl <= TTL_LIMIT)
		return 0;
	*ttl = TTL_LIMIT;
	return 1;
}

int ttlrule_ok(uint32_t ttl)
{
	return ttl <= TTL_LIMIT;
}

uint32_t ttlrule_door(uint32_t door_ttl, uint32_t door_max_ttl, uint32_t requested)
{
	if (!requested)
		return door_ttl;
	return requested < door_max_ttl ? requested : door_max_ttl;
}
