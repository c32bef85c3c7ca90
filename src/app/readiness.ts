// /readyz: PostgreSQL, Redis, Docker and the game network all answer (CONTRACT §5), plus
// whatever problems the running components report (startup reconcile pending, a consumer
// that lost Redis).

import type { ReadinessCheck, ReadinessReport } from '../ports/readiness-check.js';

export type { ReadinessCheck, ReadinessReport };


export async function evaluateReadiness(
  checks: readonly ReadinessCheck[],
  componentProblems: () => Array<{ name: string; problem: string }>,
  timeoutMs: number,
): Promise<ReadinessReport> {
  const results = await Promise.all(
    checks.map(async (c) => {
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          c.check(),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
          }),
        ]);
        return [c.name, { ok: true }] as const;
      } catch (err) {
        return [c.name, { ok: false, error: err instanceof Error ? err.message : String(err) }] as const;
      } finally {
        clearTimeout(timer);
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
