// The five operations as a caller issues them (REST, or a Lobby job for start/stop), the
// preparation each needs, and the retry an operator does after an interrupted one.
import { expect } from 'vitest';
import { ENGINE_IMAGE, ENGINE_IMAGE_PATCH, eventually } from '../../support/test-env.js';
import type { Scenario } from './fault-stack.js';
import { rest, type LobbyStandIn, type RestAnswer } from './lobby-stand-in.js';
import { readRecords } from './world-audit.js';

export type OpName = 'start' | 'stop' | 'restart' | 'patch' | 'cleanup';
export type Via = 'rest' | 'stream';

/** operation_log op_kind of each operation. */
export const OP_KIND: Record<OpName, string> = {
  start: 'start',
  stop: 'stop',
  restart: 'restart',
  patch: 'patch',
  cleanup: 'cleanup_container',
};

/** The image a game runs after the operation succeeded. */
export function targetImage(op: OpName): string {
  return op === 'patch' ? ENGINE_IMAGE_PATCH : ENGINE_IMAGE;
}

export async function restStart(s: Scenario, gameId: string, imageRef = ENGINE_IMAGE): Promise<RestAnswer> {
  return rest(await s.baseUrl(), 'POST', `/runtimes/${gameId}/start`, { image_ref: imageRef });
}

export async function restStop(s: Scenario, gameId: string): Promise<RestAnswer> {
  return rest(await s.baseUrl(), 'POST', `/runtimes/${gameId}/stop`, { reason: 'admin_request' });
}

/** Brings the game to the state the operation needs; returns its current container id. */
export async function prepare(s: Scenario, op: OpName, gameId: string): Promise<string | null> {
  if (op === 'start') return null;
  expect((await restStart(s, gameId)).status).toBe(200);
  if (op === 'cleanup') expect((await restStop(s, gameId)).status).toBe(200);
  const rec = (await readRecords(s.pool, [gameId])).get(gameId);
  return rec?.current_container_id ?? null;
}

/** Issues the operation; a REST answer is handed back unawaited (RTM may die under it). */
export async function issue(s: Scenario, lobby: LobbyStandIn, op: OpName, via: Via, gameId: string): Promise<{ answer: Promise<RestAnswer> | null }> {
  if (via === 'stream') {
    if (op === 'start') await lobby.startJob(gameId, ENGINE_IMAGE);
    else if (op === 'stop') await lobby.stopJob(gameId, 'admin_request');
    else throw new Error(`${op} has no stream job`);
    return { answer: null };
  }
  return { answer: restCall(await s.baseUrl(), op, gameId) };
}

function restCall(base: string, op: OpName, gameId: string): Promise<RestAnswer> {
  const path = `/runtimes/${gameId}`;
  switch (op) {
    case 'start':
      return rest(base, 'POST', `${path}/start`, { image_ref: ENGINE_IMAGE });
    case 'stop':
      return rest(base, 'POST', `${path}/stop`, { reason: 'admin_request' });
    case 'restart':
      return rest(base, 'POST', `${path}/restart`, {});
    case 'patch':
      return rest(base, 'POST', `${path}/patch`, { image_ref: ENGINE_IMAGE_PATCH });
    case 'cleanup':
      return rest(base, 'DELETE', `${path}/container`);
  }
}

/**
 * What an operator does after an interrupted REST operation: ask for the intended end state
 * again, and expect RTM to reach it (a 200, with or without replay_no_op).
 */
export async function retryToIntendedState(s: Scenario, op: OpName, gameId: string): Promise<RestAnswer | null> {
  const rec = (await readRecords(s.pool, [gameId])).get(gameId);
  const base = await s.baseUrl();
  const call = (): Promise<RestAnswer> => {
    if (op === 'stop') return restStop(s, gameId);
    if (op === 'cleanup') return rest(base, 'DELETE', `/runtimes/${gameId}/container`);
    if (rec?.status === 'running' && rec.current_image_ref !== targetImage(op)) return rest(base, 'POST', `/runtimes/${gameId}/patch`, { image_ref: targetImage(op) });
    return restStart(s, gameId, targetImage(op));
  };
  // A lease the killed RTM held expires after one TTL: retry a conflict until then.
  return eventually(async () => {
    const a = await call();
    return a.status === 409 ? undefined : a;
  }, { timeoutMs: 20_000, intervalMs: 500, message: `${op} retry on ${gameId} kept answering 409` });
}

/** The record status the operation aims at. */
export function intendedStatus(op: OpName): string {
  return op === 'stop' ? 'stopped' : op === 'cleanup' ? 'removed' : 'running';
}
