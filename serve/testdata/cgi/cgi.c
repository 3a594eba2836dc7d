// cgi.c is a CGI program for WASI (WAGI), built with clang and wasi-libc
// (../../doc.go says how). The serving tests run it once per request; the
// first segment of the path after the route (PATH_INFO), or else the
// route's CGI_MODE variable, picks what it does:
//
//	/hello      one write: a text/plain greeting echoing QUERY_STRING
//	/env        argv and the environment, one per line
//	/echo       copies stdin to stdout as it reads, chunk by chunk
//	/count      reads stdin to its end; prints the byte count and a checksum
//	/stream     writes "part 1", sleeps (poll_oneoff), writes "part 2"
//	/big        writes argv[1] (a number) MiB of body, 64 KiB at a time
//	/status     a Status header: 404 with a body
//	/redirect   a Location header with no Status: a client redirect
//	/headers    several headers, repeated ones and hop-by-hop ones
//	/file       prints /data/greeting.txt, then tries to create /data/new.txt
//	/stderr     writes two lines to stderr, then a normal response
//	/loop       never ends
//	/trap       traps (unreachable)
//	/oom        allocates until malloc fails, then aborts (a trap)
//	/oom-spin   allocates until malloc fails, then never ends
//	/late-trap  a response head and half a body, sleeps, then traps
//	/bad        output that is not a CGI response
//	/truncated  a header line and no blank line, then exits 0
//	/exit3      exits 3 without output
//	/exit3-after  a whole response, then exits 3
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static void put(const char *s) {
	size_t n = strlen(s);
	while (n > 0) {
		ssize_t k = write(1, s, n);
		if (k <= 0) {
			exit(1);
		}
		s += k;
		n -= (size_t)k;
	}
}

