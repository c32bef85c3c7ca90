// Swarm mode's state-root check: network filesystems by their statfs magic, a local one is not shared.
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { stateRootKind, stateRootKindOf } from '../../../src/adapters/filesystem/shared-filesystem.check.js';

describe('stateRootKind', () => {
  it('knows the network filesystems by their statfs type, and a local one is not shared', () => {
    expect(stateRootKindOf(0x6969)).toEqual({ shared: true, filesystem: 'nfs' });
    expect(stateRootKindOf(0xff534d42 | 0)).toEqual({ shared: true, filesystem: 'cifs' }); // a signed f_type reads the same
    expect(stateRootKindOf(0x65735546)).toMatchObject({ shared: true });
    expect(stateRootKindOf(0xef53)).toEqual({ shared: false, filesystem: '0xef53' }); // ext4
    expect(stateRootKindOf(0x01021994)).toEqual({ shared: false, filesystem: '0x1021994' }); // tmpfs
  });

  it('reads the real mount of a folder (this machine\'s temp dir is local)', async () => {
    expect((await stateRootKind(os.tmpdir())).shared).toBe(false);
    await expect(stateRootKind('/nonexistent-rtm-state-root')).rejects.toThrow();
  });
});
