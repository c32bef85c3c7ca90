// A consumer of the two published packages, as Game Master / Lobby code would write it:
// imports by package name only, compiled with NodeNext + strict + exactOptionalPropertyTypes
// + noUncheckedIndexedAccess + skipLibCheck false. Uses every REST operation of the client
// and every stream helper, against a real RTM (REST) and real Redis (streams); prints one
// JSON object the test asserts on. The @ts-expect-error lines are misuse the types refuse.
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createRtmClient,
  isRtmTransportError,
  RtmTransportError,
  type ErrorCode,
  type HealthSnapshot,
  type LogLine,
  type RuntimeStats,
  type RtmOperationErrorCode,
  type RtmOperationResult,
  type RtmResult,
  type Runtime,
} from '@galaxy/rtmanager-client';
import {
  HEALTH_EVENT_DETAILS_VALIDATORS,
  NOTIFICATION_INTENT_VALIDATORS,
  RTM_STREAMS,
  StreamPayloadError,
  decodeHealthEvent,
  decodeJobResult,
  decodeNotificationIntent,
  encodeStartJob,
  encodeStopJob,
  fieldsFromArray,
  fieldsToArray,
  rtmStreams,
  validateHealthEventDetails,
  validateRuntimeAdminIntentPayload,
  validateRuntimeContainerStartFailedIntent,
  validateRuntimeHealthEvent,
  validateRuntimeImagePullFailedIntent,
  validateRuntimeJobResult,
  validateRuntimeStartConfigInvalidIntent,
  validateRuntimeStartJob,
  validateRuntimeStopJob,
  type HealthEvent,
  type JobResult,
  type RuntimeStartJobPayload,
  type ValidationError,
  type Validator,
} from '@galaxy/rtmanager-client/streams';
import { Redis } from 'ioredis';

const [baseUrl = '', token = '', redisUrl = '', prefix = '', restGame = '', streamGame = '', image = '', patchImage = ''] = process.argv.slice(2);

// ---- misuse the types refuse (never executed) ----
export function misuse(client: ReturnType<typeof createRtmClient>): void {
  // @ts-expect-error not a stop reason of the contract
  void client.stop('g1', 'bored');
  // @ts-expect-error not a caller of the contract
  createRtmClient({ baseUrl: 'x', caller: 'lobby' });
  // @ts-expect-error exactOptionalPropertyTypes: an optional token is absent, not undefined
  createRtmClient({ baseUrl: 'x', token: undefined });
  // @ts-expect-error not a runtime status
  void client.listRuntimes({ status: 'paused' });
  // @ts-expect-error start needs an image
  void client.start('g1');
  // @ts-expect-error a memory limit is a Docker size string
  void client.updateLimits('g1', { memory: 768 });
  // @ts-expect-error follow is a boolean
  void client.logs('g1', { follow: 'yes' });
  // @ts-expect-error getRuntime never answers conflict
  const code: RtmOperationErrorCode<'internalGetRuntime'> = 'conflict';
  void code;
  // @ts-expect-error a stop job needs a contract reason
  encodeStopJob({ game_id: 'g1', reason: 'bored' });
  // @ts-expect-error wire payloads are strings
  const wrong: RuntimeStartJobPayload = { game_id: 'g1', image_ref: 'x:1', requested_at_ms: 1 };
  void wrong;
  const snapshot = {} as HealthSnapshot;
  if (snapshot.event_type === 'container_exited') {
    const exit: number = snapshot.details.exit_code;
    // @ts-expect-error container_exited details have no probe fields
    void snapshot.details.consecutive_failures;
    void exit;
  }
  const failure = {} as RtmOperationResult<'internalStartRuntime'>;
  if (!failure.ok && failure.kind === 'unknown_code') {
    // @ts-expect-error an unknown code is not one of the contract's codes
    const known: ErrorCode = failure.error.code;
    void known;
  }
}

