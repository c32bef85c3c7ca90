// The REST client's types: the OpenAPI schemas, with `health.details` typed per event type
// (the AsyncAPI detail schemas), and per-operation results whose status and error code are
// the ones the spec lists for that operation (generated/openapi/operations.ts).
import type { HealthEventDetailsByType } from '../../../generated/models/runtime-health.js';
import type { RtmOperationAnswers, RtmOperationName } from '../../../generated/openapi/operations.js';
import type { components } from '../../../generated/openapi/types.js';

type Schemas = components['schemas'];
export type RuntimeStatus = Schemas['RuntimeStatus'];
export type HealthEventType = Schemas['HealthEventType'];
export type OperationList = Schemas['OperationList'];
export type OperationLogEntry = Schemas['OperationLogEntry'];
export type OpKind = Schemas['OpKind'];
export type OpSource = Schemas['OpSource'];
export type StopReason = Schemas['StopReason'];
export type ErrorEnvelope = Schemas['ErrorEnvelope'];
export type ErrorCode = Schemas['ErrorCode'];
export type ResultCode = Schemas['ResultCode'];
export type ReadyzResponse = Schemas['ReadyzResponse'];
export type HealthzResponse = Schemas['HealthzResponse'];
export type Diagnostics = Schemas['Diagnostics'];
export type DependencyVersion = Schemas['DependencyVersion'];
export type { RtmOperationName };

/** The latest health observation; `details` has the schema of its `event_type`. */
export type HealthSnapshot = {
  [K in keyof HealthEventDetailsByType]: Omit<Schemas['HealthSnapshot'], 'event_type' | 'details'> & {
    event_type: K;
    details: HealthEventDetailsByType[K];
  };
}[keyof HealthEventDetailsByType];
export type Runtime = Omit<Schemas['Runtime'], 'health'> & { health: HealthSnapshot | null };
export type RuntimeList = Omit<Schemas['RuntimeList'], 'items'> & { items: Runtime[] };
export type MutationResponse = Omit<Schemas['MutationResponse'], 'runtime'> & { runtime: Runtime | null };

/** A response body as the client hands it out (health details typed). */
type ClientBody<B> = B extends Schemas['RuntimeList']
  ? RuntimeList
  : B extends Schemas['MutationResponse']
    ? MutationResponse
    : B extends Schemas['Runtime']
      ? Runtime
      : B;

export interface RtmError<C extends ErrorCode = ErrorCode> {
  code: C;
  message: string;
}

/** `ok: true` for a data answer; otherwise the error envelope RTM answered. */
export type RtmResult<T> = { ok: true; status: number; data: T } | { ok: false; status: number; error: RtmError };

/**
 * An answer the spec does not list for the operation (a proxy's 502 page, a code a newer
 * RTM added): `status` is what was received; the code says which side to blame.
 */
export type RtmUnexpectedAnswer = { ok: false; status: number; error: RtmError<'internal_error' | 'service_unavailable'> };

type DataResult<A> = A extends { status: infer S; body: infer B } ? { ok: true; status: S; data: ClientBody<B> } : never;
type ErrorResult<A> = A extends { status: infer S; code: infer C extends ErrorCode } ? { ok: false; status: S; error: RtmError<C> } : never;

/**
 * What operation `Op` resolves to: its data answers, its listed error answers (status and
 * code correlated: narrowing `status` narrows `error.code`), or an unexpected answer.
 */
export type RtmOperationResult<Op extends RtmOperationName> =
  | DataResult<RtmOperationAnswers[Op]['data']>
  | ErrorResult<RtmOperationAnswers[Op]['errors']>
  | RtmUnexpectedAnswer;

/** The error codes the spec lists for operation `Op`. */
export type RtmOperationErrorCode<Op extends RtmOperationName> = RtmOperationAnswers[Op]['errors']['code'];
