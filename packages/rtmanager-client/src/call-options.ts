// Per-call deadline and cancellation, and the one typed rejection of the client: a request
// that got no HTTP answer (timed out, aborted by the caller, RTM unreachable). Every HTTP
// answer, however odd, is a result instead (see settle-answer.ts).

export interface RtmCallOptions {
  /** Aborts the request (and the reading of its answer); the call rejects with kind `aborted`. */
  signal?: AbortSignal;
  /**
   * Rejects with kind `timeout` when no whole answer arrived within this many milliseconds.
   * The request is aborted, but RTM may still finish the operation: replaying it is safe.
   */
  timeoutMs?: number;
}

/** `timeout`: no answer within timeoutMs; `aborted`: the caller's signal; `unreachable`: no connection (refused, DNS, reset). */
export type RtmTransportErrorKind = 'timeout' | 'aborted' | 'unreachable';

export class RtmTransportError extends Error {
  override readonly name = 'RtmTransportError';
  readonly kind: RtmTransportErrorKind;
  /** The system error code when there is one (`ECONNREFUSED`, `ENOTFOUND`, `UND_ERR_SOCKET`...). */
  readonly code: string | null;

  constructor(kind: RtmTransportErrorKind, message: string, options: { cause?: unknown; code?: string | null } = {}) {
    super(message, { cause: options.cause });
    this.kind = kind;
    this.code = options.code ?? null;
  }
}

/** Works across two copies of the package (where `instanceof` does not). */
export function isRtmTransportError(err: unknown): err is RtmTransportError {
  return err instanceof Error && err.name === 'RtmTransportError' && typeof (err as { kind?: unknown }).kind === 'string';
}

function systemCode(err: unknown): string | null {
  for (let e: unknown = err, depth = 0; e !== null && typeof e === 'object' && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return null;
}

function checkTimeout(timeoutMs: number | undefined): void {
  if (timeoutMs !== undefined && !(Number.isFinite(timeoutMs) && timeoutMs > 0)) {
    throw new RangeError(`timeoutMs must be a positive number of milliseconds, got ${String(timeoutMs)}`);
  }
}

/** One call's signal: the caller's signals and the deadline, and how a failure is classified. */
export interface CallSignal {
  /** Undefined when nothing can abort the call. */
  readonly signal: AbortSignal | undefined;
  /** The answer's headers came: the deadline no longer applies (a streamed body may last). */
  headersArrived(): void;
  /** The call is over: no timer, no listener left on the caller's signals. */
  release(): void;
  /** What a rejection of the call means: an RtmTransportError, or `err` itself (a bug). */
  failure(err: unknown): unknown;
}

/**
 * The call's signals (its own and the client's both abort it; its `timeoutMs` wins over the
 * client's). One controller per call, listeners removed at release: no composite signal stays
 * attached to a long-lived client signal. Throws at once when a signal is already aborted.
 */
export function callSignal(what: string, defaults: RtmCallOptions, options: RtmCallOptions | undefined): CallSignal {
  const timeoutMs = options?.timeoutMs ?? defaults.timeoutMs;
  checkTimeout(timeoutMs);
  const callerSignals = [options?.signal, defaults.signal].filter((s): s is AbortSignal => s !== undefined);
  const abortedBy = () => callerSignals.find((s) => s.aborted);
  const aborted = (by: AbortSignal) => new RtmTransportError('aborted', `${what}: aborted by the caller`, { cause: by.reason });
  const early = abortedBy();
  if (early) throw aborted(early);
  const controller = new AbortController();
  let timedOut = false;
  const onAbort = () => controller.abort();
  for (const s of callerSignals) s.addEventListener('abort', onAbort, { once: true });
  const timer =
    timeoutMs !== undefined
      ? setTimeout(() => {
          timedOut = true;
          controller.abort(new Error(`no answer within ${timeoutMs} ms`));
        }, timeoutMs)
      : undefined;
  return {
    signal: callerSignals.length > 0 || timer !== undefined ? controller.signal : undefined,
    headersArrived: () => clearTimeout(timer),
    release: () => {
      clearTimeout(timer);
      for (const s of callerSignals) s.removeEventListener('abort', onAbort);
    },
    failure: (err) => {
      const by = abortedBy();
      if (by) return aborted(by);
      if (timedOut) return new RtmTransportError('timeout', `${what}: no answer from RTM within ${timeoutMs} ms`, { cause: err });
      // fetch rejects with a TypeError when there is no connection (or it broke); anything else is a bug.
      if (err instanceof TypeError) {
        const code = systemCode(err);
        return new RtmTransportError('unreachable', `${what}: cannot reach RTM: ${code ?? err.message}`, { cause: err, code });
      }
      return err;
    },
  };
}

/** Runs one request under its call signal and turns a request that got no answer into an RtmTransportError. */
export async function withCallOptions<T>(
  what: string,
  defaults: RtmCallOptions,
  options: RtmCallOptions | undefined,
  request: (signal: AbortSignal | undefined) => Promise<T>,
): Promise<T> {
  const call = callSignal(what, defaults, options);
  try {
    return await request(call.signal);
  } catch (err) {
    throw call.failure(err);
  } finally {
    call.release();
  }
}
