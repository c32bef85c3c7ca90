// Contract of the ContainerIntents port, run against the in-memory registry
// (container-intents.registry.test.ts) and the lifecycle tests' recording fake
// (test/fakes/fakes.contract.test.ts): a declared stop/remove is expected for that
// container and action only, until it expires.
import { describe, expect, it } from 'vitest';
import type { ContainerIntents } from '../../../src/ports/container-intents.js';

export type ContainerIntentsFactory = (opts: { ttlMs: number; now: () => number }) => ContainerIntents;

export function describeContainerIntentsContract(name: string, create: ContainerIntentsFactory): void {
  describe(`ContainerIntents contract: ${name}`, () => {
    function world(ttlMs = 1_000) {
      let now = 1_000_000;
      const intents = create({ ttlMs, now: () => now });
      return { intents, advance: (ms: number) => (now += ms) };
    }

    it('a declared action is expected, for that container and action only', () => {
      const { intents } = world();
      expect(intents.isExpected('c1', 'stop')).toBe(false);
      intents.expect('c1', 'stop');
      expect(intents.isExpected('c1', 'stop')).toBe(true);
      expect(intents.isExpected('c1', 'remove')).toBe(false);
      expect(intents.isExpected('c2', 'stop')).toBe(false);
      intents.expect('c1', 'remove');
      expect(intents.isExpected('c1', 'remove')).toBe(true);
      expect(intents.isExpected('c1', 'stop')).toBe(true);
    });

    it('a declaration expires after its ttl; declaring again renews it', () => {
      const { intents, advance } = world(1_000);
      intents.expect('c1', 'stop');
      advance(1_000);
      expect(intents.isExpected('c1', 'stop')).toBe(true);
      advance(1);
      expect(intents.isExpected('c1', 'stop')).toBe(false);
      intents.expect('c1', 'stop');
      advance(999);
      expect(intents.isExpected('c1', 'stop')).toBe(true);
    });
  });
}
