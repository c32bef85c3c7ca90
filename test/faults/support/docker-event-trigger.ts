// Calls a function at a chosen Docker event of one game's containers (create, start, kill,
// die, stop, destroy), straight from the daemon's event stream (not through RTM's proxy):
// the fault suite SIGKILLs RTM there, inside an operation.
import type { Readable } from 'node:stream';
import Dockerode from 'dockerode';

export interface ContainerEvent {
  action: string;
  containerId: string;
  atMs: number;
}

export interface EventTrigger {
  /** Resolves with the event that fired the action; rejects if none came in time. */
  fired: Promise<ContainerEvent>;
  /** Every event of the game seen while subscribed. */
  seen: ContainerEvent[];
  close(): void;
}

export async function onContainerEvent(
  gameId: string,
  match: (e: ContainerEvent) => boolean,
  action: (e: ContainerEvent) => void,
  timeoutMs = 30_000,
): Promise<EventTrigger> {
  const docker = new Dockerode({ socketPath: '/var/run/docker.sock' });
  const stream = (await docker.getEvents({
    filters: { type: ['container'], label: [`com.galaxy.game_id=${gameId}`] },
  })) as unknown as Readable;
  const seen: ContainerEvent[] = [];
  let fire!: (e: ContainerEvent) => void;
  let fail!: (err: Error) => void;
  const fired = new Promise<ContainerEvent>((resolve, reject) => {
    fire = resolve;
    fail = reject;
  });
  fired.catch(() => undefined);
  let done = false;
  const timer = setTimeout(() => {
    if (!done) fail(new Error(`no matching Docker event for ${gameId} within ${timeoutMs} ms; saw ${seen.map((e) => e.action).join(',') || 'nothing'}`));
  }, timeoutMs);
  let buffer = '';
  stream.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('utf8');
    let i: number;
    while ((i = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, i).trim();
      buffer = buffer.slice(i + 1);
      if (!line) continue;
      const raw = JSON.parse(line) as { Action?: string; status?: string; id?: string; Actor?: { ID?: string } };
      const e: ContainerEvent = { action: (raw.Action ?? raw.status ?? '').split(':')[0]!, containerId: raw.Actor?.ID ?? raw.id ?? '', atMs: Date.now() };
      seen.push(e);
      if (!done && match(e)) {
        done = true;
        action(e);
        clearTimeout(timer);
        fire(e);
      }
    }
  });
  stream.on('error', () => undefined);
  return {
    fired,
    seen,
    close: () => {
      clearTimeout(timer);
      stream.destroy();
    },
  };
}
