// The swarm backend's events feed. The manager's /events carry service and node events, not
// task deaths, and container events stay on each node; the accepted way to see tasks across
// nodes is polling GET /tasks (the docker CLI polls every 200 ms). One poll covers every
// game (two calls: owned services, their tasks); each task's changes since the previous poll
// become the port's container events of its container: create, start, die (exit code from
// the task status), destroy. A failed poll ends the iteration like a broken stream: the
// events worker reconnects with `since` and the first poll replays what changed since then.
import type { Logger } from 'pino';
import type { DockerEvent, DockerEventAction, DockerEventsQuery } from '../../../ports/docker-runtime.js';
import { abortableSleep } from '../../../timing/abortable-sleep.js';
import type { SwarmApiClient } from './swarm-api.client.js';
import { isTerminal, taskContainerId, type SwarmTask } from './swarm-task.mapper.js';

type Phase = 'created' | 'running' | 'ended';

interface Seen {
  phase: Phase;
  containerId: string;
  labels: Record<string, string>;
}

export interface TaskEventsQuery extends DockerEventsQuery {
  intervalMs: number;
  logger: Logger;
  /** Containers the runtime itself saw running: a run shorter than one poll still gets its `start`. */
  sawRunning: (containerId: string) => boolean;
}

function nanosOf(value: string | undefined, fallback: bigint): bigint {
  const m = value ? /^(.*T\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/.exec(value) : null;
  if (!m) return fallback;
  const seconds = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(seconds)) return fallback;
  return BigInt(seconds) * 1_000_000n + BigInt((m[2] ?? '').padEnd(9, '0'));
}

function phaseOf(task: SwarmTask): Phase {
  if (task.Status?.State === 'running') return 'running';
  return isTerminal(task) ? 'ended' : 'created';
}

function event(action: DockerEventAction, seen: Seen, timeNano: bigint, exitCode: number | null = null): DockerEvent {
  return { action, containerId: seen.containerId, labels: seen.labels, exitCode, signal: null, timeNano };
}

/** What happened to one task since it was last seen (`prev` undefined: never seen). */
function changes(task: SwarmTask, now: Seen, prev: Seen | undefined, nowNano: bigint, sawRunning: (containerId: string) => boolean): DockerEvent[] {
  const at = nanosOf(task.Status?.Timestamp, nowNano);
  const out: DockerEvent[] = [];
  if (prev === undefined) out.push(event('create', now, nanosOf(task.CreatedAt, at)));
  if (now.phase === 'running' && prev?.phase !== 'running') out.push(event('start', now, at));
  // Ran and ended between two polls: only the runtime's own start saw it running.
  if (now.phase === 'ended' && prev?.phase !== 'running' && prev?.phase !== 'ended' && sawRunning(now.containerId)) out.push(event('start', now, at - 1n));
  if (now.phase === 'ended' && prev?.phase !== 'ended') out.push(event('die', now, at, task.Status?.ContainerStatus?.ExitCode ?? null));
  return out;
}

export async function* pollTaskEvents(api: SwarmApiClient, ownerFilter: string, query: TaskEventsQuery): AsyncGenerator<DockerEvent, void, undefined> {
  const seen = new Map<string, Seen>();
  const sinceNano = query.since === undefined ? null : BigInt(Math.floor(query.since * 1e9));
  let first = true;
  while (!query.signal.aborted) {
    let tasks: SwarmTask[];
    let labelsOf: Map<string, Record<string, string>>;
    try {
      const services = await api.services(ownerFilter);
      labelsOf = new Map(services.map((s) => [s.ID, { ...(s.Spec.Labels ?? {}) }]));
      tasks = await api.tasks(services.map((s) => s.ID));
    } catch (err) {
      if (query.signal.aborted) return;
      // The first poll is the connect: its failure is the caller's, as for the daemon's stream.
      if (first) throw err;
      query.logger.warn({ err }, 'swarm task poll failed; events feed ends');
      return;
    }
    const nowNano = BigInt(Date.now()) * 1_000_000n;
    const out: DockerEvent[] = [];
    const present = new Set<string>();
    for (const task of tasks) {
      const containerId = taskContainerId(task);
      const labels = labelsOf.get(task.ServiceID);
      if (containerId === null || labels === undefined) continue;
      present.add(task.ID);
      const now: Seen = { phase: phaseOf(task), containerId, labels };
      const prev = seen.get(task.ID);
      seen.set(task.ID, now);
      // The first poll sets the baseline; with `since` it replays what changed after it.
      const found = changes(task, now, prev, nowNano, query.sawRunning);
      out.push(...(first ? found.filter((e) => sinceNano !== null && e.timeNano >= sinceNano) : found));
    }
    for (const [taskId, prev] of seen) {
      if (present.has(taskId)) continue;
      seen.delete(taskId);
      // Gone between two polls (service removed): its end was not seen, only its absence.
      if (prev.phase === 'created' && query.sawRunning(prev.containerId)) out.push(event('start', prev, nowNano - 1n));
      if (prev.phase !== 'ended') out.push(event('die', prev, nowNano));
      out.push(event('destroy', prev, nowNano + 1n));
    }
    first = false;
    out.sort((a, b) => (a.timeNano < b.timeNano ? -1 : a.timeNano > b.timeNano ? 1 : 0));
    for (const e of out) {
      if (query.signal.aborted) return;
      yield e;
    }
    await abortableSleep(query.intervalMs, query.signal);
  }
}
