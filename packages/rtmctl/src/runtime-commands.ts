// `rtmctl runtimes ls|get|ops` and the lifecycle commands: one client call each, printed as a
// table (or JSON), exit 0 on success and 1 on a failure result.
import { RUNTIME_STATUSES, STOP_REASONS, type MutationResponse, type OperationLogEntry, type RtmClient, type RtmFailure, type Runtime } from '@galaxy/rtmanager-client';
import { oneOf, positiveInteger, UsageError, type ParsedOptions } from './command-line.js';
import { json, keyValues, table, type Output } from './output.js';

export interface CommandContext {
  client: RtmClient;
  positionals: string[];
  options: ParsedOptions;
  output: Output;
  /** Aborted by Ctrl-C / SIGTERM (a followed `logs`, `top`'s refresh). */
  signal: AbortSignal;
}

type Failure = RtmFailure;

/** One line per failure; an answer that is not RTM's says so and shows how it starts. */
function failureLine(result: Failure): string {
  if (result.kind === 'unexpected_answer') {
    const excerpt = result.body.replace(/\s+/g, ' ').trim().slice(0, 120);
    return `unexpected answer (HTTP ${result.status}, ${result.contentType ?? 'no content type'}), not RTM's: ${excerpt === '' ? '(empty body)' : excerpt}`;
  }
  const unknown = result.kind === 'unknown_code' ? ', a code this rtmctl does not know' : '';
  return `${result.error.code} (HTTP ${result.status}${unknown}): ${result.error.message}`;
}

/** Prints a failure result (stdout JSON with --json, one stderr line otherwise); exit 1. */
export function failed(ctx: CommandContext, result: Failure): number {
  if (ctx.options.json === true) ctx.output.out(json({ status: result.status, kind: result.kind, error: result.error }));
  else ctx.output.err(`rtmctl: ${failureLine(result)}`);
  return 1;
}

function expectPositionals(ctx: CommandContext, names: readonly string[]): string[] {
  if (ctx.positionals.length !== names.length) {
    throw new UsageError(`expected ${names.length === 0 ? 'no arguments' : names.join(' ')}, got ${ctx.positionals.length === 0 ? 'none' : ctx.positionals.join(' ')}`);
  }
  return ctx.positionals;
}

const shortId = (id: string | null): string | null => (id === null ? null : id.slice(0, 12));

function runtimeRows(items: readonly Runtime[]) {
  return table(
    ['game_id', 'status', 'image', 'container', 'health', 'last_op_at'],
    items.map((r) => [r.game_id, r.status, r.current_image_ref, shortId(r.current_container_id), r.health?.event_type, r.last_op_at]),
  );
}

function runtimeBlock(r: Runtime): string {
  return keyValues([
    ['game_id', r.game_id],
    ['status', r.status],
    ['image', r.current_image_ref],
    ['container', r.current_container_id],
    ['engine_endpoint', r.engine_endpoint],
    ['state_path', r.state_path],
    ['created_at', r.created_at],
    ['started_at', r.started_at],
    ['stopped_at', r.stopped_at],
    ['removed_at', r.removed_at],
    ['last_op_at', r.last_op_at],
    ['health', r.health ? `${r.health.event_type} at ${r.health.observed_at} ${JSON.stringify(r.health.details)}` : null],
    ['limits', r.limits ? limitsLine(r.limits) : null],
  ]);
}

/** `cpus 1.5 (override), memory 768MiB (image_label), pids 64 (default)`. */
function limitsLine(l: NonNullable<Runtime['limits']>): string {
  return `cpus ${l.cpus} (${l.source.cpus}), memory ${Math.round(l.memory_bytes / 1024 / 1024)}MiB (${l.source.memory_bytes}), pids ${l.pids_limit} (${l.source.pids_limit})`;
}

