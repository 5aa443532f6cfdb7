#!/bin/bash
# xcd-xenstored as dom0's xenstored on real Xen.  It finds dom0's ring and event channel
# through /proc/xen/xsd_kva and /proc/xen/xsd_port, as Xen's xenstored does, and gets each
# guest's ring through INTRODUCE from xl.  Proves: dom0's kernel reaches it through its ring,
# xen-init-dom0, xenconsoled and xl work on top of it, a PV guest's nodes are made, the guest
# itself talks to it through its ring (it writes control/feature-*, and xl shutdown -w only
# returns if the guest read control/shutdown), @releaseDomain fires when the guest dies,
# and xl destroy cleans up.
# xen-lab: timeout=240
. "$(dirname "$0")/lib.sh"
[ -x "$XCD_BIN/xcd-xenstored" ] || skip "xcd-xenstored not built"

ring() { XENSTORED_PATH=/dev/xen/xenbus timeout 10 "$@"; }  # through dom0's kernel ring

start_xcd_xenstored
step "dom0's kernel ring (/dev/xen/xenbus) reaches xcd-xenstored"
got=$(ring xenstore-read /local/domain/0/name) || fail "xenstore-read through dom0's ring failed"
expect_eq "/local/domain/0/name read through dom0's ring" "$got" Domain-0
ring xenstore-write /xcdlab/ring-test via-ring || fail "xenstore-write through dom0's ring failed"
expect_eq "a node written through the ring, read on the socket" "$(xenstore-read -s /xcdlab/ring-test)" via-ring
xenstore-rm /xcdlab

start_xenconsoled
cfg=$(guest_cfg xs-pv pv)
step "xl create a PV guest"
guest_create xs-pv "$cfg" || fail "xl create failed on xcd-xenstored"
id=$(domid xs-pv) || fail "xl domid xs-pv: no such domain after xl create"
xl list | awk -v n=xs-pv '$1 == n' | grep -q . || fail "xl list does not show xs-pv"
xl list
dp=/local/domain/$id
step "the guest's nodes under $dp"
for n in name domid vm memory/target store/port store/ring-ref console/port console/ring-ref control/shutdown; do
  xenstore-exists "$dp/$n" || fail "$dp/$n missing"
done
expect_eq "$dp/name" "$(xenstore-read "$dp/name")" xs-pv
expect_eq "$dp/domid" "$(xenstore-read "$dp/domid")" "$id"
got=$(python3 -c "from pyxs import Client
with Client(unix_socket_path='$XS_SOCKET') as c: print(c.get_domain_path($id).decode(), c.is_domain_introduced($id))")
expect_eq "GET_DOMAIN_PATH $id, IS_DOMAIN_INTRODUCED $id" "$got" "$dp True"

step "the guest's console (xenconsoled on xcd-xenstored) and the guest's own ring"
guest_wait_ready xs-pv 90 || fail "the guest's console never showed XCDLAB_GUEST_READY"
wait_for "[ \"\$(xenstore-read $dp/control/feature-poweroff)\" = 1 ]" 30 ||
  fail "the guest never wrote $dp/control/feature-poweroff=1 through its ring"
xenstore-ls "$dp/control"
# what the guest itself sent on its ring, as xcd-xenstored's trace tells (informative only)
log "requests from dom $id so far: $(awk -v d="$id" '$3 == "IN" && $7 == d { n[$8]++ }
  END { for (o in n) printf "%s:%d ", o, n[o] }' "$LAB_RUN/xcd-xenstored.trace")"

step "xl shutdown -w: the guest reads control/shutdown through its ring and powers off"
xenstore-watch -n 2 @releaseDomain >"$LAB_RUN/release.watch" 2>&1 &
wpid=$!
wait_for "[ -s $LAB_RUN/release.watch ]" 10 || fail "xenstore-watch @releaseDomain: no initial event"
guest_shutdown_wait xs-pv 90 || fail "xl shutdown -w xs-pv failed or timed out"
grep -aq XCDLAB_GUEST_SHUTDOWN "$(console_log xs-pv)" || fail "the guest's console does not show its shutdown"
wait_for "! dom_exists xs-pv" 30 || fail "xs-pv still listed 30 s after xl shutdown -w"
wait_for "! kill -0 $wpid" 20 || fail "no @releaseDomain event after the guest died"
cat "$LAB_RUN/release.watch"
wait_for "! xenstore-exists $dp" 20 || fail "$dp still exists after the guest is gone"

step "a second guest, removed with xl destroy"
cfg=$(guest_cfg xs-pv2 pv)
guest_create xs-pv2 "$cfg" || fail "second xl create failed"
id2=$(domid xs-pv2) || fail "xl domid xs-pv2: no such domain"
[ "$id2" != "$id" ] || fail "domid $id reused at once"
wait_for "[ \"\$(xenstore-read /local/domain/$id2/control/feature-poweroff)\" = 1 ]" 60 ||
  fail "the second guest never wrote control/feature-poweroff"
timed xl destroy xs-pv2 || fail "xl destroy xs-pv2 failed"
dom_exists xs-pv2 && fail "xs-pv2 still listed after xl destroy"
wait_for "! xenstore-exists /local/domain/$id2" 20 || fail "/local/domain/$id2 still exists after xl destroy"

step "xcd-xenstored still serves dom0's ring and the socket"
kill -0 "$(cat "$LAB_RUN/xenstored-fg.pid")" 2>/dev/null || fail "xcd-xenstored died"
expect_eq "dom0's ring after the guests" "$(ring xenstore-read /local/domain/0/name)" Domain-0
xl list
keep "$LAB_RUN/xcd-xenstored.trace"
log "ok"
