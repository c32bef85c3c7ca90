// Where RTM's time goes: every port the lifecycle services use is wrapped in a Proxy that
// adds the wall time of each async call to the open window, keyed `port.method`. The bench
// runs one operation at a time, so a window is exactly one operation. The Proxy costs
// microseconds per call, far below the milliseconds being measured.

export type PortTimingWindow = Map<string, number>;

export class PortTimings {
  private window: PortTimingWindow | null = null;
  private calls: string[] = [];
  /** The calls of the last closed window, in the order they were made. */
  lastSequence: string[] = [];

  open(): void {
    this.window = new Map();
    this.calls = [];
  }

  close(): PortTimingWindow {
    const window = this.window ?? new Map<string, number>();
    this.window = null;
    this.lastSequence = this.calls;
    this.calls = [];
    return window;
  }

  /**
   * `target` with its async methods timed as `${portName}.${method}`. `wrapResult` may
   * wrap what a method resolves to (a lease whose `release` must be timed too).
   */
  wrap<T extends object>(portName: string, target: T, wrapResult?: (method: string, value: unknown) => unknown): T {
    return new Proxy(target, {
      get: (obj, prop) => {
        const value: unknown = Reflect.get(obj, prop, obj);
        if (typeof value !== 'function' || typeof prop !== 'string') return value;
        return (...args: unknown[]) => {
          const started = performance.now();
          // Noted before the call (a call made inside it comes after); dropped again when
          // the method turns out synchronous: only async calls are round trips.
          const at = this.window ? this.calls.push(`${portName}.${prop}`) - 1 : -1;
          const result: unknown = (value as (...a: unknown[]) => unknown).apply(obj, args);
          if (!(result instanceof Promise)) {
            if (at >= 0) this.calls.splice(at, 1);
            return result;
          }
          return result.then(
            (resolved: unknown) => {
              this.add(`${portName}.${prop}`, performance.now() - started);
              return wrapResult ? wrapResult(prop, resolved) : resolved;
            },
            (err: unknown) => {
              this.add(`${portName}.${prop}`, performance.now() - started);
              throw err;
            },
          );
        };
      },
    });
  }

  private add(key: string, ms: number): void {
    if (this.window) this.window.set(key, (this.window.get(key) ?? 0) + ms);
  }
}

/** The rows of the breakdown table: which timed calls make up each component. */
export const BREAKDOWN_COMPONENTS: ReadonlyArray<{ name: string; keys: readonly string[]; minus?: readonly string[] }> = [
  {
    name: 'docker: the raw-equivalent calls',
    keys: ['docker.createContainer', 'docker.startContainer', 'docker.stopContainer', 'docker.removeContainer'],
  },
  { name: 'docker: image inspect (label read)', keys: ['docker.inspectImage'] },
  { name: 'docker: container inspect (name check)', keys: ['docker.inspectContainer'] },
  { name: 'redis: lease acquire + release', keys: ['leases.tryAcquire', 'lease.release'] },
  { name: 'pg: runtime record read', keys: ['records.get'] },
  { name: 'pg: runtime record write', keys: ['records.upsert', 'records.updateStatus'] },
  { name: 'pg: operation_log append', keys: ['operationLog.append'] },
  { name: 'pg: health snapshot upsert', keys: ['snapshots.upsert'] },
  // publish = snapshot upsert + XADD: the XADD is what is left.
  { name: 'redis: health event XADD', keys: ['healthEvents.publish'], minus: ['snapshots.upsert'] },
  { name: 'fs: state dir ensure', keys: ['stateDirectories.ensure'] },
];

export const OTHER_COMPONENT = 'other (JS, validation, logging)';
/** Everything but the raw-equivalent Docker calls: RTM's overhead measured in place, per call. */
export const RTM_OWN_COMPONENT = "= RTM's own time (total - raw-equivalent)";
export const TOTAL_COMPONENT = '= total';

/**
 * Component -> ms for one window; `other` is the operation's total minus every timed call.
 * The first component must stay the raw-equivalent Docker calls (RTM's own time excludes it).
 */
export function breakdownOf(window: PortTimingWindow, totalMs: number): Record<string, number> {
  const sum = (keys: readonly string[]) => keys.reduce((acc, k) => acc + (window.get(k) ?? 0), 0);
  const out: Record<string, number> = {};
  let accounted = 0;
  for (const c of BREAKDOWN_COMPONENTS) {
    const ms = Math.max(0, sum(c.keys) - sum(c.minus ?? []));
    out[c.name] = ms;
    accounted += ms;
  }
  out[OTHER_COMPONENT] = Math.max(0, totalMs - accounted);
  out[RTM_OWN_COMPONENT] = Math.max(0, totalMs - (out[BREAKDOWN_COMPONENTS[0]?.name ?? ''] ?? 0));
  out[TOTAL_COMPONENT] = totalMs;
  return out;
}
