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
export type RuntimeStats = Schemas['RuntimeStats'];
export type RuntimeLimits = Schemas['RuntimeLimits'];
export type LimitSource = Schemas['LimitSource'];
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

export interface RtmError<C extends string = ErrorCode> {
  code: C;
  message: string;
  /** Fields a newer RTM adds to its envelope (e.g. `hint`), passed on as received. */
  [field: string]: unknown;
}

/** An error answer the spec lists for the operation: RTM's envelope with a code listed for that status. */
export type RtmErrorAnswer<S extends number = number, C extends string = ErrorCode> = { ok: false; kind: 'error'; status: S; error: RtmError<C> };

/**
 * RTM's envelope with a code this client does not know for that status (a code a newer RTM
 * added, or one the spec does not list for the operation): code, message and any other
 * field exactly as RTM sent them.
 */
export type RtmUnknownCodeAnswer = { ok: false; kind: 'unknown_code'; status: number; error: RtmError<string> };

/**
 * An answer that is not RTM's (a proxy's 502 page, a 2xx without the expected JSON body, an
 * error without the envelope): `status` as received, the code says which side to blame
 * (`service_unavailable` for 502–504, else `internal_error`), `body` is the start of what came.
 */
export type RtmUnexpectedAnswer = {
  ok: false;
  kind: 'unexpected_answer';
  status: number;
  error: RtmError<'internal_error' | 'service_unavailable'>;
  contentType: string | null;
  /** At most the first 1024 characters of the body. */
  body: string;
};

/** What a failure result is: a listed error, an unknown code, or an answer that is not RTM's. */
export type RtmFailureKind = 'error' | 'unknown_code' | 'unexpected_answer';

/** Any failure result (`kind` says which). */
export type RtmFailure = RtmErrorAnswer | RtmUnknownCodeAnswer | RtmUnexpectedAnswer;

/** The wide result every method's result is assignable to. */
export type RtmResult<T> = { ok: true; status: number; data: T } | RtmFailure;

type DataResult<A> = A extends { status: infer S; body: infer B } ? { ok: true; status: S; data: ClientBody<B> } : never;
type ErrorResult<A> = A extends { status: infer S extends number; code: infer C extends ErrorCode } ? RtmErrorAnswer<S, C> : never;

/**
 * What operation `Op` resolves to: its data answers, its listed error answers (`kind:
 * 'error'`: status and code correlated, narrowing `status` narrows `error.code`), an
 * unknown code, or an unexpected answer. Transport failures reject with RtmTransportError.
 */
export type RtmOperationResult<Op extends RtmOperationName> =
  | DataResult<RtmOperationAnswers[Op]['data']>
  | ErrorResult<RtmOperationAnswers[Op]['errors']>
  | RtmUnknownCodeAnswer
  | RtmUnexpectedAnswer;

/** The error codes the spec lists for operation `Op`. */
export type RtmOperationErrorCode<Op extends RtmOperationName> = RtmOperationAnswers[Op]['errors']['code'];
