// The runtime record: RTM's durable memory of one game's engine container.

import { RUNTIME_STATUSES } from '../../generated/vocabularies.js';
import type { RuntimeLimits } from './runtime-limits.js';

export { RUNTIME_STATUSES };
export type RuntimeStatus = (typeof RUNTIME_STATUSES)[number];

export function isRuntimeStatus(value: unknown): value is RuntimeStatus {
  return typeof value === 'string' && (RUNTIME_STATUSES as readonly string[]).includes(value);
}

export interface RuntimeRecord {
  gameId: string;
  status: RuntimeStatus;
  /** Null only for a record that never had a container (not produced by RTM today). */
  currentContainerId: string | null;
  currentImageRef: string | null;
  engineEndpoint: string | null;
  statePath: string;
  createdAt: Date;
  startedAt: Date | null;
  stoppedAt: Date | null;
  removedAt: Date | null;
  lastOpAt: Date;
  /**
   * The limits the current container runs with (CONTRACT §11); null or absent when unknown
   * (a record written before 1.2, an adopted container) until the next start or update.
   */
  limits: RuntimeLimits | null;
}

/** Container name and hostname of a game's engine (CONTRACT §2). */
export function containerNameFor(gameId: string): string {
  return `galaxy-game-${gameId}`;
}

/** The DNS endpoint other services on the game network use (CONTRACT §2). */
export function engineEndpointFor(gameId: string, enginePort: number): string {
  return `http://${containerNameFor(gameId)}:${enginePort}`;
}
