// Contract of the StreamOffsetStore port (CONTRACT §6), run against Redis and the fake.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StreamOffsetStore } from '../../../src/ports/stream-offset.store.js';

export interface OffsetWorld {
  store: StreamOffsetStore;
  teardown(): Promise<void>;
}

export function describeStreamOffsetStoreContract(name: string, createWorld: () => Promise<OffsetWorld>): void {
  describe(`StreamOffsetStore contract: ${name}`, () => {
    let world: OffsetWorld;
    beforeEach(async () => {
      world = await createWorld();
    });
    afterEach(async () => {
      await world.teardown();
    });

    it('loads null for a consumer that never saved', async () => {
      expect(await world.store.load('start_jobs')).toBeNull();
    });

    it('loads what was saved, and the latest save wins', async () => {
      await world.store.save('start_jobs', '1700000000000-0');
      expect(await world.store.load('start_jobs')).toBe('1700000000000-0');
      await world.store.save('start_jobs', '1700000000123-7');
      expect(await world.store.load('start_jobs')).toBe('1700000000123-7');
    });

    it('keeps labels independent', async () => {
      await world.store.save('start_jobs', '5-1');
      await world.store.save('stop_jobs', '9-0');
      expect(await world.store.load('start_jobs')).toBe('5-1');
      expect(await world.store.load('stop_jobs')).toBe('9-0');
      expect(await world.store.load('other')).toBeNull();
    });
  });
}
