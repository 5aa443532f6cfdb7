/*
 * fchost: the Fibre Channel transport as Linux's scsi_transport_fc shows it
 * in sysfs: the host's FC ports (/sys/class/fc_host/hostN, one per HBA
 * port, N the SCSI host number) and the remote ports each of them sees
 * (/sys/class/fc_remote_ports/rport-H:B-R, H the SCSI host it hangs off).
 *
 * Value formats (drivers/scsi/scsi_transport_fc.c): names are "0x%llx";
 * speed is "N Gbit", "unknown" (0) or "Not Negotiated"; supported_speeds
 * is such names joined by ", "; port_state is one of Unknown, Not Present,
 * Online, Offline, Blocked, Bypassed, Diagnostics, Linkdown, Error,
 * Loopback, Deleted, Marginal; roles are names joined by ", " ("FCP
 * Target", "FCP Initiator", ...) or "unknown"; dev_loss_tmo is seconds;
 * fast_io_fail_tmo is seconds or "off".
 */
#ifndef XCD_BLKBACK_FCHOST_H
#define XCD_BLKBACK_FCHOST_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bounds on what a host can have; more is refused as absurd. */
#define FC_MAX_HOST_PORTS 256
#define FC_MAX_RPORTS 8192

struct fc_host_port {
	unsigned host;  /* SCSI host number: hostN */
	uint64_t port_name, node_name, fabric_name; /* WWPN, WWNN, fabric WWN (0: none) */
	char state[24];   /* port_state as written */
	bool online;
	unsigned speed_gbit;     /* 0: unknown or not negotiated */
	unsigned max_supported_gbit; /* the fastest of supported_speeds; 0: unknown */
	char port_type[64];
	char pci[16];  /* PCI function of the HBA port, "0000:05:00.1"; "" when not on PCI */
	char card[16]; /* the HBA: the PCI device without its function, "0000:05:00" */
	int numa_node; /* -1: unknown */
};

struct fc_rport {
	char name[40];  /* rport-H:B-R */
	unsigned host;  /* H */
	uint64_t port_name, node_name;
	char state[24];
	bool online;
	bool target;  /* roles include "FCP Target" */
	char roles[96];
	int dev_loss_tmo;     /* seconds; -1 when unreadable */
	int fast_io_fail_tmo; /* seconds; -1: "off"; -2: unreadable */
};

struct fc_transport {
	struct fc_host_port *ports;
	size_t n_ports;
	struct fc_rport *rports;
	size_t n_rports;
};

/* Value parsers: 0 or -EINVAL (fc_read names the file and the value). */
int fc_parse_wwn(const char *s, uint64_t *out);
int fc_parse_speed(const char *s, unsigned *gbit); /* "8 Gbit" -> 8; unknown -> 0 */
int fc_parse_speeds(const char *s, unsigned *max_gbit); /* supported_speeds */
int fc_parse_state(const char *s, bool *online);
int fc_parse_roles(const char *s, bool *target);
int fc_parse_tmo(const char *s, bool off_allowed, int *out); /* "off" -> -1 */
/* "rport-H:B-R" -> H. */
int fc_parse_rport_name(const char *s, unsigned *host);
/* The PCI function ("0000:05:00.1") of the last PCI component of a device
 * path such as /sys/devices/pci0000:00/0000:00:03.0/0000:05:00.1/host3/...,
 * and where that component ends in the path (for numa_node); 0 or -ENOENT. */
int fc_pci_of_path(const char *path, char pci[16], size_t *end);

/*
 * MB/s of data an FC link of GBIT carries. 1/2/4/8GFC use 8b/10b coding at
 * 1.0625 GBd per "Gbit" (100 MB/s of data per Gbit after framing); 16 and
 * 32GFC use 64b/66b at 14.025 and 28.05 GBd, chosen so that data still
 * runs at 100 MB/s per nominal Gbit (1600 and 3200 MB/s); 64/128GFC keep
 * that (6400, 12800). 10 and 20 Gbit (10GFC, FCoE on 10 GbE) use 64b/66b at
 * 10.52 GBd: 1200 and 2400 MB/s. Other speeds FCoE reports (25, 40, 50,
 * 100 Gbit Ethernet) count 100 MB/s per Gbit, a lower bound.
 */
unsigned fc_speed_mbytes(unsigned gbit);

/* Reads the FC transport under ROOT. 0 with nothing when the host has no
 * FC; an error names the file and the value that was wrong. */
int fc_read(const char *root, struct fc_transport *t, char *err, size_t errlen);
void fc_free(struct fc_transport *t);

const struct fc_host_port *fc_port_by_wwpn(const struct fc_transport *t, uint64_t wwpn);
const struct fc_host_port *fc_port_by_host(const struct fc_transport *t, unsigned host);
const struct fc_rport *fc_rport_find(const struct fc_transport *t, unsigned host, uint64_t wwpn);
#endif
