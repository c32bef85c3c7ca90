// `rtmctl events tail`: follows runtime:health_events and runtime:job_results through RTM's
// own API (GET /api/v1/internal/events, authorized by the API token: no Redis credentials),
// decoded with the client's stream helpers. Starts with what comes after it started (or after
// --from; 0 = the whole history); stops on Ctrl-C (exit 130) or after --max events.
import { decodeHealthEvent, decodeJobResult, type HealthEvent, type JobResult } from '@galaxy/rtmanager-client/streams';
import type { RtmEventLine } from '@galaxy/rtmanager-client';
import { positiveInteger, UsageError } from './command-line.js';
import { failed, type CommandContext } from './runtime-commands.js';

type TailEvent =
  | { stream: string; id: string; kind: 'health_event'; value: HealthEvent }
  | { stream: string; id: string; kind: 'job_result'; value: JobResult };

function humanLine(e: TailEvent): string {
  if (e.kind === 'health_event') {
    const v = e.value;
    return [new Date(v.occurred_at_ms).toISOString(), 'health', v.game_id, v.event_type, JSON.stringify(v.details)].join('  ');
  }
  const v = e.value;
  const what = [v.job_kind, v.outcome, v.error_code ?? '', v.error_message ?? ''].filter((s) => s !== '').join(' ');
  return [new Date(v.completed_at_ms).toISOString(), 'job_result', v.game_id, what, `job ${v.job_id}`].join('  ');
}

/** Entries that do not decode (another producer's, a newer payload) are skipped. */
function decode(line: RtmEventLine): TailEvent | null {
  const { stream, id, fields } = line;
  if (stream === 'runtime:health_events') {
    const d = decodeHealthEvent(fields);
    return d.ok ? { stream, id, kind: 'health_event', value: d.value } : null;
  }
  const d = decodeJobResult(fields);
  return d.ok ? { stream, id, kind: 'job_result', value: d.value } : null;
}

export async function eventsTail(ctx: CommandContext): Promise<number> {
  if (ctx.positionals.length > 0) throw new UsageError('events tail takes no arguments (use --game and --type)');
  const max = positiveInteger(ctx.options.max, 'max');
  const game = typeof ctx.options.game === 'string' ? ctx.options.game : undefined;
  const from = typeof ctx.options.from === 'string' ? ctx.options.from : undefined;
  const types = typeof ctx.options.type === 'string' ? new Set(ctx.options.type.split(',')) : undefined;
  // --max counts here, after decoding and the type filter (leaving the loop closes the answer).
  const answer = await ctx.client.tailEvents({ ...(from !== undefined ? { from } : {}), ...(game !== undefined ? { game_id: game } : {}) });
  if (!answer.ok) return failed(ctx, answer);
  // On stderr, so stdout stays the events alone (one JSON per line with --json).
  ctx.output.err('rtmctl: following runtime:health_events, runtime:job_results (Ctrl-C to stop)');
  let seen = 0;
  for await (const line of answer.events) {
    const event = decode(line);
    if (!event) continue;
    if (types && !types.has(event.kind === 'health_event' ? event.value.event_type : 'job_result')) continue;
    ctx.output.out(ctx.options.json === true ? JSON.stringify(event) : humanLine(event));
    if (max !== undefined && ++seen >= max) return 0;
  }
  return 0;
}
