// game_id validation (CONTRACT §2): the id becomes a container name, a DNS label and a
// directory name, so it is checked before any of those is built from it.

export const GAME_ID_PATTERN = /^[a-z0-9]([a-z0-9-]{0,49}[a-z0-9])?$/;

export function isValidGameId(value: unknown): value is string {
  return typeof value === 'string' && GAME_ID_PATTERN.test(value);
}
