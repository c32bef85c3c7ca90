// The one place a game's work runs (issue 19; the model is Agones' keyed work queue,
// pkg/gameservers/controller.go): work for one game runs one piece at a time, in the order
// it was handed in; different games run side by side. A sync request is level-triggered:
// "bring this game's record and Docker together now". While one is waiting for its turn,
// further requests for that game join it (it will read the state when it runs, so it sees
// whatever they were about); a request arriving once it has begun gets a turn of its own.
import { KeyedTurns } from '../../timing/bounded-concurrency.js';

export class GameWorkQueue {
  /** Each game's turns (src/timing/). */
  private readonly turns = new KeyedTurns();
  /** The sync of a game that is waiting for its turn, if any. */
  private readonly waitingSyncs = new Map<string, Promise<unknown>>();

  /** Runs `work` after every earlier piece of work of `gameId`; its result or error is the caller's. */
  run<T>(gameId: string, work: () => Promise<T>): Promise<T> {
    return this.turns.run(gameId, work);
  }

  /** Queues `sync` for `gameId` unless a sync of that game is already waiting: then that one's result. */
  sync<T>(gameId: string, sync: () => Promise<T>): Promise<T> {
    const waiting = this.waitingSyncs.get(gameId);
    if (waiting) return waiting as Promise<T>;
    const turn = this.run(gameId, () => {
      this.waitingSyncs.delete(gameId);
      return sync();
    });
    this.waitingSyncs.set(gameId, turn);
    return turn;
  }

  /** Games with work waiting or running (diagnostics, tests). */
  get busyGames(): number {
    return this.turns.busyKeys;
  }

  /** Resolves once every piece of work handed in so far has finished. */
  idle(): Promise<void> {
    return this.turns.idle();
  }
}
