// `rtmctl logs`, `stats`, `top` and `limits` (issue 22): an engine's output (followed until
// Ctrl-C), one usage sample, every running engine's usage refreshed (stats asked with a
// bounded concurrency: one short Docker call each on RTM's side, never a stream per game),
// and live limits.
import type { RtmClient, RuntimeStats } from '@galaxy/rtmanager-client';
import { positiveInteger, positiveSeconds, UsageError } from './command-line.js';
import { json, keyValues, table } from './output.js';
import { failed, limitsCommand, type CommandContext } from './runtime-commands.js';

/** At most this many stats calls in flight: RTM makes one Docker call for each. */
export const TOP_CONCURRENCY = 4;

const MiB = 1024 * 1024;
const mib = (bytes: number | null): string => (bytes === null ? '-' : `${(bytes / MiB).toFixed(1)}MiB`);
const percentOf = (used: number, limit: number | null): string => (limit === null || limit === 0 ? '-' : `${((used / limit) * 100).toFixed(1)}%`);

function uptime(stats: RuntimeStats): string {
  if (stats.started_at === null) return '-';
  const s = Math.max(0, Math.round((Date.parse(stats.observed_at) - Date.parse(stats.started_at)) / 1000));
  const h = Math.floor(s / 3600);
  return h > 0 ? `${h}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

function onePositional(ctx: CommandContext): string {
  if (ctx.positionals.length !== 1) throw new UsageError(`expected GAME_ID, got ${ctx.positionals.length === 0 ? 'none' : ctx.positionals.join(' ')}`);
  return ctx.positionals[0] as string;
}

export async function logs(ctx: CommandContext): Promise<number> {
  const gameId = onePositional(ctx);
  const tail = positiveInteger(ctx.options.tail, 'tail');
  const since = ctx.options.since as string | undefined;
  const follow = ctx.options.follow === true;
  // The command's signal (Ctrl-C) ends a followed answer; the client's timeout covers only the wait for it.
  const result = await ctx.client.logs(gameId, { ...(tail !== undefined ? { tail } : {}), ...(since !== undefined ? { since } : {}), follow }, { signal: ctx.signal });
  if (!result.ok) return failed(ctx, result);
  for await (const line of result.lines) {
    if (ctx.options.json === true) ctx.output.out(JSON.stringify(line));
    else if (line.stream === 'stderr') ctx.output.err(ctx.options.timestamps === true ? `${line.ts} ${line.line}` : line.line);
    else ctx.output.out(ctx.options.timestamps === true ? `${line.ts} ${line.line}` : line.line);
  }
  return 0;
}

export async function stats(ctx: CommandContext): Promise<number> {
  const gameId = onePositional(ctx);
  const result = await ctx.client.stats(gameId);
  if (!result.ok) return failed(ctx, result);
  const s = result.data;
  ctx.output.out(
    ctx.options.json === true
      ? json(s)
      : keyValues([
          ['game_id', s.game_id],
          ['container', s.container_id.slice(0, 12)],
          ['cpu', `${s.cpu_percent.toFixed(2)}%`],
          ['memory', `${mib(s.memory_bytes)} / ${mib(s.memory_limit_bytes)} (${percentOf(s.memory_bytes, s.memory_limit_bytes)})`],
          ['pids', `${s.pids} / ${s.pids_limit ?? '-'}`],
          ['network', `rx ${mib(s.network_rx_bytes)}, tx ${mib(s.network_tx_bytes)}`],
          ['restarts', s.restart_count],
          ['uptime', uptime(s)],
          ['observed_at', s.observed_at],
        ]),
  );
  return 0;
}

/** Runs `work` over `items` with at most `limit` in flight; results in the items' order. */
export async function mapBounded<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    for (let i = next++; i < items.length; i = next++) results[i] = await work(items[i] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}

async function runningGames(client: RtmClient): Promise<string[] | { failure: Parameters<typeof failed>[1] }> {
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await client.listRuntimes({ status: 'running', limit: 500, ...(cursor ? { cursor } : {}) });
    if (!page.ok) return { failure: page };
    ids.push(...page.data.items.map((r) => r.game_id));
    cursor = page.data.next_cursor ?? undefined;
  } while (cursor !== undefined);
  return ids;
}

const SORT_KEYS = { cpu: (s: RuntimeStats) => s.cpu_percent, memory: (s: RuntimeStats) => s.memory_bytes } as const;

/** One screen of `top`: every running game's sample, sorted, games that could not be sampled listed below. */
async function topScreen(ctx: CommandContext, sortBy: keyof typeof SORT_KEYS): Promise<string | number> {
  const games = await runningGames(ctx.client);
  if (!Array.isArray(games)) return failed(ctx, games.failure);
  const samples = await mapBounded(games, TOP_CONCURRENCY, async (id) => ({ id, result: await ctx.client.stats(id) }));
  const ok = samples.flatMap((s) => (s.result.ok ? [s.result.data] : []));
  ok.sort((a, b) => SORT_KEYS[sortBy](b) - SORT_KEYS[sortBy](a) || a.game_id.localeCompare(b.game_id));
  if (ctx.options.json === true) return json(ok);
  const missed = samples.flatMap((s) => (s.result.ok ? [] : [`${s.id}: ${s.result.error.code}`]));
  const rows = ok.map((s) => [s.game_id, `${s.cpu_percent.toFixed(1)}%`, mib(s.memory_bytes), mib(s.memory_limit_bytes), percentOf(s.memory_bytes, s.memory_limit_bytes), `${s.pids}/${s.pids_limit ?? '-'}`, s.restart_count, uptime(s)]);
  const header = `${new Date().toISOString()}  ${ok.length} running engine(s), sorted by ${sortBy}`;
  const body = rows.length === 0 ? 'no running engines' : table(['game_id', 'cpu', 'mem', 'limit', 'mem%', 'pids', 'restarts', 'uptime'], rows);
  return [header, body, ...(missed.length > 0 ? [`not sampled: ${missed.join(', ')}`] : [])].join('\n');
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

export async function top(ctx: CommandContext): Promise<number> {
  if (ctx.positionals.length !== 0) throw new UsageError(`expected no arguments, got ${ctx.positionals.join(' ')}`);
  const sortBy = ctx.options.sort === undefined ? 'cpu' : ctx.options.sort;
  if (sortBy !== 'cpu' && sortBy !== 'memory') throw new UsageError(`--sort must be cpu or memory, got ${JSON.stringify(sortBy)}`);
  const intervalS = positiveSeconds(ctx.options.interval as string | undefined, 'interval') ?? 2;
  const rounds = ctx.options.once === true ? 1 : Infinity;
  for (let round = 0; round < rounds && !ctx.signal.aborted; round++) {
    const screen = await topScreen(ctx, sortBy);
    if (typeof screen === 'number') return screen;
    ctx.output.out(round === 0 ? screen : `\n${screen}`);
    if (round + 1 < rounds) await sleep(intervalS * 1000, ctx.signal);
  }
  return 0;
}

export const limits = limitsCommand;
