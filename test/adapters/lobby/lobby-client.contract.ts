// LobbyClient port contract, run against LobbyHttpClient (with a real HTTP server) and FakeLobbyClient.
import { beforeEach, describe, expect, it } from 'vitest';
import type { LobbyClient } from '../../../src/ports/lobby-client.js';

export interface LobbyClientHarness {
  client: LobbyClient;
  knowGame(gameId: string, status: string): void;
  goDown(): void;
}

export function describeLobbyClientContract(name: string, makeHarness: () => Promise<LobbyClientHarness>): void {
  describe(`LobbyClient contract: ${name}`, () => {
    let h: LobbyClientHarness;
    beforeEach(async () => {
      h = await makeHarness();
    });

    it('answers null for a game Lobby does not know', async () => {
      expect(await h.client.getGame('unknown-game')).toBeNull();
    });

    it('answers { gameId, status } for a known game', async () => {
      h.knowGame('game-1', 'running');
      h.knowGame('game-2', 'finished');
      expect(await h.client.getGame('game-1')).toEqual({ gameId: 'game-1', status: 'running' });
      expect(await h.client.getGame('game-2')).toEqual({ gameId: 'game-2', status: 'finished' });
    });

    it('throws when Lobby is down (callers log and go on)', async () => {
      h.knowGame('game-1', 'running');
      h.goDown();
      await expect(h.client.getGame('game-1')).rejects.toThrow();
    });
  });
}
