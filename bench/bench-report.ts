// The one table every scenario reports into: a row is RTM's figure and, where the issue
// names one, its baseline measured in the same run, with the ratio and the target verdict.
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { projectRoot } from '../src/app/project-root.js';
import { round1, round2, summarize, type SampleSummary } from './sample-statistics.js';

export interface RowSide {
  /** What was measured (e.g. `minimal fastify+pg`, `raw dockerode`). */
  label: string;
  summary: SampleSummary;
  /** One headline figure when the row is not a distribution (req/s, MB, a slope). */
  value?: number;
}

export interface BenchRow {
  key: string;
  label: string;
  unit: string;
  rtm: RowSide;
  baseline: RowSide | null;
  /** RTM / baseline of the compared figure (`compare`), null without a baseline. */
  ratio: number | null;
  compare: 'median' | 'p99' | 'value';
  target: string;
  /** true / false against the target, null when the row has none. */
  holds: boolean | null;
  note?: string;
}

export function side(label: string, samples: readonly number[], value?: number): RowSide {
  const s = summarize(samples);
  const r = (x: number) => (Math.abs(x) >= 100 ? Math.round(x) : round2(x));
  return { label, summary: { n: s.n, median: r(s.median), p90: r(s.p90), p99: r(s.p99), min: r(s.min), max: r(s.max) }, ...(value !== undefined ? { value: round2(value) } : {}) };
}

const figure = (s: RowSide, compare: BenchRow['compare']) => (compare === 'value' ? (s.value ?? NaN) : s.summary[compare]);

export function ratioOf(rtm: RowSide, baseline: RowSide | null, compare: BenchRow['compare']): number | null {
  if (!baseline) return null;
  const r = figure(rtm, compare) / figure(baseline, compare);
  return Number.isFinite(r) ? round2(r) : null;
}

const fmt = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? '-' : Math.abs(x) >= 100 ? String(Math.round(x)) : x.toFixed(1));

export function renderRows(head: string[], rows: string[][], textColumns: number): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i < textColumns ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ').trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export function renderBenchTable(rows: readonly BenchRow[]): string {
  const head = ['row', 'unit', 'RTM med', 'p90', 'p99', 'value', 'baseline', 'med', 'p90', 'p99', 'value', 'ratio', 'target', 'holds'];
  const body = rows.map((r) => [
    r.label,
    r.unit,
    fmt(r.rtm.summary.median),
    fmt(r.rtm.summary.p90),
    fmt(r.rtm.summary.p99),
    fmt(r.rtm.value),
    r.baseline?.label ?? '-',
    fmt(r.baseline?.summary.median),
    fmt(r.baseline?.summary.p90),
    fmt(r.baseline?.summary.p99),
    fmt(r.baseline?.value),
    r.ratio === null ? '-' : `${r.ratio.toFixed(2)}x`,
    r.target,
    r.holds === null ? '-' : r.holds ? 'yes' : 'NO',
  ]);
  // Text columns are left-aligned: row, unit; the baseline label and target are text too.
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] ?? '').length)));
  const left = new Set([0, 1, 6, 12, 13]);
  const line = (cells: string[]) => cells.map((c, i) => (left.has(i) ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ').trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

export interface MachineFacts {
  cpus: number;
  cpu_model: string;
  memory_gb: number;
  kernel: string;
  node: string;
  docker: string;
  docker_api: string;
  postgres: string;
  redis: string;
  commit: string | null;
}

export function gitCommit(): string | null {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: projectRoot(), encoding: 'utf8' }).trim();
  } catch {
    return null;
  }
}

export function machineFacts(versions: { docker: string; dockerApi: string; postgres: string; redis: string }): MachineFacts {
  return {
    cpus: os.cpus().length,
    cpu_model: os.cpus()[0]?.model ?? 'unknown',
    memory_gb: round1(os.totalmem() / 1024 ** 3),
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    docker: versions.docker,
    docker_api: versions.dockerApi,
    postgres: versions.postgres,
    redis: versions.redis,
    commit: gitCommit(),
  };
}
