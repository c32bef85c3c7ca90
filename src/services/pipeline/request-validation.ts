// Checks made before an operation exists. An invalid game_id never becomes an operation:
// it cannot key an operation_log row (it is not a valid game), so the request is refused
// with `invalid_request`, logged, and no row is written (docs/services.md "Validation").
import type { Logger } from 'pino';
import { isValidGameId } from '../../domain/game-id.js';
import { isImageAllowed, parseImageRef, type ImageRef } from '../../domain/image-ref.js';
import type { OpKind } from '../../domain/operation.js';
import { failed, type OperationResult } from '../../domain/operation-result.js';
import { OperationFailure } from './operation-failure.js';

/** null when the game_id is valid; else the refusal to return as is. */
export function refuseInvalidGameId(gameId: unknown, opKind: OpKind, logger: Logger): OperationResult | null {
  if (isValidGameId(gameId)) return null;
  const shown = typeof gameId === 'string' ? JSON.stringify(gameId.slice(0, 80)) : typeof gameId;
  logger.warn({ op_kind: opKind, game_id_raw: shown }, 'request refused: invalid game_id');
  return failed('invalid_request', `game_id ${shown} is invalid: expected ^[a-z0-9]([a-z0-9-]{0,49}[a-z0-9])?$`);
}

/** Parses image_ref and applies the allowlist; throws OperationFailure before any Docker call. */
export function checkImageRef(imageRef: unknown, allowlist: readonly string[]): ImageRef {
  const parsed = parseImageRef(imageRef);
  if (parsed === null) {
    const shown = typeof imageRef === 'string' ? JSON.stringify(imageRef.slice(0, 200)) : typeof imageRef;
    throw new OperationFailure('invalid_request', `image_ref ${shown} is not a valid Docker image reference`);
  }
  if (!isImageAllowed(parsed.raw, allowlist))
    throw new OperationFailure('image_ref_not_allowed', `image_ref ${parsed.raw} does not match any allowed image prefix`);
  return parsed;
}
