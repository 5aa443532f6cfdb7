/* host: reading the storage side of a host (see host.h). */
#include "host.h"
#include "sysread.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The HBA of a path that is not on FC (virtio-scsi, SAS, iSCSI offload),
 * where multipathd says "[undef]": the PCI device above its SCSI device
 * (sys/block/DEV/device), without its function, as an FC port's card is;
 * "" when there is none. */
static void path_card(const char *root, const char *dev, char *card, size_t size)
{
	char rel[96], *real, pci[16];
	size_t end;
	card[0] = '\0';
	snprintf(rel, sizeof(rel), "sys/block/%s/device", dev);
	if (sysread_resolve(root, rel, &real) < 0)
		return;
	if (fc_pci_of_path(real, pci, &end) == 0) {
		char *dot = strrchr(pci, '.');
		if (dot && (size_t)(dot - pci) < size) {
			memcpy(card, pci, (size_t)(dot - pci));
			card[dot - pci] = '\0';
		}
	}
	free(real);
}

static int tie_map(const struct blk_host *h, const struct mp_map *m, struct blk_map *bm)
{
	size_t n = 0;
	for (size_t g = 0; g < m->n_groups; g++)
		n += m->groups[g].n_paths;
	bm->mp = m;
	if (n && !(bm->paths = calloc(n, sizeof(*bm->paths))))
		return -ENOMEM;
	bm->alua = strstr(m->hwhandler, "alua") != NULL;
	const char *seen[MPATH_MAX_GROUPS * 4];
	size_t n_seen = 0;
	for (size_t g = 0; g < m->n_groups; g++) {
		for (size_t i = 0; i < m->groups[g].n_paths; i++) {
			const struct mp_path *p = &m->groups[g].paths[i];
			struct blk_path *bp = &bm->paths[bm->n_paths++];
			bp->mp = p;
			bp->group = &m->groups[g];
			uint64_t wwpn;
			if (fc_parse_wwn(p->host_wwpn, &wwpn) == 0)
				bp->port = fc_port_by_wwpn(&h->fc, wwpn);
			if (bp->port && fc_parse_wwn(p->target_wwpn, &wwpn) == 0)
				bp->rport = fc_rport_find(&h->fc, bp->port->host, wwpn);
			if (bp->port)
				snprintf(bp->hba, sizeof(bp->hba), "%s",
					 bp->port->card[0] ? bp->port->card : "");
			if (bp->port && !bp->hba[0])
				snprintf(bp->hba, sizeof(bp->hba), "host%u", bp->port->host);
			/* A path name is a kernel name (sdb); anything with a
			 * slash cannot be one and is not looked up. */
			if (p->dev[0] && !strchr(p->dev, '/') && strcmp(p->dev, "..") != 0) {
				char rel[96];
				snprintf(rel, sizeof(rel), "sys/block/%s/device/access_state", p->dev);
				if (sysread_file(h->root, rel, bp->access_state,
						 sizeof(bp->access_state)) == 0) {
					sysread_printable(bp->access_state);
					bm->alua = true;
				}
				else
					bp->access_state[0] = '\0';
				if (!bp->port)
					path_card(h->root, p->dev, bp->hba, sizeof(bp->hba));
			}
			bp->live = mpath_path_live(p);
			bp->ready = bp->live && strcmp(p->chk_st, "ready") == 0;
			if (!bp->live)
				continue;
			bm->live++;
			const char *hba = bp->hba[0] ? bp->hba : p->host_adapter;
			size_t k = 0;
			while (k < n_seen && strcmp(seen[k], hba) != 0)
				k++;
			if (k == n_seen && n_seen < sizeof(seen) / sizeof(seen[0]))
				seen[n_seen++] = hba;
		}
	}
	bm->hbas_live = n_seen;
	return 0;
}

void blk_host_free(struct blk_host *h)
{
	if (h->maps)
		for (size_t i = 0; i < h->mp.n_maps; i++)
			free(h->maps[i].paths);
	free(h->maps);
	fc_free(&h->fc);
	mpath_free(&h->mp);
	ring_threads_free(&h->rt);
	vbds_free(&h->vbds);
	free(h->root);
	memset(h, 0, sizeof(*h));
}

/* IN's vbds copied into H (an empty list without any). */
static int copy_vbds(const struct vbd_list *in, struct vbd_list *out)
{
	if (!in || in->n == 0)
		return 0;
	if (!(out->v = calloc(in->n, sizeof(*out->v))))
		return -ENOMEM;
	memcpy(out->v, in->v, in->n * sizeof(*out->v));
	out->n = in->n;
	return 0;
}

