/* records: what records a stream holds, for the tests that check what a
 * sender wrote (mig-guest records, mig-guest xl-receive): each record's
 * header is walked (its body skipped), as xl's reader would meet them.
 *   mig-guest records FILE          counts of FILE's records, by name
 *   mig-guest order FILE            FILE's records in their order, a name a
 *                                   line (PAGE_DATA once for a run of them)
 *   mig-guest xl-receive COUNTS     a receiver that answers as xl's does:
 *                                   its banner on standard output, the stream
 *                                   from standard input walked to libxl's END,
 *                                   the counts into COUNTS; then it leaves
 *                                   (no ready message: the sender resumes)
 * The counts: "mflags 0x..", "oflags 0x..", then "NAME N" per record type,
 * and "complete" once libxl's END was met. */
#include "../../../lib/errmsg.h"
#include "../../../migrate/migrate.h"
#include "records.h"
#include <endian.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define MAX_TYPES 32

struct counts {
	uint32_t type[MAX_TYPES];
	unsigned n[MAX_TYPES], used;
	int libxl[MAX_TYPES];
};

static void count(struct counts *c, int libxl, uint32_t type)
{
	for (unsigned i = 0; i < c->used; i++)
		if (c->type[i] == type && c->libxl[i] == libxl) {
			c->n[i]++;
			return;
		}
	if (c->used < MAX_TYPES) {
		c->type[c->used] = type;
		c->libxl[c->used] = libxl;
		c->n[c->used++] = 1;
	}
}

/* A record's header at IN: 0 with *TYPE and *LEN, or -1. */
static int rec_head(struct mig_in *in, uint32_t *type, uint32_t *len)
{
	uint32_t h[2];
	if (mig_in_read(in, h, 8) < 0)
		return -1;
	*type = le32toh(h[0]);
	*len = le32toh(h[1]);
	return 0;
}

/* libxc's records to its END: 0, or -1 (the stream ended). */
static int libxc(struct mig_in *in, struct counts *c)
{
	uint32_t type, len;
	if (mig_in_skip(in, LIBXC_IHDR_LEN + LIBXC_DHDR_LEN) < 0)
		return -1;
	do {
		if (rec_head(in, &type, &len) < 0 || mig_in_skip(in, (len + 7ull) & ~7ull) < 0)
			return -1;
		count(c, 0, type);
	} while (type != LIBXC_REC_END);
	return 0;
}

/* The stream at IN walked into C: 1 complete, 0 cut short. */
static int walk(struct mig_in *in, struct counts *c, uint32_t *mflags, uint32_t *oflags)
{
	uint8_t h[XL_HEADER_LEN];
	uint32_t type, len, w[4];
	if (mig_in_read(in, h, sizeof(h)) < 0)
		return 0;
	memcpy(w, h + 32, sizeof(w));
	*mflags = le32toh(w[1]);
	*oflags = le32toh(w[2]);
	if (mig_in_skip(in, le32toh(w[3])) < 0 || mig_in_skip(in, LIBXL_HEADER_LEN) < 0)
		return 0;
	for (;;) {
		if (rec_head(in, &type, &len) < 0)
			return 0;
		count(c, 1, type);
		if (type == LIBXL_REC_END)
			return 1;
		if (type == LIBXL_REC_LIBXC_CONTEXT ? libxc(in, c) < 0
						    : mig_in_skip(in, (len + 7ull) & ~7ull) < 0)
			return 0;
	}
}

static void print(FILE *f, const struct counts *c, int complete, uint32_t mflags,
		  uint32_t oflags)
{
	char b[16];
	fprintf(f, "mflags %#x\noflags %#x\n", mflags, oflags);
	for (unsigned i = 0; i < c->used; i++)
		fprintf(f, "%s%s %u\n", c->libxl[i] ? "libxl " : "",
			c->libxl[i] ? mig_libxl_rec_name(c->type[i], b)
				    : mig_libxc_rec_name(c->type[i], b), c->n[i]);
	if (complete)
		fprintf(f, "complete\n");
}

struct names {
	char last[24];
};

static void say(struct names *n, const char *name)
{
	if (strcmp(n->last, name))
		printf("%s\n", name);
	snprintf(n->last, sizeof(n->last), "%s", name);
}

static int r_pages(void *ctx, uint32_t count, const uint64_t *pfns, const uint8_t *data,
		   char *err, size_t errlen)
{
	say(ctx, "PAGE_DATA");
	return 0;
}

static int r_record(void *ctx, int libxl, uint32_t type, const uint8_t *body, uint32_t len,
		    char *err, size_t errlen)
{
	char nb[16];
	say(ctx, libxl ? mig_libxl_rec_name(type, nb) : mig_libxc_rec_name(type, nb));
	return 0;
}

/* mig-guest order FILE: FILE's records in their order, one name a line
 * (PAGE_DATA once for a run of them), as the reader visits them. */
static int order(const char *file)
{
	char err[XCD_ERR_MAX];
	int fd = open(file, O_RDONLY);
	struct mig_in in;
	if (fd < 0 || mig_in_fd(&in, fd) < 0) {
		perror("mig-guest: open");
		return 1;
	}
	struct names n = { "" };
	struct mig_visitor v = { .ctx = &n, .pages = r_pages, .record = r_record };
	int rc = mig_read_xl(&in, NULL, &v, err, sizeof(err));
	mig_in_free(&in);
	close(fd);
	if (rc < 0)
		fprintf(stderr, "mig-guest: order: %s\n", err);
	return rc < 0;
}

int mig_records_main(int argc, char **argv)
{
	struct counts c = { 0 };
	struct mig_in in;
	uint32_t mflags = 0, oflags = 0;
	char err[128];
	if (argc != 3)
		return 2;
	if (!strcmp(argv[1], "order"))
		return order(argv[2]);
	int xl = !strcmp(argv[1], "xl-receive"), fd = 0;
	if (xl && mig_pipe_send(1, MIG_PIPE_BANNER, 0, err, sizeof(err)) < 0) {
		fprintf(stderr, "mig-guest: %s\n", err);
		return 1;
	}
	FILE *out = xl ? fopen(argv[2], "w") : stdout;
	if (!xl)
		fd = open(argv[2], O_RDONLY | O_CLOEXEC);
	if (!out || fd < 0 || mig_in_fd(&in, fd) < 0) {
		perror("mig-guest");
		return 1;
	}
	int complete = walk(&in, &c, &mflags, &oflags);
	print(out, &c, complete, mflags, oflags);
	mig_in_free(&in);
	if (xl)
		fclose(out);
	return complete ? 0 : 1;
}
