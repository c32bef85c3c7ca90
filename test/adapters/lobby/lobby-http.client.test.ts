// LobbyHttpClient against a tiny HTTP server on 127.0.0.1 standing in for Lobby.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { LobbyClientError, LobbyHttpClient } from '../../../src/adapters/lobby/lobby-http.client.js';
import { FakeLobbyClient } from '../../fakes/misc.fake.js';
import { describeLobbyClientContract } from './lobby-client.contract.js';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

const servers: http.Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function serve(handler: Handler): Promise<string> {
  const server = http.createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function json(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

/** Lobby's internal game lookup, with a switch that makes it fail. */
async function fakeLobbyServer(): Promise<{ baseUrl: string; games: Map<string, string>; requests: string[]; state: { down: boolean } }> {
  const games = new Map<string, string>();
  const requests: string[] = [];
  const state = { down: false };
  const baseUrl = await serve((req, res) => {
    requests.push(req.url ?? '');
    if (state.down) return json(res, 503, { error: { code: 'service_unavailable', message: 'down' } });
    const m = /^\/api\/v1\/internal\/games\/([^/]+)$/.exec(req.url ?? '');
    const gameId = m?.[1] === undefined ? undefined : decodeURIComponent(m[1]);
    const status = gameId === undefined ? undefined : games.get(gameId);
    if (req.method !== 'GET' || status === undefined) return json(res, 404, { error: { code: 'not_found', message: 'no such game' } });
    json(res, 200, { game_id: gameId, status, owner_id: 'u-1', turn: 12 });
  });
  return { baseUrl, games, requests, state };
}

describeLobbyClientContract('http', async () => {
  const lobby = await fakeLobbyServer();
  return {
    client: new LobbyHttpClient({ baseUrl: lobby.baseUrl, timeoutMs: 2_000 }),
    knowGame: (gameId, status) => void lobby.games.set(gameId, status),
    goDown: () => {
      lobby.state.down = true;
    },
  };
});

describeLobbyClientContract('fake', async () => {
  const fake = new FakeLobbyClient();
  return {
    client: fake,
    knowGame: (gameId, status) => void fake.games.set(gameId, { gameId, status }),
    goDown: () => {
      fake.down = true;
    },
  };
});

describe('LobbyHttpClient', () => {
  it('GETs {baseUrl}/api/v1/internal/games/{game_id}, keeping a base path and tolerating a trailing slash', async () => {
    const seen: Array<{ method?: string; url?: string; accept?: string }> = [];
    const base = await serve((req, res) => {
      seen.push({ method: req.method, url: req.url, accept: req.headers.accept });
      json(res, 200, { game_id: 'game-1', status: 'running' });
    });
    await new LobbyHttpClient({ baseUrl: `${base}/lobby/`, timeoutMs: 2_000 }).getGame('game-1');
    expect(seen).toEqual([{ method: 'GET', url: '/lobby/api/v1/internal/games/game-1', accept: 'application/json' }]);
  });

  it('escapes the game id into one path segment', async () => {
    const lobby = await fakeLobbyServer();
    expect(await new LobbyHttpClient({ baseUrl: lobby.baseUrl, timeoutMs: 2_000 }).getGame('../admin?x=1')).toBeNull();
    expect(lobby.requests).toEqual(['/api/v1/internal/games/..%2Fadmin%3Fx%3D1']);
  });

  it('a 500 is a LobbyClientError carrying the status', async () => {
    const base = await serve((_req, res) => json(res, 500, { error: { code: 'internal_error', message: 'boom' } }));
    const err = await new LobbyHttpClient({ baseUrl: base, timeoutMs: 2_000 }).getGame('game-1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LobbyClientError);
    expect((err as LobbyClientError).httpStatus).toBe(500);
  });

  it('a Lobby that never answers fails after the timeout, not later', async () => {
    const base = await serve(() => {
      /* never answers */
    });
    const started = Date.now();
    const err = await new LobbyHttpClient({ baseUrl: base, timeoutMs: 200 }).getGame('game-1').catch((e: unknown) => e);
    const elapsed = Date.now() - started;
    expect(err).toBeInstanceOf(LobbyClientError);
    expect((err as Error).message).toMatch(/no answer within 200 ms/);
    expect(elapsed).toBeGreaterThanOrEqual(180);
    expect(elapsed).toBeLessThan(2_000);
  });

  it('a body that stalls after the headers is covered by the same timeout', async () => {
    const base = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"game_id":"game-1",');
    });
    const err = await new LobbyHttpClient({ baseUrl: base, timeoutMs: 200 }).getGame('game-1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LobbyClientError);
  });

  it.each([
    ['not JSON', 'game over'],
    ['no status', JSON.stringify({ game_id: 'game-1' })],
    ['a non-string status', JSON.stringify({ game_id: 'game-1', status: 3 })],
    ['another game', JSON.stringify({ game_id: 'game-2', status: 'running' })],
    ['null', 'null'],
  ])('a 200 with %s is a LobbyClientError', async (_what, body) => {
    const base = await serve((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(body));
    await expect(new LobbyHttpClient({ baseUrl: base, timeoutMs: 2_000 }).getGame('game-1')).rejects.toThrow(LobbyClientError);
  });

  it('connection refused is a LobbyClientError', async () => {
    const base = await serve(() => undefined);
    const server = servers.pop() as http.Server;
    await new Promise((resolve) => server.close(resolve));
    await expect(new LobbyHttpClient({ baseUrl: base, timeoutMs: 2_000 }).getGame('game-1')).rejects.toThrow(LobbyClientError);
  });

  it('uses the injected fetch', async () => {
    const calls: string[] = [];
    const fetchStub: typeof fetch = async (input) => {
      calls.push(String(input));
      return new Response(JSON.stringify({ game_id: 'game-9', status: 'paused' }), { status: 200 });
    };
    const client = new LobbyHttpClient({ baseUrl: 'http://lobby.invalid:8080', timeoutMs: 1_000, fetch: fetchStub });
    expect(await client.getGame('game-9')).toEqual({ gameId: 'game-9', status: 'paused' });
    expect(calls).toEqual(['http://lobby.invalid:8080/api/v1/internal/games/game-9']);
  });
});
