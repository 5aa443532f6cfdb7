/* migrate: Xen's save/migration streams (xl's save-file header, libxl's
 * stream v2 around libxc's stream v3) written and read, and a simulated
 * guest's memory and vCPUs moved through them over hv (migrate/README.md).
 * Every function returns 0 or a negative errno and fills ERR (what failed,
 * and for the reader which record at which byte). */
#ifndef XCD_MIGRATE_H
#define XCD_MIGRATE_H
#include "compress.h"
#include "mio.h"
#include "pipe.h"
#include "precopy.h"
#include "stream.h"
#include <stddef.h>
#include <stdint.h>

struct hv;
struct hv_build_result;

/* ---- writer (writer.c) ---- */
/* xl's header with CONFIG (LEN bytes, JSON, its NUL included; 0: none). */
int mig_write_xl_header(struct mig_out *o, const char *config, uint32_t len);
/* The same with xcd's flags: MFLAGS (XL_FLAG_XCD_COMPRESSED) among the
 * mandatory ones, OFLAGS (XL_OPTFLAG_XCD_ASKS) the optional ones. */
int mig_write_xl_header_flags(struct mig_out *o, const char *config, uint32_t len,
			      uint32_t mflags, uint32_t oflags);
int mig_write_libxl_header(struct mig_out *o);
/* A libxl record (padded to 8); LIBXC_CONTEXT is one with no body. */
int mig_write_libxl_rec(struct mig_out *o, uint32_t type, const void *body, uint32_t len);
/* libxc's image and domain headers (version 3, little-endian). */
int mig_write_libxc_headers(struct mig_out *o, uint32_t dom_type, uint32_t xen_major,
			    uint32_t xen_minor);
/* A libxc record of HLEN header bytes then BLEN body bytes, padded. */
int mig_write_libxc_rec(struct mig_out *o, uint32_t type, const void *head, uint32_t hlen,
			const void *body, uint32_t blen);
/* One PAGE_DATA record: COUNT pfn words (type in bits 63-60), and the pages
 * of those whose type carries data, in order, at DATA. */
int mig_write_page_data(struct mig_out *o, uint32_t count, const uint64_t *pfns,
			const uint8_t *data);
/* The same with the pages that carry data where PAGES[0..] point (one
 * pointer per such page, in order): written from there, not copied first. */
int mig_write_page_batch(struct mig_out *o, uint32_t count, const uint64_t *pfns,
			 const uint8_t *const *pages);
/* One XCD_PAGE_DATA_Z record: COUNT pfn words and FRAME, the CODEC frame
 * (FRAME_LEN bytes) of the pages whose type carries data, in order. Only
 * for a reader that said it reads CODEC, or a file marked
 * XL_FLAG_XCD_COMPRESSED. */
int mig_write_page_z(struct mig_out *o, uint32_t codec, uint32_t count, const uint64_t *pfns,
		     const uint8_t *frame, uint32_t frame_len);

/* ---- reader (reader.c) ---- */
/* What a stream says about its guest, given to the visitor before records. */
struct mig_domain {
	uint32_t libxc_version; /* 2 or 3 */
	uint32_t type;		/* enum libxc_dom_type */
	uint32_t xen_major, xen_minor;
};
/* The reader calls these in stream order; any may be NULL. A callback's
 * negative return stops the read with that value (it fills ERR itself). */
struct mig_visitor {
	void *ctx;
	int (*config)(void *ctx, const char *json, uint32_t len, char *err, size_t errlen);
	int (*domain)(void *ctx, const struct mig_domain *d, char *err, size_t errlen);
	/* PAGE_DATA (and XCD_PAGE_DATA_Z, decompressed), checked: COUNT pfn
	 * words, DATA the pages that carry data. */
	int (*pages)(void *ctx, uint32_t count, const uint64_t *pfns, const uint8_t *data,
		     char *err, size_t errlen);
	/* Every other libxc and libxl record, checked, padding removed. */
	int (*record)(void *ctx, int libxl, uint32_t type, const uint8_t *body, uint32_t len,
		      char *err, size_t errlen);
	/* Optional: where NPAGES pages from PFN on go, one after the other
	 * (within max_pfn, checked). When given, a PAGE_DATA record's pfns
	 * and length are checked first and its pages read straight there;
	 * PAGES is then called with DATA NULL. NULL: refused (ERR filled). */
	uint8_t *(*page_dst)(void *ctx, uint64_t pfn, uint32_t npages, char *err,
			     size_t errlen);
	/* The static records are all read: at STATIC_DATA_END (in version 2,
	 * before the first memory record, which stands for it). */
	int (*static_end)(void *ctx, char *err, size_t errlen);
	/* Optional: at LIBXC_CONTEXT, told the guest type libxc's domain
	 * header names (peeked, not read; the headers not checked yet): 1
	 * when it read the libxc stream from IN itself, to its END (a Xen PV
	 * guest's, which libxenguest reads: mig_in_handoff), 0 to have the
	 * reader read it, or a negative errno (ERR filled). */
	int (*libxc_stream)(void *ctx, uint32_t dom_type, struct mig_in *in, char *err,
			    size_t errlen);
};
struct mig_read_opts {
	uint32_t want_type;	/* the guest type the caller restores; 0: any */
	uint64_t max_pfn;	/* pfns above are refused; 0: PFN_MASK */
	uint32_t max_vcpus;	/* vCPU ids at or above are refused; 0: 4096 */
	uint32_t max_config;	/* bytes of xl config; 0: 1 MiB */
};
/* Reads an xl save file (header, config, libxl stream, libxc stream inside)
 * to libxl's END. Refuses, naming the record and the byte offset: a bad
 * magic, byte order, version or flag, a big-endian or legacy stream, a
 * guest type other than want_type, a record whose length does not fit its
 * type or the stream, an unknown mandatory record, a record out of its
 * place, a pfn, vCPU or count out of bounds, a stream that ends early.
 * Nothing is allocated from a length before it is checked against its
 * bound. */
