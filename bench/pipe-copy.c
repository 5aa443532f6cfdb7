/* pipe-copy: the raw transfer bench/migrate compares a migration with: BYTES
 * (non-zero) written by one process through a pipe (1 MiB of pipe buffer, as
 * xcd migrate's) to another that reads them into fresh shared memory (a
 * memfd of that size, as a new guest's memory is), 1 MiB at a time. Prints
 * the milliseconds from the first write to the last byte read.
 *   pipe-copy BYTES */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CHUNK (1u << 20)

static double now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

/* Reads BYTES from FD into a fresh memfd mapping: 0, or 1 (said). */
static int receiver(int fd, uint64_t bytes)
{
	int mfd = memfd_create("pipe-copy", 0);
	uint8_t *dst = mfd < 0 || ftruncate(mfd, (off_t)bytes) < 0 ? MAP_FAILED :
		mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	if (dst == MAP_FAILED) {
		perror("pipe-copy: memfd");
		return 1;
	}
	for (uint64_t got = 0; got < bytes;) {
		ssize_t r = read(fd, dst + got, bytes - got < CHUNK ? bytes - got : CHUNK);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			fprintf(stderr, "pipe-copy: the stream ended at %llu bytes\n",
				(unsigned long long)got);
			return 1;
		}
		got += (uint64_t)r;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: pipe-copy BYTES\n");
		return 2;
	}
	uint64_t bytes = strtoull(argv[1], NULL, 10);
	uint8_t *src = malloc(CHUNK);
	int p[2];
	if (!bytes || !src || pipe(p) < 0) {
		fprintf(stderr, "pipe-copy: bad size, or no memory or pipe\n");
		return 1;
	}
	for (unsigned i = 0; i < CHUNK; i++)
		src[i] = (uint8_t)(i * 131 + 7) | 1;
	fcntl(p[1], F_SETPIPE_SZ, 1 << 20);
	double t0 = now_ms();
	pid_t pid = fork();
	if (pid == 0) {
		close(p[1]);
		_exit(receiver(p[0], bytes));
	}
	close(p[0]);
	for (uint64_t sent = 0; sent < bytes;) {
		size_t n = bytes - sent < CHUNK ? (size_t)(bytes - sent) : CHUNK;
		ssize_t w = write(p[1], src, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			perror("pipe-copy: write");
			return 1;
		}
		sent += (uint64_t)w;
	}
	close(p[1]);
	int st;
	waitpid(pid, &st, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		return 1;
	printf("%.1f\n", now_ms() - t0);
	return 0;
}
