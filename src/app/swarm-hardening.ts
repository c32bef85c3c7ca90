// Swarm mode's hardening parity (CONTRACT §11): at startup the nodes' engine versions are read
// from the manager; a row they cannot express that RTMANAGER_SWARM_HARDENING_WAIVER does not list
// refuses the start (naming the rows and the lowest engine). Versions that cannot be read count
// as the oldest engine's: without a waiver of every row RTM refuses to start; with it, a manager
// that does not answer does not block startup: /readyz stays 503 (check `swarm_hardening`) and no
// service spec is written until the versions are read and pass (SwarmHardeningGate.expressible).
import type { Logger } from 'pino';
import { hardeningRefusal, SWARM_HARDENING_ROWS, type SwarmHardeningRow, type SwarmHardeningVerdict } from '../domain/swarm-hardening.js';
import type { ReadinessCheck } from '../ports/readiness-check.js';

export const SWARM_HARDENING_CHECK = 'swarm_hardening';

export class SwarmHardeningRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SwarmHardeningRefused';
  }
}

interface VerdictSource {
  /** RTMANAGER_SWARM_HARDENING_WAIVER. */
  readonly waived: readonly SwarmHardeningRow[];
  verdict(): Promise<SwarmHardeningVerdict>;
  expressible(): Promise<unknown>;
}

/** Throws SwarmHardeningRefused when the swarm answers and a row it cannot express is not waived. */
export async function checkSwarmHardeningAtStartup(gate: VerdictSource, logger: Logger): Promise<void> {
  let verdict: SwarmHardeningVerdict;
  try {
    verdict = await gate.verdict();
  } catch (err) {
    const unmet = SWARM_HARDENING_ROWS.filter((row) => !gate.waived.includes(row));
    if (unmet.length > 0)
      throw new SwarmHardeningRefused(
        `swarm mode refused: the nodes' engine versions could not be read from the manager (${err instanceof Error ? err.message : String(err)}), so the oldest engine is assumed, which cannot express ${unmet.join(', ')} in a service spec; RTMANAGER_SWARM_HARDENING_WAIVER must list ${unmet.length === 1 ? 'it' : 'them'} (docs/swarm.md "Hardening table")`,
      );
    logger.warn(
      { err },
      "swarm: the nodes' engine versions could not be read at startup; /readyz stays 503 (swarm_hardening) and no service spec is written until they are",
    );
    return;
  }
  const refusal = hardeningRefusal(verdict);
  if (refusal !== null) throw new SwarmHardeningRefused(refusal);
  const versions = { lowest_engine: verdict.lowestEngine, api_version: verdict.apiVersion };
  logger.info({ ...versions, written: [...verdict.expressible] }, 'swarm backend: hardening rows the nodes can express are written into every service spec');
  if (verdict.waived.length > 0)
    logger.warn({ ...versions, waived: verdict.waived }, 'swarm backend: hardening rows waived by RTMANAGER_SWARM_HARDENING_WAIVER (the nodes cannot express them)');
  if (verdict.needlessWaivers.length > 0)
    logger.warn(
      { ...versions, rows: verdict.needlessWaivers },
      'RTMANAGER_SWARM_HARDENING_WAIVER lists rows the nodes can express: they are enforced anyway (the waiver is not needed)',
    );
}

/** /readyz: not ready while the versions cannot be read or a row the nodes cannot express is not waived. */
export function swarmHardeningCheck(gate: VerdictSource): ReadinessCheck {
  return {
    name: SWARM_HARDENING_CHECK,
    check: async () => {
      await gate.expressible();
    },
  };
}