int blk_host_read(const char *root, struct blk_host *h, char *err, size_t errlen)
{
	return blk_host_read_with(root, NULL, h, err, errlen);
}

int blk_host_read_with(const char *root, const struct blk_inputs *in, struct blk_host *h,
		       char *err, size_t errlen)
{
	memset(h, 0, sizeof(*h));
	if (!(h->root = strdup(root)))
		return -ENOMEM;
	int r;
	if ((r = fc_read(root, &h->fc, err, errlen)) < 0)
		goto fail;
	if (!in)
		r = mpath_read(root, MPATH_JSON_FILE, &h->mp, err, errlen);
	else if (in->mpath_json)
		r = mpath_parse(in->mpath_json, in->mpath_len, &h->mp, err, errlen);
	if (r < 0)
		goto fail;
	if (!in)
		r = vbds_read(root, &h->vbds, err, errlen);
	else if ((r = copy_vbds(in->vbds, &h->vbds)) < 0)
		snprintf(err, errlen, "out of memory");
	if (r < 0 || (r = blkback_read(root, &h->bb, err, errlen)) < 0 ||
	    (r = ring_threads_read(root, &h->rt, err, errlen)) < 0 ||
	    (r = numa_cpus_read(root, &h->numa, err, errlen)) < 0)
		goto fail;
	if (h->mp.n_maps && !(h->maps = calloc(h->mp.n_maps, sizeof(*h->maps)))) {
		r = -ENOMEM;
		goto fail;
	}
	for (size_t i = 0; i < h->mp.n_maps; i++)
		if ((r = tie_map(h, &h->mp.maps[i], &h->maps[i])) < 0)
			goto fail;
	return 0;
fail:
	blk_host_free(h);
	return r;
}

size_t blk_host_hbas(const struct blk_host *h, size_t *online, char *names, size_t size)
{
	size_t n = 0, on = 0, len = 0;
	if (names && size)
		names[0] = '\0';
	for (size_t i = 0; i < h->fc.n_ports; i++) {
		const struct fc_host_port *p = &h->fc.ports[i];
		size_t j = 0;
		for (; j < i; j++) {
			const struct fc_host_port *q = &h->fc.ports[j];
			if (p->card[0] && strcmp(p->card, q->card) == 0)
				break;
		}
		bool any_online = p->online;
		if (j < i)
			continue;
		for (size_t k = i + 1; k < h->fc.n_ports; k++)
			if (p->card[0] && strcmp(h->fc.ports[k].card, p->card) == 0)
				any_online |= h->fc.ports[k].online;
		n++;
		on += any_online;
		if (names && len < size) {
			int w = p->card[0] ? snprintf(names + len, size - len, "%s%s", len ? ", " : "",
						      p->card)
					   : snprintf(names + len, size - len, "%shost%u",
						      len ? ", " : "", p->host);
			if (w > 0)
				len += (size_t)w;
		}
	}
	if (online)
		*online = on;
	return n;
}

size_t blk_host_path_hbas(const struct blk_host *h)
{
	size_t n = 0;
	for (size_t m = 0; m < h->mp.n_maps; m++)
		for (size_t i = 0; i < h->maps[m].n_paths; i++) {
			const char *hba = h->maps[m].paths[i].hba;
			bool seen = !hba[0];
			for (size_t k = 0; k <= m && !seen; k++)
				for (size_t j = 0; j < (k == m ? i : h->maps[k].n_paths) && !seen; j++)
					seen = strcmp(h->maps[k].paths[j].hba, hba) == 0;
			n += !seen;
		}
	return n;
}

size_t blk_host_live_paths(const struct blk_host *h, size_t *off_fc)
{
	size_t live = 0, off = 0;
	for (size_t m = 0; m < h->mp.n_maps; m++)
		for (size_t i = 0; i < h->maps[m].n_paths; i++) {
			const struct blk_path *bp = &h->maps[m].paths[i];
			live += bp->live;
			off += bp->live && !bp->port;
		}
	if (off_fc)
		*off_fc = off;
	return live;
}

const struct blk_map *blk_host_map_of(const struct blk_host *h, const struct vbd *v)
{
	const struct mp_map *m = mpath_by_device(&h->mp, v->device);
	return m ? &h->maps[m - h->mp.maps] : NULL;
}
