// The reader alone: order and position, backpressure, retry after a failed read.
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { StreamEntry } from '../../../src/ports/stream-reader.js';
import { EntryReader, STREAM_BEGINNING } from '../../../src/workers/job-consumer/entry-reader.js';
import { InfrastructureRetry } from '../../../src/workers/job-consumer/infrastructure-retry.js';
import { eventually } from '../../support/test-env.js';
import { FakeStreamReader } from '../../fakes/stream-reader.fake.js';
import { ManualClock } from '../../fakes/misc.fake.js';
import { START_STREAM, startJobFields } from './consumer-harness.js';

const silent = pino({ level: 'silent' });
const fast = { intervalMs: 2, timeoutMs: 2_000 };

function setup(maxPending: number) {
  const stop = new AbortController();
  const stream = new FakeStreamReader();
  const retry = new InfrastructureRetry({ initialMs: 1, maxMs: 2 }, stop.signal, new ManualClock(), silent);
  const reader = new EntryReader(stream, { stream: START_STREAM, batchSize: 2, blockMs: 10, maxPending }, retry, stop.signal, silent);
  return { stop, stream, reader, retry };
}

describe('EntryReader', () => {
  it('hands on entries in stream order from the given position, holding back at maxPending until notified', async () => {
    const { stop, stream, reader } = setup(3);
    const ids = ['a', 'b', 'c', 'd', 'e'].map((g) => stream.add(START_STREAM, startJobFields(g)));
    const seen: StreamEntry[] = [];
    let pending = 0;
    const running = reader.run(
      ids[0] as string,
      () => pending,
      (e) => {
        seen.push(e);
        pending += 1;
      },
    );
    await eventually(() => (seen.length === 3 ? true : undefined), fast);
    await new Promise((r) => setTimeout(r, 30));
    expect(seen.map((e) => e.id)).toEqual(ids.slice(1, 4)); // capped at 3 pending
    pending = 0;
    reader.notify();
    await eventually(() => (seen.length === 4 ? true : undefined), fast);
    expect(seen.at(-1)?.id).toBe(ids[4]);
    stop.abort();
    reader.notify();
    await running;
  });

  it('retries a failed read from the same position', async () => {
    const { stop, stream, reader } = setup(8);
    const id = stream.add(START_STREAM, startJobFields('a'));
    stream.failNextRead = new Error('ECONNREFUSED');
    const seen: string[] = [];
    const running = reader.run(STREAM_BEGINNING, () => 0, (e) => seen.push(e.id));
    await eventually(() => (seen.length === 1 ? true : undefined), fast);
    expect(seen).toEqual([id]);
    stop.abort();
    await running;
  });
});
