/* outcome: xcd's migration outcome query, beyond xl's pipe protocol
 * (pipe.h). xl's exchange cannot tell a sender whose pipe broke after its
 * "go" whether the receiver started the guest; an xcd sender then runs the
 * transport again (the same command) and, once the receiver's banner came,
 * writes this query where xl would write its save-file header:
 *
 *   sender -> receiver  "xcd migration outcome query\n" and 4 NULs (32
 *                       bytes, not xl's magic), then the migration's id
 *                       (16 bytes), 48 bytes in all: xl's header's length
 *   receiver -> sender  one line: "xcd migration outcome: committed\n"
 *                       (the receiver runs the guest: the sender destroys
 *                       its copy), "...: aborted\n" (it does not and never
 *                       will: the sender resumes its own) or
 *                       "...: unavailable\n" (its daemon could not say:
 *                       ask again later)
 *
 * An xl receiver reads the query as a save file with the wrong magic and
 * closes the pipe: the sender learns nothing (see migrate/README.md). */
#ifndef XCD_MIGRATE_OUTCOME_H
#define XCD_MIGRATE_OUTCOME_H
#include <stddef.h>
#include <stdint.h>

#define MIG_QUERY_LEN 48

enum mig_outcome {
	MIG_OUTCOME_COMMITTED,
	MIG_OUTCOME_ABORTED,
	MIG_OUTCOME_UNAVAILABLE,
};

/* The query for migration ID into OUT. */
void mig_query_encode(const uint8_t id[16], uint8_t out[MIG_QUERY_LEN]);
/* Whether BUF (MIG_QUERY_LEN bytes) is a query: 1 with *ID, else 0. */
int mig_query_parse(const uint8_t *buf, uint8_t id[16]);
/* The answer's line for O (with its newline), its length in *LEN. */
const char *mig_outcome_line(enum mig_outcome o, size_t *len);
/* "committed", "aborted", "unavailable". */
const char *mig_outcome_name(enum mig_outcome o);
/* LINE (LEN bytes, its newline included) as an answer: 0 with *O, or
 * -EPROTO (ERR names what came). */
int mig_outcome_parse(const char *line, size_t len, enum mig_outcome *o, char *err,
		      size_t errlen);
/* Reads one answer from FD, waiting at most TIMEOUT_MS in all: 0 with *O;
 * -ECONNRESET when the stream ended first (nothing or part of a line),
 * -EPROTO when other bytes came, -ETIMEDOUT, or a read(2) errno; ERR says
 * which. Reads no byte past the line. */
int mig_outcome_recv(int fd, int timeout_ms, enum mig_outcome *o, char *err, size_t errlen);
#endif