static void sleep_ms(long ms) {
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static const char *env(const char *name) {
	const char *v = getenv(name);
	return v ? v : "";
}

static void hello(int argc, char **argv) {
	(void)argc, (void)argv;
	char buf[512];
	snprintf(buf, sizeof buf, "Content-Type: text/plain\n\nhello from C: %s\n", env("QUERY_STRING"));
	put(buf);
}

static void dump_env(int argc, char **argv) {
	put("Content-Type: text/plain\n\n");
	char buf[64];
	for (int i = 0; i < argc; i++) {
		snprintf(buf, sizeof buf, "argv[%d]=", i);
		put(buf);
		put(argv[i]);
		put("\n");
	}
	for (char **e = environ; *e; e++) {
		put(*e);
		put("\n");
	}
}

static char chunk[65536];

static void echo(int argc, char **argv) {
	(void)argc, (void)argv;
	put("Content-Type: application/octet-stream\n\n");
	for (;;) {
		ssize_t n = read(0, chunk, sizeof chunk);
		if (n <= 0) {
			return;
		}
		for (ssize_t off = 0; off < n;) {
			ssize_t k = write(1, chunk + off, (size_t)(n - off));
			if (k <= 0) {
				exit(1);
			}
			off += k;
		}
	}
}

static void count(int argc, char **argv) {
	(void)argc, (void)argv;
	uint64_t total = 0, sum = 1469598103934665603ull; // FNV-1a
	for (;;) {
		ssize_t n = read(0, chunk, sizeof chunk);
		if (n < 0) {
			put("Status: 400\nContent-Type: text/plain\n\nread failed\n");
			return;
		}
		if (n == 0) {
			break;
		}
		for (ssize_t i = 0; i < n; i++) {
			sum = (sum ^ (unsigned char)chunk[i]) * 1099511628211ull;
		}
		total += (uint64_t)n;
	}
	char buf[128];
	snprintf(buf, sizeof buf, "Content-Type: text/plain\n\nbytes=%llu fnv=%016llx\n",
		(unsigned long long)total, (unsigned long long)sum);
	put(buf);
}

static void stream(int argc, char **argv) {
	(void)argc, (void)argv;
	put("Content-Type: text/plain\n\npart 1\n");
	sleep_ms(50);
	put("part 2\n");
}

static void big(int argc, char **argv) {
	long mib = argc > 1 ? atol(argv[1]) : 1;
	put("Content-Type: application/octet-stream\n\n");
	memset(chunk, 'x', sizeof chunk);
	for (long i = 0; i < mib * 16; i++) {
		for (size_t off = 0; off < sizeof chunk;) {
			ssize_t k = write(1, chunk + off, sizeof chunk - off);
			if (k <= 0) {
				exit(1);
			}
			off += (size_t)k;
		}
	}
}

static void status(int argc, char **argv) {
	(void)argc, (void)argv;
	put("Status: 404 Not Found\nContent-Type: text/plain\n\nnothing here\n");
}

static void redirect(int argc, char **argv) {
	(void)argc, (void)argv;
	put("Location: https://example.com/elsewhere\n\n");
}

static void headers(int argc, char **argv) {
	(void)argc, (void)argv;
	put("Content-Type: text/html; charset=utf-8\r\n"
	    "X-Guest: yes\r\n"
	    "Set-Cookie: a=1\r\n"
	    "Set-Cookie: b=2\r\n"
	    "Connection: close\r\n"
	    "Transfer-Encoding: chunked\r\n"
	    "Cache-Control:   no-store  \r\n"
	    "\r\n"
	    "<p>headers</p>\n");
}

static void file(int argc, char **argv) {
	(void)argc, (void)argv;
	put("Content-Type: text/plain\n\n");
	FILE *f = fopen("/data/greeting.txt", "r");
	if (!f) {
		put("open failed\n");
		return;
	}
	char buf[256];
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = 0;
	fclose(f);
	put(buf);
	int fd = open("/data/new.txt", O_WRONLY | O_CREAT, 0644);
	if (fd >= 0) {
		put("create: allowed\n");
		close(fd);
	} else {
		char msg[128];
		snprintf(msg, sizeof msg, "create: %s\n", strerror(errno));
		put(msg);
	}
}

static void to_stderr(int argc, char **argv) {
	(void)argc, (void)argv;
	const char *lines = "first complaint\nsecond complaint\n";
	write(2, lines, strlen(lines));
	put("Content-Type: text/plain\n\nsee the log\n");
}

static void loop(int argc, char **argv) {
	(void)argc, (void)argv;
	volatile uint64_t n = 0;
	for (;;) {
		n++;
	}
}

static void trap(int argc, char **argv) {
	(void)argc, (void)argv;
	__builtin_trap();
}

// kept holds what oom allocates, so the compiler cannot drop the calls.
static void *volatile kept;

static void oom(int argc, char **argv) {
	(void)argc, (void)argv;
	for (;;) {
		void **p = malloc(1 << 20);
		if (!p) {
			abort();
		}
		*p = kept;
		kept = p;
	}
}

static void oom_spin(int argc, char **argv) {
	(void)argc, (void)argv;
	for (void **p; (p = malloc(1 << 20)) != NULL;) {
		*p = kept;
		kept = p;
	}
	loop(argc, argv);
}

static void late_trap(int argc, char **argv) {
	(void)argc, (void)argv;
	put("Content-Type: text/plain\n\nfirst half\n");
	sleep_ms(10);
	__builtin_trap();
}

static void bad(int argc, char **argv) {
	(void)argc, (void)argv;
	put("this is not a header\n\nbody\n");
}

static void truncated(int argc, char **argv) {
	(void)argc, (void)argv;
	put("Content-Type: text/plain\n");
}

static void exit3(int argc, char **argv) {
	(void)argc, (void)argv;
	exit(3);
}

static void exit3_after(int argc, char **argv) {
	(void)argc, (void)argv;
	put("Content-Type: text/plain\n\ndone anyway\n");
	exit(3);
}

static const struct {
	const char *path;
	void (*run)(int, char **);
} modes[] = {
	{"/hello", hello}, {"/env", dump_env}, {"/echo", echo}, {"/count", count},
	{"/stream", stream}, {"/big", big}, {"/status", status}, {"/redirect", redirect},
	{"/headers", headers}, {"/file", file}, {"/stderr", to_stderr}, {"/loop", loop},
	{"/trap", trap}, {"/oom", oom}, {"/oom-spin", oom_spin}, {"/late-trap", late_trap}, {"/bad", bad},
	{"/truncated", truncated}, {"/exit3", exit3}, {"/exit3-after", exit3_after},
};

int main(int argc, char **argv) {
	const char *mode = env("CGI_MODE");
	if (*mode == 0) {
		mode = env("PATH_INFO");
	}
	size_t n = strcspn(mode + (*mode == '/'), "/") + (*mode == '/');
	for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
		if (strlen(modes[i].path) == n && strncmp(mode, modes[i].path, n) == 0) {
			modes[i].run(argc, argv);
			return 0;
		}
	}
	hello(argc, argv);
	return 0;
}
