// One rule, one wording (issue 19): a bad game_id or image_ref is answered with the same
// message by the REST guard, the stream decoder and the service's own validation, because
// all three call the one domain function.
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { rtmInternalContract, type RtmRouteMetadata } from '../../generated/openapi/contract.js';
import { guardInternalRequest } from '../../src/api/internal-request.guard.js';
import { refuseInvalidGameId } from '../../src/services/pipeline/request-validation.js';
import { decodeStartJob } from '../../src/workers/job-consumer/lobby-jobs.js';

const start = rtmInternalContract.internalStartRuntime.metadata as RtmRouteMetadata;
const headers = { 'x-galaxy-caller': 'game_master' };

function restMessage(gameId: string, imageRef: string): string {
  const guarded = guardInternalRequest(start, { params: { game_id: gameId }, query: {}, body: { image_ref: imageRef }, headers });
  if (guarded.ok) throw new Error('the guard accepted it');
  return guarded.message;
}

function streamMessage(gameId: string, imageRef: string): string {
  const decoded = decodeStartJob({ id: '1-0', fields: { game_id: gameId, image_ref: imageRef, requested_at_ms: '1' }, duplicateFields: [] });
  if (decoded.kind !== 'invalid') throw new Error(`the decoder said ${decoded.kind}`);
  return decoded.message.replace(/^malformed job: /, '');
}

describe('one wording per rule, whichever edge refuses', () => {
  it('game_id', () => {
    const service = refuseInvalidGameId('Bad_Id', 'start', pino({ level: 'silent' }));
    expect(service?.errorCode).toBe('invalid_request');
    expect(restMessage('Bad_Id', 'galaxy/game:1.0.0')).toBe(service?.errorMessage);
    expect(streamMessage('Bad_Id', 'galaxy/game:1.0.0')).toBe(service?.errorMessage);
  });

  it('image_ref', () => {
    const rest = restMessage('g1', 'Galaxy Game!!');
    expect(rest).toMatch(/^image_ref "Galaxy Game!!" is not a valid Docker image reference/);
    expect(streamMessage('g1', 'Galaxy Game!!')).toBe(rest);
  });
});
