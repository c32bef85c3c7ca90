// Swarm mode's state-root check (issue 20 item 3), as far as RTM can see from its own host: a
// game may run on any node, so RTMANAGER_GAME_STATE_ROOT must be one filesystem mounted at the
// same path on every node. RTM cannot see the nodes' mounts; it can tell a network filesystem
// from a local one by the statfs magic number of its own mount, and say so at startup.
import { statfs } from 'node:fs/promises';

/** statfs f_type of the filesystems every node can mount (linux/magic.h and the fuse ones). */
const NETWORK_FILESYSTEMS = new Map<number, string>([
  [0x6969, 'nfs'],
  [0xff534d42, 'cifs'],
  [0xfe534d42, 'smb2'],
  [0x00c36400, 'ceph'],
  [0x65735546, 'fuse (glusterfs, cephfs-fuse, sshfs...)'],
  [0x6b414653, 'afs'],
  [0x47504653, 'gpfs'],
  [0x0bd00bd0, 'lustre'],
  [0x013111a8, 'ibrix'],
]);

export type StateRootKind = { shared: true; filesystem: string } | { shared: false; filesystem: string };

/** Pure: the statfs type of a mount -> whether it is a filesystem other nodes can share. */
export function stateRootKindOf(type: number): StateRootKind {
  const network = NETWORK_FILESYSTEMS.get(type >>> 0);
  return network === undefined ? { shared: false, filesystem: `0x${(type >>> 0).toString(16)}` } : { shared: true, filesystem: network };
}

export async function stateRootKind(root: string): Promise<StateRootKind> {
  return stateRootKindOf((await statfs(root)).type);
}
