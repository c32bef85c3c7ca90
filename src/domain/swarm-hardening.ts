// Which of §2's hardening rows a Swarm service spec can carry, by the swarm's engine versions
// (CONTRACT §11, docs/swarm.md "Hardening table"). Every node runs the task it is given, so the
// LOWEST engine among the nodes decides; the request must also speak an API version that has
// the field (a daemon strips fields newer than the request's version):
//   no_new_privileges  ContainerSpec.Privileges.NoNewPrivileges   Engine 25 / API 1.44
//   swap_limit         TaskTemplate.Resources.SwapBytes (0: swap = memory)  Engine 29 / API 1.52
//   cgroupns           never (a service spec has no cgroup namespace mode)
// A version that does not parse counts as the oldest. A row the nodes cannot express must be
// waived (RTMANAGER_SWARM_HARDENING_WAIVER), or swarm mode is refused.

export const SWARM_HARDENING_ROWS = ['no_new_privileges', 'swap_limit', 'cgroupns'] as const;
export type SwarmHardeningRow = (typeof SWARM_HARDENING_ROWS)[number];

/** What the manager reports: each node's `Description.Engine.EngineVersion`, and the API version RTM's requests use. */
export interface SwarmEngineVersions {
  engines: readonly string[];
  apiVersion: string | null;
}

/** From which engine (major.minor) and API version a row is expressible; null = never. */
const EXPRESSIBLE_FROM: Record<SwarmHardeningRow, { engine: readonly [number, number]; api: readonly [number, number] } | null> = {
  no_new_privileges: { engine: [25, 0], api: [1, 44] },
  swap_limit: { engine: [29, 0], api: [1, 52] },
  cgroupns: null,
};

/** Leading numeric components of a version (`20.10.24+dfsg1` → [20, 10, 24], `v29.0.0-rc.1` → [29, 0, 0]); null when none. */
export function parseVersion(text: string): number[] | null {
  const match = /^\s*v?(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(text);
  if (match === null) return null;
  return match.slice(1).map((part) => (part === undefined ? 0 : Number(part)));
}

function compareVersions(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const diff = (a[i] ?? 0) - (b[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}

/** The lowest node engine as reported (an unparsable one, or none at all, is the oldest). */
export function lowestEngine(engines: readonly string[]): { text: string; version: number[] | null } {
  if (engines.length === 0) return { text: 'none reported', version: null };
  let lowest: { text: string; version: number[] | null } | null = null;
  for (const text of engines) {
    const version = parseVersion(text);
    if (version === null) return { text: text === '' ? 'unknown' : text, version: null };
    if (lowest === null || compareVersions(version, lowest.version as number[]) < 0) lowest = { text, version };
  }
  return lowest as { text: string; version: number[] };
}

/** The rows a service spec can carry on this swarm. */
export function expressibleRows(versions: SwarmEngineVersions): ReadonlySet<SwarmHardeningRow> {
  const engine = lowestEngine(versions.engines).version;
  const api = versions.apiVersion === null ? null : parseVersion(versions.apiVersion);
  return new Set(
    SWARM_HARDENING_ROWS.filter((row) => {
      const from = EXPRESSIBLE_FROM[row];
      return from !== null && engine !== null && api !== null && compareVersions(engine, from.engine) >= 0 && compareVersions(api, from.api) >= 0;
    }),
  );
}

export interface SwarmHardeningVerdict {
  /** Rows whose fields every spec carries (and the read-back verifies). */
  expressible: ReadonlySet<SwarmHardeningRow>;
  /** Rows the nodes cannot express that the operator waived. */
  waived: SwarmHardeningRow[];
  /** Rows the nodes cannot express and nobody waived: swarm mode is refused while any is left. */
  unmet: SwarmHardeningRow[];
  /** Waived rows the nodes can express: enforced anyway, the waiver is not needed. */
  needlessWaivers: SwarmHardeningRow[];
  lowestEngine: string;
  apiVersion: string;
}

export function hardeningVerdict(versions: SwarmEngineVersions, waived: readonly SwarmHardeningRow[]): SwarmHardeningVerdict {
  const expressible = expressibleRows(versions);
  const missing = SWARM_HARDENING_ROWS.filter((row) => !expressible.has(row));
  return {
    expressible,
    waived: missing.filter((row) => waived.includes(row)),
    unmet: missing.filter((row) => !waived.includes(row)),
    needlessWaivers: SWARM_HARDENING_ROWS.filter((row) => expressible.has(row) && waived.includes(row)),
    lowestEngine: lowestEngine(versions.engines).text,
    apiVersion: versions.apiVersion ?? 'unknown',
  };
}

/** Why swarm mode is refused (the rows, the lowest engine), or null when every row is expressed or waived. */
export function hardeningRefusal(verdict: SwarmHardeningVerdict): string | null {
  if (verdict.unmet.length === 0) return null;
  return (
    `swarm mode refused: the swarm's lowest node engine ${verdict.lowestEngine} (manager API ${verdict.apiVersion}) cannot express ` +
    `${verdict.unmet.join(', ')} in a service spec; RTMANAGER_SWARM_HARDENING_WAIVER must list ${verdict.unmet.length === 1 ? 'it' : 'them'} ` +
    `(the nodes' daemons enforce ${verdict.unmet.length === 1 ? 'it' : 'them'}, or you accept the gap: docs/swarm.md "Hardening table")`
  );
}
