// What Game Lobby and an operator do to RTM in the fault suite: XADD start/stop jobs, read
// job results and health events (raw contract fields, CONTRACT §6), and call the internal
// REST API (CONTRACT §5) with a bounded timeout.
import type { Redis } from 'ioredis';

export type Fields = Record<string, string>;

export interface SubmittedJob {
  kind: 'start' | 'stop';
  gameId: string;
  jobId: string;
  submittedAt: number;
}

export class LobbyStandIn {
  readonly jobs: SubmittedJob[] = [];

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async startJob(gameId: string, imageRef: string): Promise<SubmittedJob> {
    const jobId = await this.redis.xadd(`${this.prefix}runtime:start_jobs`, '*', 'game_id', gameId, 'image_ref', imageRef, 'requested_at_ms', String(Date.now()));
    return this.remember({ kind: 'start', gameId, jobId: jobId!, submittedAt: Date.now() });
  }

  async stopJob(gameId: string, reason = 'admin_request'): Promise<SubmittedJob> {
    const jobId = await this.redis.xadd(`${this.prefix}runtime:stop_jobs`, '*', 'game_id', gameId, 'reason', reason, 'requested_at_ms', String(Date.now()));
    return this.remember({ kind: 'stop', gameId, jobId: jobId!, submittedAt: Date.now() });
  }

  async entries(stream: string): Promise<Array<{ id: string; fields: Fields }>> {
    const raw = await this.redis.xrange(`${this.prefix}${stream}`, '-', '+');
    return raw.map(([id, flat]) => {
      const fields: Fields = {};
      for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i]!] = flat[i + 1]!;
      return { id, fields };
    });
  }

  /** Results keyed by `${job_kind}:${job_id}` (entry ids are unique per stream only). */
  async resultsByJob(): Promise<Map<string, Fields[]>> {
    const out = new Map<string, Fields[]>();
    for (const { fields } of await this.entries('runtime:job_results')) {
      const key = `${fields.job_kind}:${fields.job_id}`;
      out.set(key, [...(out.get(key) ?? []), fields]);
    }
    return out;
  }

  async healthEvents(gameIds: readonly string[]): Promise<Fields[]> {
    return (await this.entries('runtime:health_events')).map((e) => e.fields).filter((f) => gameIds.includes(f.game_id ?? ''));
  }

  private remember(job: SubmittedJob): SubmittedJob {
    this.jobs.push(job);
    return job;
  }
}

export interface RestAnswer {
  status: number;
  code: string | null;
  body: Record<string, unknown> | null;
  ms: number;
}

/** One REST call; a connection error (RTM killed mid-request) is status 0. */
export async function rest(baseUrl: string, method: string, path: string, body?: unknown, timeoutMs = 30_000): Promise<RestAnswer> {
  const started = Date.now();
  try {
    const res = await fetch(`${baseUrl}/api/v1/internal${path}`, {
      method,
      headers: { 'x-galaxy-caller': 'admin_service', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    let json: Record<string, unknown> | null = null;
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      json = null;
    }
    const err = json?.error as { code?: string } | undefined;
    const code = err?.code ?? (json && 'error_code' in json ? (json.error_code as string | null) : null);
    return { status: res.status, code, body: json, ms: Date.now() - started };
  } catch {
    return { status: 0, code: 'connection_error', body: null, ms: Date.now() - started };
  }
}

export async function readyz(baseUrl: string): Promise<{ status: number; body: Record<string, unknown> | null }> {
  try {
    const res = await fetch(`${baseUrl}/readyz`, { signal: AbortSignal.timeout(3_000) });
    return { status: res.status, body: (await res.json().catch(() => null)) as Record<string, unknown> | null };
  } catch {
    return { status: 0, body: null };
  }
}
