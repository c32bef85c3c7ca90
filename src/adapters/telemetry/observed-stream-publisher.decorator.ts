// The one telemetry decorator of the three stream publishers (job results, health events,
// notification intents): each publish is a PRODUCER span `send <stream>` with the messaging
// attributes and the new entry's id (span-conventions.ts). The Redis publishers themselves
// carry no telemetry. No metric: what a publish means is counted by its caller (the health
// service counts health events; a job result is one per job).
import type { StreamPublisher } from '../../ports/publishers.js';
import { withProducerSpan } from './span-conventions.js';

/** A publisher that says which stream it writes (`config.streams.*`, prefix included): the span's destination. */
export interface NamedStreamPublisher<M extends { gameId: string }> extends StreamPublisher<M> {
  readonly stream: string;
}

export class ObservedStreamPublisher<M extends { gameId: string }> implements StreamPublisher<M> {
  constructor(private readonly inner: NamedStreamPublisher<M>) {}

  publish(message: M): Promise<string> {
    return withProducerSpan(this.inner.stream, message.gameId, () => this.inner.publish(message));
  }
}
