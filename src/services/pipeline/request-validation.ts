// Checks made before an operation exists. An invalid game_id never becomes an operation:
// it cannot key an operation_log row (it is not a valid game), so the request is refused
// with `invalid_request`, logged, and no row is written (docs/services.md "Validation").
// The rules themselves are the domain's (src/domain/refusal.ts): one function each.
import type { Logger } from 'pino';
import { checkGameId } from '../../domain/game-id.js';
import type { OpKind } from '../../domain/operation.js';
import { failed, type OperationResult } from '../../domain/operation-result.js';
import { quotedValue, type Checked } from '../../domain/refusal.js';
import { OperationFailure } from './operation-failure.js';

/** null when the game_id is valid; else the refusal to return as is. */
export function refuseInvalidGameId(gameId: unknown, opKind: OpKind, logger: Logger): OperationResult | null {
  const checked = checkGameId(gameId);
  if (checked.ok) return null;
  logger.warn({ op_kind: opKind, game_id_raw: quotedValue(gameId) }, 'request refused: invalid game_id');
  return failed(checked.refusal.errorCode, checked.refusal.message);
}

/** The checked value; a refusal fails the operation (its row records the refusal's code). */
export function requireChecked<T>(checked: Checked<T>): T {
  if (checked.ok) return checked.value;
  throw new OperationFailure(checked.refusal.errorCode, checked.refusal.message);
}