async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await check();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function rest() {
  const client = createRtmClient({ baseUrl, token, caller: 'game_master' });
  const intruder = createRtmClient({ baseUrl, token: 'not-the-token' });
  const out: Record<string, unknown> = {};
  out.healthz = await client.healthz();
  const ready = await client.readyz();
  out.readyz = ready.ok ? ready.data.status : ready.error.code;
  out.start = await client.start(restGame, image);
  // Every page (the shared daemon may hold other RTMs' games too).
  const listed: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await client.listRuntimes({ limit: 20, ...(cursor !== undefined ? { cursor } : {}) });
    if (!page.ok) throw new Error(`listRuntimes: ${page.error.code}`);
    pages += 1;
    listed.push(...page.data.items.map((r) => r.game_id));
    cursor = page.data.next_cursor ?? undefined;
  } while (cursor !== undefined);
  out.list = { pages, includesGame: listed.includes(restGame) };
  const got: RtmResult<Runtime> = await client.getRuntime(restGame);
  out.get = got;
  // The latest health is typed per event type.
  const health = got.ok ? got.data.health : null;
  out.healthType = health?.event_type ?? null;
  out.containerStartedImage = health?.event_type === 'container_started' ? health.details.image_ref : null;
  // Issue 22: live limits, one usage sample, the last lines of the engine's output.
  const limited = await client.updateLimits(restGame, { memory: '200m' });
  out.limits = limited.ok ? limited.data.runtime?.limits ?? null : limited.error.code;
  const usage = await client.stats(restGame);
  const sample: RuntimeStats | null = usage.ok ? usage.data : null;
  out.stats = sample === null ? (usage.ok ? null : usage.error.code) : { memoryLimit: sample.memory_limit_bytes, pidsPositive: sample.pids > 0 };
  const logs = await client.logs(restGame, { tail: 5 });
  const lines: LogLine[] = [];
  if (logs.ok) for await (const line of logs.lines) lines.push(line);
  out.logs = logs.ok ? { count: lines.length, streams: [...new Set(lines.map((l) => l.stream))] } : logs.error.code;
  out.patch = await client.patch(restGame, patchImage);
  out.restart = await client.restart(restGame);
  out.operations = await client.listOperations(restGame, { limit: 5 });
  const missing: RtmOperationResult<'internalGetRuntime'> = await client.getRuntime('it-consumer-nobody');
  const missingCode: ErrorCode | null = missing.ok || missing.kind !== 'error' ? null : missing.error.code;
  out.missing = { status: missing.status, code: missingCode };
  out.badBody = await client.start(restGame, '');
  out.unauthorized = await intruder.listRuntimes();
  out.stop = await client.stop(restGame, 'admin_request');
  out.cleanup = await client.cleanup(restGame);
  out.diagnostics = await client.diagnostics();
  return out;
}

