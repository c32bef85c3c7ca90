import { DependencyUnavailable } from '../../../src/ports/infrastructure-fault.js';
import { describe, expect, it } from 'vitest';
import { LeaseRunner, assertLeaseHeld } from '../../../src/services/pipeline/lease-runner.js';
import { OperationFailure } from '../../../src/services/pipeline/operation-failure.js';
import { FakeGameLeases } from '../../fakes/coordination.fake.js';


describe('LeaseRunner', () => {
  it('runs the body under the lease and releases it afterwards', async () => {
    const leases = new FakeGameLeases();
    const runner = new LeaseRunner(leases);
    const seen = await runner.run('g1', async (lease) => {
      expect(leases.held.get('g1')).toBe(lease.token);
      return 'done';
    }, async () => 'refused');
    expect(seen).toBe('done');
    expect(leases.held.size).toBe(0);
  });

  it('releases the lease when the body throws', async () => {
    const leases = new FakeGameLeases();
    const runner = new LeaseRunner(leases);
    await expect(runner.run('g1', async () => { throw new Error('bug'); }, async () => 'refused')).rejects.toThrow('bug');
    expect(leases.held.size).toBe(0);
  });

  it('answers conflict when the lease is held elsewhere, service_unavailable when Redis fails', async () => {
    const leases = new FakeGameLeases();
    const runner = new LeaseRunner(leases);
    leases.foreign.add('g1');
    const refused = await runner.run('g1', async () => null, async (f) => f);
    expect(refused).toMatchObject({ code: 'conflict', retryable: true });

    const broken = new LeaseRunner({ tryAcquire: async () => { throw new DependencyUnavailable('redis', 'ECONNREFUSED'); } });
    expect(await broken.run('g1', async () => null, async (f) => f)).toMatchObject({ code: 'service_unavailable', retryable: true });
  });

  it('assertLeaseHeld throws conflict once the lease is lost', async () => {
    const leases = new FakeGameLeases();
    const lease = await leases.tryAcquire('g1');
    if (!lease) throw new Error('lease');
    expect(() => assertLeaseHeld(lease)).not.toThrow();
    leases.held.delete('g1');
    expect(() => assertLeaseHeld(lease)).toThrow(OperationFailure);
    try {
      assertLeaseHeld(lease);
    } catch (err) {
      expect((err as OperationFailure).retryable).toBe(true);
    }
  });
});
