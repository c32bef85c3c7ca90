// The leader election over the composed ports (docs/leader-election.md): the trigger group
// starts inside each term's fence, /readyz follows the role, a write a store rejects for a
// former term makes the election step down.
import type { Logger } from 'pino';
import type { AsyncLeaderFence } from '../adapters/memory/leader-fence.scope.js';
import type { RedisEpochFence } from '../adapters/redis/leader-epoch.fence.js';
import type { LeaderLeaseStore } from '../ports/leader-lease.store.js';
import type { LeadershipMetrics } from '../ports/metrics.js';
import { electionSettingsFor, LeaderElectionService, type LeaderRole, type LeadershipStatus } from '../services/leadership/leader-election.service.js';
import type { InstanceIdentity } from './composition-root.js';
import type { RtmConfig } from './config.js';
import type { ComponentHealth } from './readiness.js';
import type { TriggerGroup } from './trigger-group.js';

export interface LeadershipWiring {
  ports: { fence: AsyncLeaderFence; epochFence: RedisEpochFence; leaderLease: LeaderLeaseStore; metrics: LeadershipMetrics };
  triggers: TriggerGroup;
  health: ComponentHealth;
  identity: InstanceIdentity;
  config: RtmConfig;
  logger: Logger;
}

export function createLeaderElection({ ports, triggers, health, identity, config, logger }: LeadershipWiring): LeaderElectionService {
  const election = new LeaderElectionService({
    leases: ports.leaderLease,
    redisEpoch: ports.epochFence,
    identity,
    triggers: {
      // The term's token travels with everything the group starts (AsyncLocalStorage).
      start: (token) => {
        health.leading();
        return ports.fence.run(token, () => triggers.start());
      },
      stop: async () => {
        await triggers.stop();
        health.standby();
      },
      standingBy: () => health.standby(),
    },
    metrics: ports.metrics,
    logger,
    settings: electionSettingsFor(config.coordination.leaderLeaseTtlMs),
  });
  ports.fence.onRejected((error) => election.fenced(error));
  ports.fence.judgeTermsBy((token) => election.holdsTerm(token.epoch));
  return election;
}

/** /readyz's `role` (absent until the first election round ran). */
export function roleOf(status: LeadershipStatus): { role?: LeaderRole } {
  return status.role === null ? {} : { role: status.role };
}