export async function runtimesLs(ctx: CommandContext): Promise<number> {
  expectPositionals(ctx, []);
  const status = oneOf(ctx.options.status, 'status', RUNTIME_STATUSES);
  const items: Runtime[] = [];
  let cursor: string | undefined;
  do {
    const page = await ctx.client.listRuntimes({ limit: 500, ...(status ? { status } : {}), ...(cursor ? { cursor } : {}) });
    if (!page.ok) return failed(ctx, page);
    items.push(...page.data.items);
    cursor = page.data.next_cursor ?? undefined;
  } while (cursor !== undefined);
  // Like `docker ps`: removed runtimes only with --all (or when asked for by --status).
  const shown = status || ctx.options.all === true ? items : items.filter((r) => r.status !== 'removed');
  ctx.output.out(ctx.options.json === true ? json(shown) : shown.length === 0 ? 'no runtimes' : runtimeRows(shown));
  return 0;
}

export async function runtimesGet(ctx: CommandContext): Promise<number> {
  const [gameId] = expectPositionals(ctx, ['GAME_ID']) as [string];
  const result = await ctx.client.getRuntime(gameId);
  if (!result.ok) return failed(ctx, result);
  ctx.output.out(ctx.options.json === true ? json(result.data) : runtimeBlock(result.data));
  return 0;
}

export async function runtimesOps(ctx: CommandContext): Promise<number> {
  const [gameId] = expectPositionals(ctx, ['GAME_ID']) as [string];
  const limit = positiveInteger(ctx.options.limit, 'limit');
  const result = await ctx.client.listOperations(gameId, limit !== undefined ? { limit } : {});
  if (!result.ok) return failed(ctx, result);
  const rows = result.data.items.map((o: OperationLogEntry) => [o.id, o.op_kind, o.op_source, o.outcome, o.error_code, o.image_ref, o.started_at]);
  ctx.output.out(
    ctx.options.json === true
      ? json(result.data.items)
      : rows.length === 0
        ? `no operations for ${gameId}`
        : table(['id', 'op_kind', 'op_source', 'outcome', 'error_code', 'image', 'started_at'], rows),
  );
  return 0;
}

type Mutation = (ctx: CommandContext, args: string[]) => Promise<{ ok: true; data: MutationResponse } | Failure>;

function mutationCommand(args: readonly string[], call: Mutation) {
  return async (ctx: CommandContext): Promise<number> => {
    const result = await call(ctx, expectPositionals(ctx, args));
    if (!result.ok) return failed(ctx, result);
    if (ctx.options.json === true) ctx.output.out(json(result.data));
    else {
      const replay = result.data.error_code === 'replay_no_op' ? ' (replay_no_op: nothing to do)' : '';
      ctx.output.out(result.data.runtime ? `${runtimeBlock(result.data.runtime)}${replay ? `\n${replay.trim()}` : ''}` : `no runtime record${replay}`);
    }
    return 0;
  };
}

export const start = mutationCommand(['GAME_ID', 'IMAGE'], (ctx, [id, image]) => ctx.client.start(id!, image!));
export const stop = mutationCommand(['GAME_ID'], (ctx, [id]) =>
  ctx.client.stop(id!, oneOf(ctx.options.reason, 'reason', STOP_REASONS) ?? 'admin_request'),
);
export const restart = mutationCommand(['GAME_ID'], (ctx, [id]) => ctx.client.restart(id!));
export const patch = mutationCommand(['GAME_ID', 'IMAGE'], (ctx, [id, image]) => ctx.client.patch(id!, image!));
export const cleanup = mutationCommand(['GAME_ID'], (ctx, [id]) => ctx.client.cleanup(id!));
export const limitsCommand = mutationCommand(['GAME_ID'], (ctx, [id]) => {
  const cpus = ctx.options.cpus as string | undefined;
  if (cpus !== undefined && !/^[0-9]+(\.[0-9]+)?$/.test(cpus)) throw new UsageError(`--cpus must be a decimal number of CPUs, got ${JSON.stringify(cpus)}`);
  const memory = ctx.options.memory as string | undefined;
  const pids = positiveInteger(ctx.options.pids, 'pids');
  if (cpus === undefined && memory === undefined && pids === undefined) throw new UsageError('set at least one of --cpus, --memory, --pids');
  return ctx.client.updateLimits(id!, { ...(cpus !== undefined ? { cpus: Number(cpus) } : {}), ...(memory !== undefined ? { memory } : {}), ...(pids !== undefined ? { pids_limit: pids } : {}) });
});