int mig_read_xl(struct mig_in *in, const struct mig_read_opts *opts,
		const struct mig_visitor *v, char *err, size_t errlen);
/* The same from the libxl header on (after mig_read_xl_config). */
int mig_read_libxl(struct mig_in *in, const struct mig_read_opts *opts,
		   const struct mig_visitor *v, char *err, size_t errlen);
/* A record type's name for messages ("PAGE_DATA"; "0x..." when unknown). */
const char *mig_libxc_rec_name(uint32_t type, char buf[16]);
const char *mig_libxl_rec_name(uint32_t type, char buf[16]);

/* ---- a guest saved and restored over hv (precopy.c, restore.c) ---- */
struct mig_save_stats {
	uint64_t pages, zero_pages, bytes;
	uint64_t z_saved;     /* bytes compression saved */
	uint32_t codecs_used; /* bits */
};
/* Told after each batch of pages: DONE of TOTAL pages (a save's memory,
 * a restore's pages read). NULL: nobody is told. */
struct mig_progress {
	void (*fn)(void *arg, uint64_t done, uint64_t total);
	void *arg;
	/* A restore's stream is read whole and applied: told before the
	 * restore lets go of its state (NULL: nobody told). */
	void (*whole)(void *arg);
};
/* Writes a whole xl save file of the paused or suspended domain DOMID, in
 * the records of its type (mig_guest_of: a PVH guest's as Xen 4.17 writes
 * them; a simulated PV guest's of xcd's own type): header with CONFIG,
 * libxl and libxc headers, static records, STATIC_DATA_END, its memory in
 * PAGE_DATA records (zero pages as XALLOC, no payload), its state records,
 * libxc's END, libxl's END. Then flushes. A PVH guest on Xen must be
 * suspended (shutdown(suspend)), not only paused, for its restored copy to
 * resume: it then reconnects to its new event channels and xenstored.
 * COMPRESS other than OFF: a file for xcd alone (XL_FLAG_XCD_COMPRESSED;
 * xl refuses it), its batches compressed as COMPRESS says (auto: while that
 * is faster than the disk). */
int mig_save(struct hv *hv, uint32_t domid, struct mig_out *o, const char *config,
	     uint32_t config_len, enum mig_compress compress, const struct mig_progress *prog,
	     struct mig_save_stats *stats, char *err, size_t errlen);
/* A Xen PV guest's save (pvsave.c): xl's header with CONFIG, libxl's
 * header and LIBXC_CONTEXT, then libxenguest's own libxc stream written
 * straight to O's descriptor (hv_pv_save: the guest, asked to suspend
 * itself, waited for; written whole, not live), libxl's END, flushed. The
 * guest is left in shutdown(suspend). STATS: the bytes (libxenguest counts
 * no pages for xcd). */
int mig_save_pv(struct hv *hv, uint32_t domid, struct mig_out *o, const char *config,
		uint32_t config_len, const struct mig_progress *prog,
		struct mig_save_stats *stats, char *err, size_t errlen);
/* Restores such a stream's guest (the config read already by the caller,
 * mig_read_xl_config: this reads the rest from IN) into DOMID, created
 * (paused, never built) for it: of the same type (a PVH domain takes an
 * X86_HVM stream, a PV one xcd's simulated type), as many vCPUs, as much
 * memory. Its pages populated as they come and written through hv_map (an
 * XALLOC page cleared when the stream sent it before: a live migration's
 * later rounds send pages again), its records applied as libxc's restore
 * applies them (restore.c); a PVH guest's CPU policy and HVM context set
 * once the stream is whole. hv_domain_restore_finish is the caller's next
 * step. On failure the caller destroys the domain.
 * A Xen PV guest's stream (libxc type X86_PV, into a PV domain) is
 * libxenguest's: with PV not NULL and IN a file, its libxc part is handed
 * to hv_pv_restore, which restores the guest whole: 1 is returned, *PV
 * holding its rings and channels (hv_domain_restore_finish is then not
 * for it). PV NULL, or a pipe: refused. */
int mig_restore(struct hv *hv, uint32_t domid, struct mig_in *in,
		const struct mig_progress *prog, struct hv_build_result *pv, char *err,
		size_t errlen);
/* Reads only xl's header and config: *CONFIG is allocated (free it), its
 * length in *LEN; IN is left at the libxl stream. */
int mig_read_xl_config(struct mig_in *in, uint32_t max_config, char **config, uint32_t *len,
		       char *err, size_t errlen);
#endif
