// Lobby's internal game lookup (CONTRACT §10), for diagnostics only: callers log a throw
// and go on — a start never fails because Lobby is down.
import type { LobbyClient, LobbyGameRecord } from '../../ports/lobby-client.js';

export type FetchFunction = typeof fetch;

export interface LobbyHttpClientOptions {
  /** RTMANAGER_LOBBY_BASE_URL, e.g. http://lobby:8080 (a trailing slash is fine). */
  baseUrl: string;
  /** Whole request, body included. */
  timeoutMs: number;
  /** Defaults to the global fetch; injectable for tests. */
  fetch?: FetchFunction;
}

export class LobbyClientError extends Error {
  constructor(message: string, readonly httpStatus?: number, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LobbyClientError';
  }
}

export class LobbyHttpClient implements LobbyClient {
  private readonly baseUrl: string;
  private readonly fetch: FetchFunction;

  constructor(private readonly options: LobbyHttpClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.fetch = options.fetch ?? globalThis.fetch;
  }

  async getGame(gameId: string): Promise<LobbyGameRecord | null> {
    const url = `${this.baseUrl}/api/v1/internal/games/${encodeURIComponent(gameId)}`;
    try {
      const response = await this.fetch(url, {
        headers: { accept: 'application/json' },
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      if (response.status === 404) {
        await response.body?.cancel();
        return null;
      }
      if (response.status !== 200) {
        await response.body?.cancel();
        throw new LobbyClientError(`lobby answered ${response.status} for game ${gameId}`, response.status);
      }
      return this.parseGame(gameId, await response.json());
    } catch (err) {
      if (err instanceof LobbyClientError) throw err;
      const reason = (err as Error | null)?.name === 'TimeoutError' ? `no answer within ${this.options.timeoutMs} ms` : (err as Error).message;
      throw new LobbyClientError(`lobby request for game ${gameId} failed: ${reason}`, undefined, { cause: err });
    }
  }

  private parseGame(gameId: string, body: unknown): LobbyGameRecord {
    const game = body as { game_id?: unknown; status?: unknown } | null;
    if (game === null || typeof game !== 'object' || typeof game.game_id !== 'string' || typeof game.status !== 'string') {
      throw new LobbyClientError(`lobby answered a malformed game for ${gameId}`, 200);
    }
    if (game.game_id !== gameId) throw new LobbyClientError(`lobby answered game ${game.game_id} when asked for ${gameId}`, 200);
    return { gameId: game.game_id, status: game.status };
  }
}
