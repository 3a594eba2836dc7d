// tour.c is a WASI command built with clang and wasi-libc (../doc.go says
// how). It walks through what a C program asks of WASI, printing
// only what does not vary between runs, so tests can compare its output
// exactly:
//
//	tour_c.wasm DIR CODE
//
// prints its arguments and environment, counts stdin, writes, appends,
// reads, renames and deletes files in DIR/out, lists DIR, checks that an
// escape from DIR is refused, reads the clocks, sleeps, and exits with CODE.
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static int failures;

static void check(int ok, const char *what) {
	if (!ok) {
		printf("FAIL: %s (errno %d: %s)\n", what, errno, strerror(errno));
		failures++;
	}
}

static int compare_names(const void *a, const void *b) {
	return strcmp(*(char *const *)a, *(char *const *)b);
}

// list prints the entries of dir, sorted, skipping . and .. (their presence
// differs between file systems).
static void list(const char *dir) {
	DIR *d = opendir(dir);
	check(d != NULL, "opendir");
	if (d == NULL) {
		return;
	}
	char *names[64];
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL && n < 64) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) {
			continue;
		}
		names[n++] = strdup(e->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof names[0], compare_names);
	printf("%s:", dir);
	for (int i = 0; i < n; i++) {
		char path[512];
		struct stat st;
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		check(stat(path, &st) == 0, "stat entry");
		printf(" %s%s", names[i], S_ISDIR(st.st_mode) ? "/" : "");
		free(names[i]);
	}
	printf("\n");
}

static void files(const char *dir) {
	char out[256], file[256], renamed[256];
	snprintf(out, sizeof out, "%s/out", dir);
	snprintf(file, sizeof file, "%s/hello.txt", out);
	snprintf(renamed, sizeof renamed, "%s/greeting.txt", out);

	check(mkdir(out, 0755) == 0, "mkdir out");
	FILE *f = fopen(file, "w");
	check(f != NULL, "create hello.txt");
	if (f == NULL) {
		return;
	}
	fputs("hello from C\n", f);
	fclose(f);
	f = fopen(file, "a");
	check(f != NULL, "append to hello.txt");
	if (f != NULL) {
		fputs("and again\n", f);
		fclose(f);
	}
	struct stat st;
	check(stat(file, &st) == 0, "stat hello.txt");
	printf("hello.txt has %lld bytes\n", (long long)st.st_size);
	check(rename(file, renamed) == 0, "rename");
	list(out);
	f = fopen(renamed, "r");
	check(f != NULL, "open greeting.txt");
	if (f != NULL) {
		char line[128];
		while (fgets(line, sizeof line, f) != NULL) {
			printf("read: %s", line);
		}
		fclose(f);
	}
	check(unlink(renamed) == 0, "unlink");
	check(rmdir(out) == 0, "rmdir");
	list(dir);

	char escape[256];
	snprintf(escape, sizeof escape, "%s/../../../etc/passwd", dir);
	f = fopen(escape, "r");
	printf("escape through ..: %s\n", f == NULL ? "refused" : "ALLOWED");
	if (f != NULL) {
		fclose(f);
	}
}

static long long nanos(clockid_t clock) {
	struct timespec ts;
	check(clock_gettime(clock, &ts) == 0, "clock_gettime");
	return (long long)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void clocks(void) {
	// 2020-01-01 in Unix seconds: a clock before it is not the wall clock.
	printf("realtime after 2020: %s\n", nanos(CLOCK_REALTIME) > 1577836800LL * 1000000000 ? "yes" : "no");
	long long start = nanos(CLOCK_MONOTONIC);
	struct timespec pause = {0, 20 * 1000 * 1000};
	check(nanosleep(&pause, NULL) == 0, "nanosleep");
	long long slept = nanos(CLOCK_MONOTONIC) - start;
	printf("slept at least 20ms: %s\n", slept >= 20 * 1000 * 1000 ? "yes" : "no");
}

static void input(void) {
	char buf[4096];
	size_t total = 0, lines = 0, n;
	while ((n = fread(buf, 1, sizeof buf, stdin)) > 0) {
		for (size_t i = 0; i < n; i++) {
			lines += buf[i] == '\n';
		}
		total += n;
	}
	printf("stdin: %zu bytes, %zu lines\n", total, lines);
}

int main(int argc, char **argv) {
	printf("argc=%d\n", argc);
	for (int i = 0; i < argc; i++) {
		printf("argv[%d]=%s\n", i, argv[i]);
	}
	for (char **e = environ; *e != NULL; e++) {
		printf("env %s\n", *e);
	}
	if (argc != 3) {
		fprintf(stderr, "usage: tour_c.wasm DIR CODE\n");
		return 2;
	}
	input();
	files(argv[1]);
	clocks();
	fprintf(stderr, "exiting with %s after %d failures\n", argv[2], failures);
	fflush(stdout);
	exit(failures ? 99 : atoi(argv[2]));
}
