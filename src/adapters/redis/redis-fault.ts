// Redis faults: unreachable, closed or timed out -> DependencyUnavailable('redis');
// anything else (a script error, WRONGTYPE: a bug) passes through unchanged.
import { DependencyUnavailable } from '../../ports/infrastructure-fault.js';
import { isConnectionFault, type ConnectionFaultSigns } from '../connection-fault.js';

const REDIS_SIGNS: ConnectionFaultSigns = {
  // ioredis errors that carry no code (matched against "name: message").
  messages: [
    /^MaxRetriesPerRequestError/,
    /connection is closed/i,
    /command timed out/i,
    /stream isn't writeable/i,
    /: (LOADING|MASTERDOWN|TRYAGAIN|CLUSTERDOWN)\b/,
  ],
};

export async function classifyingRedisFaults<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof DependencyUnavailable || !isConnectionFault(err, REDIS_SIGNS)) throw err;
    throw new DependencyUnavailable('redis', `Redis unavailable: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}
