/* dom0_ring: the ring page and port a Linux dom0 kernel offers its
 * xenstored. */
#include "dom0_ring.h"
#include "../lib/log.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define XSD_PORT "/proc/xen/xsd_port"
static const char *const kva_paths[] = { "/dev/xen/xsd_kva", "/proc/xen/xsd_kva" };

int dom0_ring_present(void)
{
	if (access(XSD_PORT, R_OK) < 0)
		return 0;
	for (unsigned i = 0; i < 2; i++)
		if (access(kva_paths[i], R_OK | W_OK) == 0)
			return 1;
	return 0;
}

static int read_port(unsigned *port)
{
	FILE *f = fopen(XSD_PORT, "r");
	if (!f)
		return -errno;
	int ok = fscanf(f, "%u", port) == 1;
	fclose(f);
	return ok ? 0 : -EINVAL;
}

int dom0_ring_map(void **page, unsigned *port)
{
	int r = read_port(port);
	if (r < 0) {
		log_err("dom0 ring: %s: %s", XSD_PORT, strerror(-r));
		return r;
	}
	int fd = -1;
	const char *path = NULL;
	for (unsigned i = 0; i < 2 && fd < 0; i++)
		fd = open(path = kva_paths[i], O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		log_err("dom0 ring: xsd_kva: %s", strerror(errno));
		return r;
	}
	void *p = mmap(NULL, (size_t)getpagesize(), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	r = p == MAP_FAILED ? -errno : 0;
	close(fd);
	if (r < 0) {
		log_err("dom0 ring: mmap of %s: %s", path, strerror(-r));
		return r;
	}
	*page = p;
	return 0;
}

void dom0_ring_unmap(void *page)
{
	if (page)
		munmap(page, (size_t)getpagesize());
}
