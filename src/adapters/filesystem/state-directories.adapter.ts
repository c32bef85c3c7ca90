// One host folder per game under RTMANAGER_GAME_STATE_ROOT, bind-mounted into its engine.
// RTM creates these and never deletes them (CONTRACT §1): nothing here removes anything.
import { chmod, chown, lstat, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { isValidGameId } from '../../domain/game-id.js';
import type { StateDirectories } from '../../ports/state-directory.js';

export interface StateDirectoriesOptions {
  /** Absolute host path. */
  root: string;
  /** Applied with chmod after mkdir, so the process umask cannot narrow it. */
  mode: number;
  uid: number | null;
  gid: number | null;
}

/** A game id that must never become a path: callers validate first, so this is a bug. */
export class StateDirectoryPathError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StateDirectoryPathError';
  }
}

export class FsStateDirectories implements StateDirectories {
  private readonly root: string;

  constructor(private readonly options: StateDirectoriesOptions) {
    if (!path.isAbsolute(options.root)) throw new StateDirectoryPathError(`state root ${options.root} is not absolute`);
    this.root = path.resolve(options.root);
  }

  pathFor(gameId: string): string {
    if (!isValidGameId(gameId)) throw new StateDirectoryPathError(`refusing state path for invalid game_id ${JSON.stringify(gameId)}`);
    const full = path.resolve(this.root, gameId);
    // Defence in depth: a valid game_id has no separators or dots-only names, but check
    // the resolved path anyway — it must be exactly one level below the root.
    if (path.dirname(full) !== this.root || path.basename(full) !== gameId) {
      throw new StateDirectoryPathError(`state path for ${JSON.stringify(gameId)} resolves outside ${this.root}`);
    }
    return full;
  }

  async ensure(gameId: string): Promise<string> {
    const dir = this.pathFor(gameId);
    await mkdir(dir, { recursive: true, mode: this.options.mode });
    // chmod/chown follow symlinks: a link planted at the game's path must not redirect
    // them to somewhere else on the host.
    const stat = await lstat(dir);
    if (!stat.isDirectory()) throw new StateDirectoryPathError(`${dir} exists and is not a directory`);
    await chmod(dir, this.options.mode);
    if (this.options.uid !== null || this.options.gid !== null) {
      // -1 leaves that id unchanged (chown(2)).
      await chown(dir, this.options.uid ?? -1, this.options.gid ?? -1);
    }
    return dir;
  }
}
