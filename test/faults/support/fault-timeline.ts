// The observed timeline of one fault, printed by the suite itself (and kept as JSON in
// .tmp/fault-timelines/), so the runbook and the closing note quote measured figures:
// fault at, first error seen, fault undone, recovery (/readyz 200 again), jobs answered.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../../src/app/project-root.js';
import { readyz } from './lobby-stand-in.js';

interface Mark {
  atMs: number;
  what: string;
}

export class FaultTimeline {
  private readonly marks: Mark[] = [];
  private faultAt: number | null = null;
  private restoredAt: number | null = null;
  private firstErrorAt: number | null = null;
  private recoveredAt: number | null = null;
  private lastReady: number | null = null;
  private polling = false;
  private poller: Promise<void> | null = null;
  readonly facts: Record<string, unknown> = {};

  constructor(
    readonly kind: string,
    private readonly baseUrl: () => Promise<string>,
    private readonly rtmLogs: () => ReadonlyArray<Record<string, unknown>>,
  ) {}

  /** Polls /readyz every 200 ms, recording every change of status. */
  startPolling(): void {
    this.polling = true;
    this.poller = (async () => {
      const url = await this.baseUrl();
      while (this.polling) {
        const r = await readyz(url);
        if (r.status !== this.lastReady) {
          const failing = r.body && typeof r.body.checks === 'object' ? failingChecks(r.body.checks as Record<string, { ok: boolean }>) : '';
          this.mark(`/readyz ${r.status}${failing ? ` (${failing})` : ''}`);
          this.lastReady = r.status;
          if (r.status !== 200 && this.faultAt !== null) this.error(`/readyz ${r.status}`);
          if (r.status === 200 && this.restoredAt !== null && this.recoveredAt === null) this.recoveredAt = Date.now();
        }
        await new Promise((res) => setTimeout(res, 200));
      }
    })();
  }

  fault(what: string): void {
    this.faultAt = Date.now();
    this.mark(`FAULT: ${what}`);
  }

  restore(what: string): void {
    this.restoredAt = Date.now();
    this.mark(`UNDONE: ${what}`);
    if (this.lastReady === 200) this.recoveredAt = Date.now();
  }

  /** An error an operator or caller would see (the first one is the timeline's "first error"). */
  error(what: string): void {
    if (this.firstErrorAt === null) this.firstErrorAt = Date.now();
    this.mark(`error: ${what}`);
  }

  mark(what: string, atMs = Date.now()): void {
    this.marks.push({ atMs, what });
  }

  /** Waits until /readyz is 200 after the fault was undone. */
  async recovered(timeoutMs = 60_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while (this.recoveredAt === null) {
      if (Date.now() > deadline) throw new Error(`${this.kind}: /readyz not 200 within ${timeoutMs} ms of the fault being undone`);
      await new Promise((r) => setTimeout(r, 100));
    }
    return this.recoveredAt;
  }

  /** Stops polling, adds the first RTM warn/error log line after the fault, prints, saves. */
  async finish(jobsAnsweredAtMs: number | null): Promise<Record<string, unknown>> {
    this.polling = false;
    await this.poller;
    const t0 = this.faultAt ?? Date.now();
    const firstLog = this.rtmLogs()
      .map((l) => ({ l, at: logTime(l) }))
      .find(({ l, at }) => at !== null && at >= t0 && WARN_LEVELS.has(String(l.level)));
    if (firstLog) {
      const { l, at } = firstLog;
      this.mark(`first RTM ${String(l.level)} log: ${String(l.msg)}${l.err ? ` (${errText(l.err)})` : ''}`, at!);
      if (this.firstErrorAt === null || at! < this.firstErrorAt) this.firstErrorAt = at;
    }
    if (jobsAnsweredAtMs !== null) this.mark('all jobs answered', jobsAnsweredAtMs);
    const rel = (t: number | null) => (t === null ? null : t - t0);
    const summary = {
      kind: this.kind,
      fault_at_ms: 0,
      first_error_ms: rel(this.firstErrorAt),
      undone_ms: rel(this.restoredAt),
      recovered_ms: rel(this.recoveredAt),
      recovered_after_undo_ms: this.recoveredAt !== null && this.restoredAt !== null ? this.recoveredAt - this.restoredAt : null,
      jobs_answered_ms: rel(jobsAnsweredAtMs),
      ...this.facts,
      marks: [...this.marks].sort((a, b) => a.atMs - b.atMs).map((m) => `+${((m.atMs - t0) / 1000).toFixed(2)}s ${m.what}`),
    };
    const lines = [
      `── fault timeline: ${this.kind} ──`,
      `  fault at +0.00s | first error ${secs(summary.first_error_ms)} | undone ${secs(summary.undone_ms)} | recovered ${secs(summary.recovered_ms)} (${secs(summary.recovered_after_undo_ms)} after undo) | jobs answered ${secs(summary.jobs_answered_ms)}`,
      ...Object.entries(this.facts).map(([k, v]) => `  ${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`),
      ...summary.marks.map((m) => `  ${m}`),
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    const dir = path.join(projectRoot(), '.tmp', 'fault-timelines');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, `${this.kind.replace(/[^a-z0-9-]+/gi, '-')}.json`), `${JSON.stringify(summary, null, 2)}\n`);
    return summary;
  }
}

const WARN_LEVELS = new Set(['warn', 'error', 'fatal', '40', '50', '60']);

/** pino writes `time` as ISO text (RTM's logger) or epoch ms (pino's default). */
function logTime(l: Record<string, unknown>): number | null {
  const t = typeof l.time === 'number' ? l.time : typeof l.time === 'string' ? Date.parse(l.time) : NaN;
  return Number.isFinite(t) ? t : null;
}

function errText(err: unknown): string {
  const e = err as { message?: string; code?: string } | string;
  return (typeof e === 'string' ? e : (e.code ?? e.message ?? '')).slice(0, 120);
}

/** A markdown table of finished timelines (the runbook's "Faults" table is this output). */
export function timelineTable(summaries: ReadonlyArray<Record<string, unknown>>): string {
  const rows = summaries.map((t) =>
    [
      t.kind,
      secs(t.first_error_ms as number | null),
      secs(t.undone_ms as number | null),
      `${secs(t.recovered_ms as number | null)} (${secs(t.recovered_after_undo_ms as number | null)} after undo)`,
      secs(t.jobs_answered_ms as number | null),
      t.rest_during,
      t.container_exited_published,
    ].join(' | '),
  );
  return [
    '| fault | first error | undone | /readyz 200 again | all jobs answered | REST start during | container_exited of the engine that died |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map((r) => `| ${r} |`),
  ].join('\n');
}

function secs(ms: number | null): string {
  return ms === null ? 'n/a' : `+${(ms / 1000).toFixed(2)}s`;
}

function failingChecks(checks: Record<string, { ok: boolean }>): string {
  return Object.entries(checks)
    .filter(([, c]) => !c.ok)
    .map(([name]) => name)
    .join(', ');
}
