// StateDirectories port contract, run against FsStateDirectories and FakeStateDirectories.
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { StateDirectories } from '../../../src/ports/state-directory.js';

export interface StateDirectoriesHarness {
  dirs: StateDirectories;
  root: string;
}

export function describeStateDirectoriesContract(name: string, makeHarness: () => Promise<StateDirectoriesHarness>): void {
  describe(`StateDirectories contract: ${name}`, () => {
    let h: StateDirectoriesHarness;
    beforeEach(async () => {
      h = await makeHarness();
    });

    it('pathFor is one folder per game directly under the root', () => {
      expect(h.dirs.pathFor('game-1')).toBe(path.join(h.root, 'game-1'));
      expect(h.dirs.pathFor('0')).toBe(path.join(h.root, '0'));
    });

    it('ensure answers pathFor, and again on a second call', async () => {
      expect(await h.dirs.ensure('game-1')).toBe(h.dirs.pathFor('game-1'));
      expect(await h.dirs.ensure('game-1')).toBe(h.dirs.pathFor('game-1'));
    });

    it.each(['../x', 'a/b', '..', '/abs', 'UPPER', ''])('refuses game id %j in pathFor and ensure', async (bad) => {
      expect(() => h.dirs.pathFor(bad)).toThrow();
      await expect(h.dirs.ensure(bad)).rejects.toThrow();
    });
  });
}
