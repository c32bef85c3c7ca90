// FsStateDirectories on the real filesystem (a temp root per test).
import { lstat, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FsStateDirectories, StateDirectoryPathError } from '../../../src/adapters/filesystem/state-directories.adapter.js';

let sandbox: string;
let root: string;

beforeEach(async () => {
  sandbox = await mkdtemp(path.join(os.tmpdir(), 'rtm-state-'));
  root = path.join(sandbox, 'root');
});

afterEach(async () => {
  await rm(sandbox, { recursive: true, force: true });
});

const modeOf = async (p: string): Promise<number> => (await stat(p)).mode & 0o7777;

describe('FsStateDirectories', () => {
  it('pathFor is root/game_id', () => {
    const dirs = new FsStateDirectories({ root, mode: 0o750, uid: null, gid: null });
    expect(dirs.pathFor('game-1')).toBe(path.join(root, 'game-1'));
  });

  it('ensure creates the folder (and a missing root) with exactly the configured mode, whatever the umask', async () => {
    // 0777 would come out 0755 under the usual 022 umask if mode were only passed to mkdir.
    for (const [gameId, mode] of [
      ['wide', 0o777],
      ['narrow', 0o700],
      ['group', 0o2770],
    ] as const) {
      const dirs = new FsStateDirectories({ root, mode, uid: null, gid: null });
      const dir = await dirs.ensure(gameId);
      expect(dir).toBe(path.join(root, gameId));
      expect((await stat(dir)).isDirectory()).toBe(true);
      expect(await modeOf(dir)).toBe(mode);
    }
  });

  it('ensure is idempotent and keeps what the engine wrote', async () => {
    const dirs = new FsStateDirectories({ root, mode: 0o750, uid: null, gid: null });
    const dir = await dirs.ensure('game-1');
    await writeFile(path.join(dir, 'world.db'), 'turn 42');
    await mkdir(path.join(dir, 'saves'));
    expect(await dirs.ensure('game-1')).toBe(dir);
    expect(await readFile(path.join(dir, 'world.db'), 'utf8')).toBe('turn 42');
    expect((await readdir(dir)).sort()).toEqual(['saves', 'world.db']);
    expect(await modeOf(dir)).toBe(0o750);
  });

  it('ensure chowns to the configured uid and gid; an unset one is left alone', async () => {
    // Root can give the folder away; anyone else can at least chown to themselves.
    const me = { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };
    const target = me.uid === 0 ? { uid: 4321, gid: 8765 } : me;
    const both = new FsStateDirectories({ root, mode: 0o750, uid: target.uid, gid: target.gid });
    const s1 = await stat(await both.ensure('both'));
    expect([s1.uid, s1.gid]).toEqual([target.uid, target.gid]);

    const gidOnly = new FsStateDirectories({ root, mode: 0o750, uid: null, gid: target.gid });
    const s2 = await stat(await gidOnly.ensure('gid-only'));
    expect([s2.uid, s2.gid]).toEqual([me.uid, target.gid]);
  });

  it.each(['../x', 'a/b', '..', '.', '/etc', '/etc/passwd', 'UPPER', 'Game-1', '', '-lead', 'trail-', 'a\u0000b', 'a'.repeat(52), 'with space', 'a..b/../c'])(
    'refuses game id %j: pathFor throws, ensure rejects, nothing is created',
    async (bad) => {
      await mkdir(root, { recursive: true });
      const dirs = new FsStateDirectories({ root, mode: 0o750, uid: null, gid: null });
      expect(() => dirs.pathFor(bad)).toThrow(StateDirectoryPathError);
      await expect(dirs.ensure(bad)).rejects.toThrow(StateDirectoryPathError);
      expect(await readdir(root)).toEqual([]);
      expect((await readdir(sandbox)).sort()).toEqual(['root']);
    },
  );

  it('refuses a symlink planted at the game path and does not touch its target', async () => {
    const outside = path.join(sandbox, 'outside');
    await mkdir(outside, { mode: 0o700 });
    await mkdir(root);
    await symlink(outside, path.join(root, 'game-1'));
    const dirs = new FsStateDirectories({ root, mode: 0o777, uid: null, gid: null });
    await expect(dirs.ensure('game-1')).rejects.toThrow(/not a directory/);
    expect(await modeOf(outside)).toBe(0o700);
    expect((await lstat(path.join(root, 'game-1'))).isSymbolicLink()).toBe(true);
  });

  it('a regular file at the game path is an error, and the file is kept', async () => {
    await mkdir(root);
    await writeFile(path.join(root, 'game-1'), 'not mine');
    const dirs = new FsStateDirectories({ root, mode: 0o750, uid: null, gid: null });
    await expect(dirs.ensure('game-1')).rejects.toThrow();
    expect(await readFile(path.join(root, 'game-1'), 'utf8')).toBe('not mine');
  });

  it('a relative root is refused at construction', () => {
    expect(() => new FsStateDirectories({ root: 'relative/state', mode: 0o750, uid: null, gid: null })).toThrow(StateDirectoryPathError);
  });
});
