// The load generator, run as its own process (bench/load-generator.ts spawns it) so its CPU
// is not the measured server's: autocannon against one base URL, a random path of the
// given list per request, for a fixed time, at a fixed overall rate or flat out.
// Prints one JSON line: every response's latency (ms, sub-millisecond, from autocannon's
// `response` event), responses per whole second, status counts and errors.
import autocannon from 'autocannon';

export interface LoadSpec {
  url: string;
  paths: string[];
  connections: number;
  durationS: number;
  /** Requests per second over all connections; absent = as fast as the server answers. */
  rate?: number;
}

export interface LoadOutcome {
  latenciesMs: number[];
  perSecond: number[];
  statusCounts: Record<string, number>;
  errors: number;
  timeouts: number;
  durationS: number;
}

function run(spec: LoadSpec): Promise<LoadOutcome> {
  const latenciesMs: number[] = [];
  const perSecond: number[] = [];
  const statusCounts: Record<string, number> = {};
  let t0 = 0;
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: spec.url,
        connections: spec.connections,
        duration: spec.durationS,
        ...(spec.rate !== undefined ? { overallRate: spec.rate } : {}),
        requests: [{ setupRequest: (req: Record<string, unknown>) => ({ ...req, path: spec.paths[Math.floor(Math.random() * spec.paths.length)] }) }],
      },
      (err: Error | null, result: { errors: number; timeouts: number; duration: number }) => {
        if (err) return reject(err);
        resolve({ latenciesMs, perSecond, statusCounts, errors: result.errors, timeouts: result.timeouts, durationS: result.duration });
      },
    );
    instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
      if (t0 === 0) t0 = performance.now();
      latenciesMs.push(responseTime);
      statusCounts[statusCode] = (statusCounts[statusCode] ?? 0) + 1;
      const second = Math.floor((performance.now() - t0) / 1000);
      while (perSecond.length <= second) perSecond.push(0);
      perSecond[second] = (perSecond[second] ?? 0) + 1;
    });
  });
}

const spec = JSON.parse(process.argv[2] ?? '{}') as LoadSpec;
run(spec).then(
  (outcome) => {
    // The last second is partial: drop it from the per-second counts.
    outcome.perSecond = outcome.perSecond.slice(0, Math.max(1, Math.floor(outcome.durationS)));
    process.stdout.write(`${JSON.stringify(outcome)}\n`);
  },
  (err: unknown) => {
    process.stderr.write(`load: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
