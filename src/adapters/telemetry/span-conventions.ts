// RTM's own stream spans (docs/observability.md "Spans"), current OpenTelemetry semantic
// conventions: stream jobs are CONSUMER spans, stream writes PRODUCER spans, both with
// messaging.* attributes (messaging.system = redis: Redis Streams have no registered value).
// The game id is `game_id` everywhere (GAME_ID_ATTRIBUTE, src/ports/span-vocabulary.ts).
import { SpanKind, trace, type Attributes, type Span } from '@opentelemetry/api';
import { GAME_ID_ATTRIBUTE } from '../../ports/span-vocabulary.js';
import { RTM_TRACER_NAME, withSpan } from './tracing.js';

export const MESSAGING_SYSTEM = 'redis';

export interface ConsumedEntry {
  stream: string;
  /** The stream entry id. */
  messageId: string;
  gameId: string | null;
  attributes?: Attributes;
}

/** One stream job, processed: a CONSUMER span `process <stream>` (the job's result write nests under it). */
export function withConsumerSpan<T>(entry: ConsumedEntry, fn: (span: Span) => Promise<T>): Promise<T> {
  const attributes: Attributes = {
    'messaging.system': MESSAGING_SYSTEM,
    'messaging.destination.name': entry.stream,
    'messaging.operation.type': 'process',
    'messaging.operation.name': 'process',
    'messaging.message.id': entry.messageId,
    ...(entry.gameId !== null ? { [GAME_ID_ATTRIBUTE]: entry.gameId } : {}),
    ...entry.attributes,
  };
  return inSpan(`process ${entry.stream}`, SpanKind.CONSUMER, attributes, fn);
}

/** One stream write: a PRODUCER span `send <stream>`; `write` returns the new entry id (messaging.message.id). */
export function withProducerSpan(stream: string, gameId: string | null, write: () => Promise<string>): Promise<string> {
  const attributes: Attributes = {
    'messaging.system': MESSAGING_SYSTEM,
    'messaging.destination.name': stream,
    'messaging.operation.type': 'send',
    'messaging.operation.name': 'send',
    ...(gameId !== null ? { [GAME_ID_ATTRIBUTE]: gameId } : {}),
  };
  return inSpan(`send ${stream}`, SpanKind.PRODUCER, attributes, async (span) => {
    const id = await write();
    span.setAttribute('messaging.message.id', id);
    return id;
  });
}

function inSpan<T>(name: string, kind: SpanKind, attributes: Attributes, fn: (span: Span) => Promise<T>): Promise<T> {
  return withSpan(trace.getTracer(RTM_TRACER_NAME), name, attributes, fn, kind);
}
