/*
 * knock -W's relay on Windows, where a console or pipe cannot be waited on together with a
 * socket: a thread copies stdin to the socket (then shuts our sending side), the calling
 * thread copies the socket to stdout until the server closes.
 */
#include "relay.h"

#include <winsock2.h>

static int write_all(HANDLE out, const char *buf, DWORD n)
{
	DWORD w, done = 0;

	while (done < n) {
		if (!WriteFile(out, buf + done, n - done, &w, NULL) || w == 0)
			return -1;
		done += w;
	}
	return 0;
}

static DWORD WINAPI upstream(LPVOID arg)
{
	SOCKET s = (SOCKET)(UINT_PTR)arg;
	HANDLE in = GetStdHandle(STD_INPUT_HANDLE);
	char buf[16384];
	DWORD n;

	while (ReadFile(in, buf, sizeof(buf), &n, NULL) && n > 0) {
		for (DWORD done = 0; done < n;) {
			int k = send(s, buf + done, (int)(n - done), 0);

			if (k <= 0)
				return 1;
			done += (DWORD)k;
		}
	}
	shutdown(s, SD_SEND); /* our side is done sending */
	return 0;
}

int relay_run(int sock)
{
	SOCKET s = (SOCKET)sock;
	HANDLE out = GetStdHandle(STD_OUTPUT_HANDLE);
	HANDLE t = CreateThread(NULL, 0, upstream, (LPVOID)(UINT_PTR)s, 0, NULL);
	char buf[16384];
	int n;

	if (!t)
		return 1;
	CloseHandle(t);
	while ((n = recv(s, buf, sizeof(buf), 0)) > 0)
		if (write_all(out, buf, (DWORD)n) < 0)
			return 1;
	return n == 0 ? 0 : 1; /* 0: the server closed, we are done */
}
