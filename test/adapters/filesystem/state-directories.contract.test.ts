import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach } from 'vitest';
import { FsStateDirectories } from '../../../src/adapters/filesystem/state-directories.adapter.js';
import { FakeStateDirectories } from '../../fakes/misc.fake.js';
import { describeStateDirectoriesContract } from './state-directories.contract.js';

const sandboxes: string[] = [];
afterEach(async () => {
  for (const dir of sandboxes.splice(0)) await rm(dir, { recursive: true, force: true });
});

describeStateDirectoriesContract('filesystem', async () => {
  const sandbox = await mkdtemp(path.join(os.tmpdir(), 'rtm-state-contract-'));
  sandboxes.push(sandbox);
  const root = path.join(sandbox, 'root');
  return { dirs: new FsStateDirectories({ root, mode: 0o750, uid: null, gid: null }), root };
});

describeStateDirectoriesContract('fake', async () => ({ dirs: new FakeStateDirectories('/srv/galaxy-state'), root: '/srv/galaxy-state' }));
