/* <netdb.h> on Windows: Winsock (see knock/win/compat.h). */
#include "../compat.h"
