// Framework-level errors over real HTTP (CONTRACT §5: the envelope everywhere): what
// fastify's router and node's HTTP parser refuse before any route runs, oversized and
// malformed bodies, an image_ref outside Docker's grammar, and query strings kept out of
// the logs. Raw sockets, so nothing a client library would normalise gets normalised.
import { connect, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateErrorEnvelope } from '../../generated/validators/index.js';
import { createApiHarness, type ApiHarness } from './support/api-harness.js';

const BASE = '/api/v1/internal/runtimes';

interface RawAnswer {
  status: number;
  headers: string;
  body: string;
}

/** Writes `request` bytes as is on a fresh connection and reads until the server closes or answers in full. */
function rawHttp(port: number, request: string): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let text = '';
    const finish = () => {
      const split = text.indexOf('\r\n\r\n');
      const head = split === -1 ? text : text.slice(0, split);
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0);
      resolve({ status, headers: head, body: split === -1 ? '' : text.slice(split + 4) });
    };
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      text += chunk;
      const split = text.indexOf('\r\n\r\n');
      const length = /content-length: (\d+)/i.exec(text.slice(0, split))?.[1];
      if (split !== -1 && length !== undefined && Buffer.byteLength(text.slice(split + 4)) >= Number(length)) {
        socket.destroy();
        finish();
      }
    });
    socket.on('close', finish);
    socket.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' ? finish() : reject(err)));
    socket.write(request);
  });
}

const get = (path: string, headers = '') => `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n${headers}\r\n`;
const post = (path: string, body: string) =>
  `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nX-Galaxy-Caller: game_master\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

function expectEnvelope(answer: RawAnswer, status: number, code: string): { code: string; message: string } {
  expect(answer.status, `${answer.headers}\n${answer.body}`).toBe(status);
  expect(answer.headers).toMatch(/content-type: application\/json/i);
  const body: unknown = JSON.parse(answer.body);
  expect(validateErrorEnvelope(body), answer.body).toBe(true);
  const error = (body as { error: { code: string; message: string } }).error;
  expect(error.code).toBe(code);
  return error;
}

let a: ApiHarness;
let port: number;

beforeAll(async () => {
  a = createApiHarness({ tokens: [] });
  a.docker.addImage('galaxy/game:1.0.0');
  await a.app.listen({ host: '127.0.0.1', port: 0 });
  port = (a.app.server.address() as AddressInfo).port;
});
afterAll(async () => {
  await a.app.close();
});

describe('routing errors answer the envelope', () => {
  it('a path that is not valid URL encoding (%zz) -> 400 invalid_request', async () => {
    const error = expectEnvelope(await rawHttp(port, get(`${BASE}/%zz`)), 400, 'invalid_request');
    expect(error.message).not.toContain('%zz');
  });

  it('an id over the router limit -> 400 invalid_request (not 414)', async () => {
    expectEnvelope(await rawHttp(port, get(`${BASE}/${'a'.repeat(600)}`)), 400, 'invalid_request');
  });

  it('an over-long id the router accepts is refused by the guard -> 400 invalid_request', async () => {
    const error = expectEnvelope(await rawHttp(port, get(`${BASE}/${'a'.repeat(52)}`)), 400, 'invalid_request');
    expect(error.message).toMatch(/game_id/);
  });

  it('an unknown path -> 404 not_found', async () => {
    expectEnvelope(await rawHttp(port, get('/api/v1/internal/nothing-here')), 404, 'not_found');
  });
});

describe("node's HTTP parser errors answer the envelope", () => {
  it('a malformed request line -> 400 invalid_request', async () => {
    const error = expectEnvelope(await rawHttp(port, 'THIS IS NOT HTTP\r\n\r\n'), 400, 'invalid_request');
    expect(error.message).toBe('malformed HTTP request');
  });

  it('a request line and headers over the size limit -> 400 invalid_request', async () => {
    const error = expectEnvelope(await rawHttp(port, get(`${BASE}?cursor=${'x'.repeat(20_000)}`)), 400, 'invalid_request');
    expect(error.message).toBe('request line and headers too large');
  });

  it('a malformed header -> 400 invalid_request', async () => {
    expectEnvelope(await rawHttp(port, get(BASE, 'Bad Header Without Colon\r\n')), 400, 'invalid_request');
  });
});

describe('bodies', () => {
  it('malformed JSON -> 400 invalid_request', async () => {
    const error = expectEnvelope(await rawHttp(port, post(`${BASE}/g1/start`, '{"image_ref":')), 400, 'invalid_request');
    expect(error.message).toBe('request body is not valid JSON');
  });

  it('an oversized body -> 400 invalid_request', async () => {
    const body = JSON.stringify({ image_ref: 'galaxy/game:1.0.0', pad: 'x'.repeat(70 * 1024) });
    const error = expectEnvelope(await rawHttp(port, post(`${BASE}/g1/start`, body)), 400, 'invalid_request');
    expect(error.message).toBe('request body too large');
  });

  it('image_ref with an upper-case repository (UPPER/x) -> 400 invalid_request before anything happens', async () => {
    const before = a.stateFingerprint();
    for (const imageRef of ['UPPER/x', 'galaxy/Game:1.0.0', 'Registry/game:1.0.0']) {
      const error = expectEnvelope(await rawHttp(port, post(`${BASE}/g1/start`, JSON.stringify({ image_ref: imageRef }))), 400, 'invalid_request');
      expect(error.message).toMatch(/image_ref/);
    }
    const patch = await rawHttp(port, post(`${BASE}/g1/patch`, JSON.stringify({ image_ref: 'UPPER/x:1.0.1' })));
    expectEnvelope(patch, 400, 'invalid_request');
    // No service call, no Docker call, no record, no op-log row, no admin intent.
    expect(a.stateFingerprint()).toBe(before);
    expect(a.notificationIntents.published).toEqual([]);
  });
});

describe('request logs', () => {
  it('never contain a query string value', async () => {
    const secret = 'S3CR3T-token-value-123';
    await rawHttp(port, get(`${BASE}?access_token=${secret}`));
    await rawHttp(port, get(`${BASE}?status=stopped&cursor=${secret}`));
    await rawHttp(port, get(`${BASE}?${secret}`));
    await rawHttp(port, get(`${BASE}/%zz?access_token=${secret}`));
    await rawHttp(port, get(`${BASE}/g1?access_token=${secret}`));
    expect(a.logs.lines.filter((l) => JSON.stringify(l).includes(secret))).toEqual([]);
    const urls = a.logs.lines.filter((l) => l.msg === 'request completed').map((l) => (l.req as { url: string }).url);
    expect(urls).toContain(`${BASE}?[redacted]`);
    expect(urls).toContain(`${BASE}/g1?[redacted]`);
  });
});