async function streams() {
  const names = rtmStreams(prefix);
  const redis = new Redis(redisUrl);
  try {
    const startJob = encodeStartJob({ game_id: streamGame, image_ref: image });
    const startId = await redis.xadd(names.startJobs, '*', ...fieldsToArray(startJob));
    const started: JobResult = await until('start job result', async () => {
      for (const [, flat] of await redis.xrange(names.jobResults, '-', '+')) {
        const d = decodeJobResult(flat);
        if (d.ok && d.value.job_id === startId && d.value.job_kind === 'start') return d.value;
      }
      return undefined;
    });
    const stopId = await redis.xadd(names.stopJobs, '*', ...fieldsToArray(encodeStopJob({ game_id: streamGame, reason: 'finished', requested_at_ms: new Date() })));
    const stopped = await until('stop job result', async () => {
      for (const [, flat] of await redis.xrange(names.jobResults, '-', '+')) {
        const d = decodeJobResult(fieldsFromArray(flat));
        if (d.ok && d.value.job_id === stopId && d.value.job_kind === 'stop') return d.value;
      }
      return undefined;
    });
    const events: HealthEvent[] = [];
    for (const [, flat] of await redis.xrange(names.healthEvents, '-', '+')) {
      const d = decodeHealthEvent(flat);
      if (d.ok && d.value.game_id === streamGame) events.push(d.value);
    }
    const exited = events.find((e) => e.event_type === 'container_exited');
    let badJob = '';
    try {
      encodeStartJob({ game_id: 'Not Valid', image_ref: '' });
    } catch (err) {
      badJob = err instanceof StreamPayloadError ? `${err.name}: ${err.errors.length} errors` : 'other error';
    }
    const intent = decodeNotificationIntent({
      intent_type: 'runtime.image_pull_failed',
      producer: 'rtmanager',
      audience: 'admin',
      channels: 'email',
      idempotency_key: `rtm:image_pull_failed:${streamGame}:1`,
      payload: JSON.stringify({ game_id: streamGame, image_ref: image, error_code: 'image_pull_failed', error_message: 'm', attempted_at_ms: 1 }),
    });
    const validators: Array<Validator<unknown>> = [
      validateRuntimeStartJob, validateRuntimeStopJob, validateRuntimeJobResult, validateRuntimeHealthEvent,
      validateRuntimeAdminIntentPayload, validateRuntimeImagePullFailedIntent, validateRuntimeContainerStartFailedIntent,
      validateRuntimeStartConfigInvalidIntent, validateHealthEventDetails,
      ...Object.values(HEALTH_EVENT_DETAILS_VALIDATORS), ...Object.values(NOTIFICATION_INTENT_VALIDATORS),
    ];
    const firstError: ValidationError | undefined = validateRuntimeStopJob({ game_id: 'g1' }) ? undefined : validateRuntimeStopJob.errors?.[0];
    return {
      names: { contract: RTM_STREAMS, prefixed: names },
      started,
      stopped,
      eventTypes: events.map((e) => e.event_type),
      exitedRequestedByRtm: exited?.event_type === 'container_exited' ? exited.details.requested_by_rtm : null,
      badJob,
      intent: intent.ok ? intent.value.payload.error_code : intent.error,
      validators: validators.every((v) => typeof v === 'function'),
      startJobValid: validateRuntimeStartJob(startJob),
      firstErrorKeyword: firstError?.keyword ?? null,
    };
  } finally {
    redis.disconnect();
  }
}

/** A stub RTM on a free local port, answering every request with `handler`. */
async function stubRtm(handler: RequestListener): Promise<{ url: string; close: () => void }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

/** A newer RTM: a code and a field this client never saw, and an RTM that never answers. */
async function newerRtm() {
  const out: Record<string, unknown> = {};
  const newer = await stubRtm((_req, res) => {
    res.writeHead(409, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { code: 'brand_new', message: 'm', hint: 'x' } }));
  });
  try {
    const result = await createRtmClient({ baseUrl: newer.url, caller: 'game_master' }).start('g1', image);
    if (!result.ok && result.kind === 'unknown_code') {
      const code: string = result.error.code;
      const hint: unknown = result.error.hint;
      out.unknown = { kind: result.kind, status: result.status, code, message: result.error.message, hint };
    } else out.unknown = result;
  } finally {
    newer.close();
  }
  const silent = await stubRtm(() => undefined);
  const started = Date.now();
  try {
    await createRtmClient({ baseUrl: silent.url }).listRuntimes({}, { timeoutMs: 500 });
    out.timeout = 'answered';
  } catch (err) {
    const typed = err instanceof RtmTransportError && isRtmTransportError(err);
    out.timeout = { typed, kind: typed ? err.kind : String(err), afterMs: Date.now() - started };
  } finally {
    silent.close();
  }
  return out;
}

process.stdout.write(JSON.stringify({ rest: await rest(), streams: await streams(), newer: await newerRtm() }));
