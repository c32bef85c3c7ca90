// The bench's command line. Pure: a bad flag is a BenchFlagsError (run.ts exits 2 on it).
import path from 'node:path';
import { parseArgs } from 'node:util';

export const SCENARIOS = ['lifecycle', 'rest', 'fleet', 'failover', 'swarm', 'stats', 'sweep'] as const;
export type Scenario = (typeof SCENARIOS)[number];

export interface BenchFlags {
  quick: boolean;
  json: boolean;
  /** Lifecycle iterations (after the warm-up). */
  iterations: number;
  /** Engines in the fleet rows (burst, RSS, probe, crash, cold start). */
  engines: number;
  /** Job concurrencies of the burst sweep; empty = no sweep. */
  sweep: number[];
  /** Which scenarios run, in this order. */
  only: Scenario[];
  /** Write a CPU profile of each RTM process into bench/results/ (node --cpu-prof). */
  cpuProf: boolean;
  /**
   * Another checkout whose built RTM (its dist/) runs in the same run next to this one, on
   * the rows of the RTM process: idle RSS, the REST rows, cold start. null = none.
   */
  compare: string | null;
}

export class BenchFlagsError extends Error {}

export const USAGE =
  'usage: npm run bench -- [--quick] [--json] [--iterations N] [--engines N] [--concurrency-sweep [1,2,4,8,16]] ' +
  `[--only ${SCENARIOS.join(',')}] [--cpu-prof] [--compare DIR]`;

const DEFAULT_SWEEP = [1, 2, 4, 8, 16];

function positiveInt(name: string, v: string, max: number): number {
  const n = Number(v);
  if (!/^[0-9]+$/.test(v) || !Number.isInteger(n) || n < 1 || n > max) throw new BenchFlagsError(`--${name} must be an integer in 1..${max}, got ${v}`);
  return n;
}

function compareDir(dir: string): string {
  if (dir.trim() === '') throw new BenchFlagsError('--compare needs a directory (a checkout with dist/ built)');
  return path.resolve(dir);
}

export function parseBenchFlags(argv: readonly string[]): BenchFlags {
  let values: Record<string, string | boolean | undefined>;
  // `--concurrency-sweep` alone means the default list: give it one before parseArgs sees it.
  const args = argv.flatMap((a, i) =>
    a === '--concurrency-sweep' && (argv[i + 1] === undefined || argv[i + 1]?.startsWith('--')) ? [a, DEFAULT_SWEEP.join(',')] : [a],
  );
  try {
    ({ values } = parseArgs({
      args,
      options: {
        quick: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        iterations: { type: 'string' },
        engines: { type: 'string' },
        'concurrency-sweep': { type: 'string' },
        only: { type: 'string' },
        'cpu-prof': { type: 'boolean', default: false },
        compare: { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new BenchFlagsError(err instanceof Error ? err.message : String(err));
  }
  const quick = values.quick === true;
  const sweepRaw = values['concurrency-sweep'];
  const sweep =
    typeof sweepRaw === 'string' ? [...new Set(sweepRaw.split(',').map((s) => positiveInt('concurrency-sweep', s.trim(), 64)))].sort((a, b) => a - b) : [];
  let only: Scenario[] = ['lifecycle', 'rest', 'fleet', 'failover', 'swarm', 'stats'];
  if (typeof values.only === 'string') {
    const names = values.only.split(',').map((s) => s.trim());
    for (const n of names)
      if (!(SCENARIOS as readonly string[]).includes(n)) throw new BenchFlagsError(`--only: unknown scenario ${n} (one of ${SCENARIOS.join(', ')})`);
    only = SCENARIOS.filter((s) => names.includes(s));
  }
  if (sweep.length > 0 && !only.includes('sweep')) only = [...only, 'sweep'];
  if (only.includes('sweep') && sweep.length === 0) sweep.push(...DEFAULT_SWEEP);
  return {
    quick,
    json: values.json === true,
    iterations: typeof values.iterations === 'string' ? positiveInt('iterations', values.iterations, 1000) : quick ? 5 : 15,
    engines: typeof values.engines === 'string' ? positiveInt('engines', values.engines, 500) : quick ? 20 : 200,
    sweep,
    only,
    cpuProf: values['cpu-prof'] === true,
    compare: typeof values.compare === 'string' ? compareDir(values.compare) : null,
  };
}
