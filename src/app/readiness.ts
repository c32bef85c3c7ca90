// /readyz: PostgreSQL, Redis, Docker and the game network all answer (CONTRACT §5), plus
// whatever problems the running components report (startup reconcile pending, a consumer
// that lost Redis). Each dependency check is bounded, so a dead server cannot hang /readyz.
import type { DockerRuntime } from '../ports/docker-runtime.js';
import type { ReadinessCheck, ReadinessReport } from '../ports/readiness-check.js';
import { withDeadline } from '../timing/deadline.js';
import type { BackgroundWorker } from '../workers/background-worker.js';

export type { ReadinessCheck, ReadinessReport };

export const READINESS_CHECK_TIMEOUT_MS = 2_000;

export interface ComponentProblem {
  name: string;
  problem: string;
}

export async function evaluateReadiness(
  checks: readonly ReadinessCheck[],
  componentProblems: () => ComponentProblem[],
  timeoutMs: number = READINESS_CHECK_TIMEOUT_MS,
): Promise<ReadinessReport> {
  const results = await Promise.all(
    checks.map(async (c) => {
      try {
        await withDeadline(c.check(), timeoutMs, () => new Error(`no answer within ${timeoutMs} ms`));
        return [c.name, { ok: true }] as const;
      } catch (err) {
        return [c.name, { ok: false, error: err instanceof Error ? err.message : String(err) }] as const;
      }
    }),
  );
  const report: ReadinessReport = { ready: true, checks: {} };
  for (const [name, r] of results) {
    report.checks[name] = r;
    if (!r.ok) report.ready = false;
  }
  for (const p of componentProblems()) {
    report.checks[p.name] = { ok: false, error: p.problem };
    report.ready = false;
  }
  return report;
}

/** The four dependency checks, in the order /readyz lists them. */
export function dependencyChecks(deps: {
  postgres: () => Promise<void>;
  redis: ReadinessCheck;
  docker: Pick<DockerRuntime, 'ping' | 'networkExists'>;
  network: string;
}): ReadinessCheck[] {
  return [
    { name: 'postgres', check: deps.postgres },
    deps.redis,
    { name: 'docker', check: () => deps.docker.ping() },
    {
      name: 'network',
      check: async () => {
        if (!(await deps.docker.networkExists(deps.network)))
          throw new Error(`docker network ${deps.network} does not exist (RTMANAGER_DOCKER_NETWORK)`);
      },
    },
  ];
}

/** How long one answer of a dependency check is reused (see sharedCheck). */
export const READINESS_REUSE_MS = 250;

/**
 * A check shared by its callers: probes arriving while one runs wait for it, and its
 * answer is reused for `reuseMs`. /readyz polled by several probes (or every few ms by a
 * deploy script) then costs at most a few dependency round trips a second, instead of four
 * per request competing with the startup reconcile for the same pools and CPU. Component
 * problems are not cached (evaluateReadiness reads them on every call).
 */
export function sharedCheck(inner: ReadinessCheck, reuseMs: number = READINESS_REUSE_MS, now: () => number = () => performance.now()): ReadinessCheck {
  let last: { at: number; answer: Promise<void> } | null = null;
  return {
    name: inner.name,
    check: () => {
      if (last && now() - last.at < reuseMs) return last.answer;
      const started = now();
      const answer = inner.check();
      const entry = { at: Number.POSITIVE_INFINITY, answer };
      last = entry;
      // Reused while in flight; once settled, for reuseMs from when it started.
      void answer.then(
        () => void (entry.at = started),
        () => void (entry.at = started),
      );
      return answer;
    },
  };
}

/**
 * Problems of the components: the first election round until it ran; on the leader, its
 * term's startup reconcile until it is done, then each running worker's. A standby runs
 * none of them: it is ready when its dependencies are.
 */
export class ComponentHealth {
  private phase: 'electing' | 'reconciling' | 'running' = 'electing';
  private running: readonly BackgroundWorker[] = [];

  /** This instance leads: its startup reconcile is pending. */
  leading(): void {
    this.phase = 'reconciling';
    this.running = [];
  }

  /** This instance is a standby: nothing of its own to wait for. */
  standby(): void {
    this.phase = 'running';
    this.running = [];
  }

  started(workers: readonly BackgroundWorker[]): void {
    this.phase = 'running';
    this.running = workers;
  }

  problems(): ComponentProblem[] {
    const problems: ComponentProblem[] = [];
    if (this.phase === 'electing') problems.push({ name: 'leader_election', problem: 'the first leader election round has not run yet' });
    if (this.phase === 'reconciling') problems.push({ name: 'startup_reconcile', problem: 'startup reconcile has not completed yet' });
    for (const w of this.running) {
      const p = w.problem?.();
      if (p) problems.push({ name: w.name, problem: p });
    }
    return problems;
  }
}
