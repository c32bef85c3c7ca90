// Fleet figures an operator alerts on (issue 22), read at scrape time and never per game:
// the running engines' limits summed against the Docker host's memory and CPUs (a fleet whose
// memory limits exceed the host's memory is overcommitted: engines get OOM-killed under load).
// Per-game usage is the stats endpoint's (or cAdvisor's) job: docs/observability.md.
import { Gauge, type Registry } from '@prometheus-io/client';
import type { Logger } from 'pino';
import type { HostResources } from '../../domain/container-spec.js';
import type { FleetLimits } from '../../ports/runtime-record.store.js';
import { withDeadline } from '../../timing/deadline.js';

export interface FleetFigures {
  limits: FleetLimits;
  /** null when the daemon could not say (the host gauges keep their last values). */
  host: HostResources | null;
}

/** Within Prometheus' scrape timeout whatever PostgreSQL or Docker do. */
const FLEET_SCRAPE_DEADLINE_MS = 1_500;

export function registerFleetGauges(registers: Registry[], read: () => (() => Promise<FleetFigures>) | null, logger: Logger): void {
  let inFlight: Promise<FleetFigures | null> | null = null;
  // One read per scrape, shared by the five gauges.
  const figures = (): Promise<FleetFigures | null> => {
    const source = read();
    if (source === null) return Promise.resolve(null);
    inFlight ??= withDeadline(source(), FLEET_SCRAPE_DEADLINE_MS, () => new Error('fleet figures deadline'))
      .catch((err: unknown) => {
        logger.warn({ err }, 'fleet gauges: reading the running limits failed');
        return null;
      })
      .finally(() => {
        inFlight = null;
      });
    return inFlight;
  };
  const gauge = (name: string, help: string, pick: (f: FleetFigures) => number | undefined) =>
    new Gauge({
      name,
      help,
      registers,
      async collect() {
        const f = await figures();
        const value = f === null ? undefined : pick(f);
        if (value !== undefined) this.set(value);
      },
    });
  gauge('rtmanager_fleet_memory_limit_bytes', 'Sum of the memory limits of the running engines (records that know their limits), at scrape time.', (f) => f.limits.memoryBytes);
  gauge('rtmanager_fleet_cpu_limit_cpus', 'Sum of the CPU limits of the running engines, in CPUs, at scrape time.', (f) => f.limits.cpus);
  gauge('rtmanager_fleet_engines_unknown_limits', 'Running engines whose limits RTM does not know (records from before 1.2, adopted containers).', (f) => f.limits.withoutLimits);
  gauge('rtmanager_docker_host_memory_bytes', "The Docker host's memory (docker info MemTotal).", (f) => f.host?.memoryBytes);
  gauge('rtmanager_docker_host_cpus', "The Docker host's CPUs (docker info NCPU).", (f) => f.host?.cpus);
}
