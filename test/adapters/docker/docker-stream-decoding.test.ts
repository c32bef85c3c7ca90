// Docker's NDJSON streams (events, pull progress): chunking, decoding, and how the adapter
// ends or fails on them. The streams the real daemon will not produce on demand (lines
// split mid-character, malformed lines, a pull failing inside a 200 answer, a stream that
// ends or breaks) come from a local HTTP server standing in for the daemon.
import http from 'node:http';
import type net from 'node:net';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeDockerEvent, parseEventLine } from '../../../src/adapters/docker/docker-event.decoder.js';
import { createDockerClient, DockerodeRuntime } from '../../../src/adapters/docker/docker-runtime.adapter.js';
import { decodeNdjson } from '../../../src/adapters/docker/ndjson-stream.decoder.js';
import { DockerError, type DockerEvent } from '../../../src/ports/docker-runtime.js';
import { isDependencyUnavailable } from '../../../src/ports/infrastructure-fault.js';

async function* chunksOf(...chunks: Array<Buffer | string>): AsyncGenerator<Buffer | string> {
  for (const c of chunks) yield c;
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const v of it) out.push(v);
  return out;
}

function rawEvent(action: string, id: string, attributes: Record<string, string>, timeNano = 1_795_360_845_520_363_000): Record<string, unknown> {
  return { status: action, id, from: 'galaxy/game-test:1.0.0', Type: 'container', Action: action, Actor: { ID: id, Attributes: attributes }, scope: 'local', time: Math.floor(timeNano / 1e9), timeNano };
}

describe('decodeNdjson', () => {
  it('reassembles lines split across chunks, including inside a UTF-8 character', async () => {
    const text = `${JSON.stringify({ a: 'é✓' })}\n${JSON.stringify({ b: 2 })}\n`;
    const bytes = Buffer.from(text, 'utf8');
    const cut = bytes.indexOf(Buffer.from('✓')) + 1; // mid-character
    const values = await collect(decodeNdjson(chunksOf(bytes.subarray(0, 3), bytes.subarray(3, cut), bytes.subarray(cut))));
    expect(values).toEqual([{ a: 'é✓' }, { b: 2 }]);
  });

  it('takes several lines in one chunk, CRLF and blank lines, and a last line without newline', async () => {
    const values = await collect(decodeNdjson(chunksOf('{"a":1}\r\n\n{"b":2}\n{"c"', ':3}')));
    expect(values).toEqual([{ a: 1 }, { b: 2 }, { c: 3 }]);
  });

  it('skips and reports a malformed line without stopping', async () => {
    const bad: string[] = [];
    const values = await collect(decodeNdjson(chunksOf('{"a":1}\nnot json\n{"b":2}\n'), (line) => bad.push(line)));
    expect(values).toEqual([{ a: 1 }, { b: 2 }]);
    expect(bad).toEqual(['not json']);
  });
});

describe('decodeDockerEvent', () => {
  const id = 'c'.repeat(64);
  const labels = { 'com.galaxy.owner': 'rtmanager', 'com.galaxy.game_id': 'g1', 'com.galaxy.image_ref': 'galaxy/game-test:1.0.0' };
  const daemonAttributes = { image: 'galaxy/game-test:1.0.0', name: 'galaxy-game-g1' };

  it('die: exit code from Actor.Attributes, labels without the daemon attributes, exact timeNano as bigint', () => {
    // 1795360845520363373 > 2^53: a plain JSON.parse would round it.
    const line = JSON.stringify(rawEvent('die', id, { ...labels, ...daemonAttributes, exitCode: '3' }, 0)).replace('"timeNano":0', '"timeNano":1795360845520363373');
    const e = decodeDockerEvent(parseEventLine(line));
    expect(e).toEqual<DockerEvent>({ action: 'die', containerId: id, labels, exitCode: 3, signal: null, timeNano: 1_795_360_845_520_363_373n });
  });

  it('parseEventLine quotes only the real timeNano field', () => {
    const line = JSON.stringify(rawEvent('start', id, { ...labels, note: '"timeNano":5' }, 0)).replace('"timeNano":0', '"timeNano":1795360845520363373');
    const parsed = parseEventLine(line) as { timeNano: unknown; Actor: { Attributes: Record<string, string> } };
    expect(parsed.timeNano).toBe('1795360845520363373');
    expect(parsed.Actor.Attributes.note).toBe('"timeNano":5');
  });

  it('kill: the signal; other actions carry neither signal nor exit code', () => {
    expect(decodeDockerEvent(rawEvent('kill', id, { ...labels, signal: '9' }))).toMatchObject({ action: 'kill', signal: '9', exitCode: null });
    for (const action of ['create', 'start', 'stop', 'oom', 'destroy']) {
      expect(decodeDockerEvent(rawEvent(action, id, { ...labels, exitCode: '0', signal: '15' }))).toMatchObject({ action, signal: null, exitCode: null, labels });
    }
  });

  it('ignores what is not a watched container event', () => {
    expect(decodeDockerEvent(rawEvent('exec_start: sh', id, labels))).toBeNull();
    expect(decodeDockerEvent(rawEvent('health_status: healthy', id, labels))).toBeNull();
    expect(decodeDockerEvent({ ...rawEvent('create', id, labels), Type: 'network' })).toBeNull();
    expect(decodeDockerEvent({ Type: 'container', Action: 'start' })).toBeNull();
    expect(decodeDockerEvent(null)).toBeNull();
    expect(decodeDockerEvent('start')).toBeNull();
  });

  it('falls back to `time` (seconds) when timeNano is absent', () => {
    const { timeNano: _, ...raw } = rawEvent('start', id, labels);
    expect(decodeDockerEvent({ ...raw, time: 1_700_000_000 })?.timeNano).toBe(1_700_000_000_000_000_000n);
  });
});

describe('DockerodeRuntime over a scripted daemon', () => {
  let server: http.Server | null = null;
  const sockets = new Set<net.Socket>();

  afterEach(async () => {
    for (const s of sockets) s.destroy();
    sockets.clear();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = null;
  });

  async function scriptedDaemon(handler: (req: http.IncomingMessage, res: http.ServerResponse) => void): Promise<DockerodeRuntime> {
    server = http.createServer(handler);
    server.on('connection', (s) => sockets.add(s));
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    return new DockerodeRuntime(createDockerClient(`tcp://127.0.0.1:${port}`), { apiTimeoutMs: 2_000, pullTimeoutMs: 2_000, logger: pino({ level: 'silent' }) });
  }

  const id = 'a'.repeat(64);
  const labels = { 'com.galaxy.owner': 'rtmanager', 'com.galaxy.game_id': 'g1' };

  it('events: decodes a chunk-split stream, skips junk, and returns when the stream ends', async () => {
    let query: URLSearchParams | null = null;
    const body = [
      JSON.stringify(rawEvent('create', id, labels)),
      'garbage that is not json',
      JSON.stringify(rawEvent('exec_create: sh', id, labels)),
      JSON.stringify(rawEvent('start', id, labels)),
      JSON.stringify(rawEvent('die', id, { ...labels, exitCode: '7' })),
    ].join('\n');
    const runtime = await scriptedDaemon((req, res) => {
      query = new URL(req.url ?? '/', 'http://x').searchParams;
      res.writeHead(200, { 'content-type': 'application/json' });
      // 97-character writes, one per tick: almost every line arrives in pieces.
      let at = 0;
      const tick = setInterval(() => {
        if (at >= body.length) {
          clearInterval(tick);
          res.end('\n');
          return;
        }
        res.write(body.slice(at, at + 97));
        at += 97;
      }, 1);
    });
    const events = await collect(runtime.events({ since: 1_700_000_000.5, signal: new AbortController().signal }));
    expect(events.map((e) => [e.action, e.exitCode])).toEqual([
      ['create', null],
      ['start', null],
      ['die', 7],
    ]);
    expect(query!.get('since')).toBe('1700000000.5');
    expect(JSON.parse(query!.get('filters') ?? '{}')).toEqual({
      type: ['container'],
      label: ['com.galaxy.owner=rtmanager'],
      event: ['create', 'start', 'kill', 'die', 'stop', 'oom', 'destroy'],
    });
  });

  it('events: a stream that breaks mid-way ends the iteration (reconnecting is the caller\'s job)', async () => {
    const runtime = await scriptedDaemon((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(`${JSON.stringify(rawEvent('start', id, labels))}\n{"half":`);
      setTimeout(() => res.socket?.destroy(), 20);
    });
    const events = await collect(runtime.events({ signal: new AbortController().signal }));
    expect(events.map((e) => e.action)).toEqual(['start']);
  });

  it('events: a daemon error answer on connect is a DockerError', async () => {
    const runtime = await scriptedDaemon((_req, res) => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: 'events are broken' }));
    });
    const err = await collect(runtime.events({ signal: new AbortController().signal })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DockerError);
    expect(err).toMatchObject({ kind: 'failed', message: 'events are broken', statusCode: 500 });
  });

  it('pull: an error inside the 200 progress stream is a failure with its message', async () => {
    let pulled: string | null = null;
    const runtime = await scriptedDaemon((req, res) => {
      const q = new URL(req.url ?? '/', 'http://x').searchParams;
      pulled = `${q.get('fromImage')}:${q.get('tag')}`;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"status":"Pulling from galaxy/game-test","id":"1.2.3"}\n{"status":"Pulling fs lay');
      res.end('er"}\n{"errorDetail":{"message":"manifest for galaxy/game-test:1.2.3 not found"},"error":"manifest for galaxy/game-test:1.2.3 not found"}\n');
    });
    const err = await runtime.pullImage('galaxy/game-test:1.2.3').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DockerError);
    expect(err).toMatchObject({ kind: 'failed', message: 'manifest for galaxy/game-test:1.2.3 not found' });
    expect(pulled).toBe('galaxy/game-test:1.2.3');
  });

  it('pull: a progress stream that ends cleanly is success; one that stalls hits the pull deadline', async () => {
    const ok = await scriptedDaemon((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"status":"Digest: sha256:abc"}\n{"status":"Status: Downloaded newer image for galaxy/game-test:1.2.3"}\n');
    });
    await ok.pullImage('galaxy/game-test:1.2.3');
    await new Promise<void>((resolve) => server!.close(() => resolve()));
    for (const s of sockets) s.destroy();

    const stalled = await scriptedDaemon((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"status":"Pulling fs layer"}\n'); // and then nothing
    });
    const started = Date.now();
    const err = await stalled.pullImage('galaxy/game-test:1.2.3').catch((e: unknown) => e);
    expect(isDependencyUnavailable(err, 'docker')).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_980);
    expect(Date.now() - started).toBeLessThan(4_000);
  });

  it('a 404 / 409 / 500 answer maps to not_found / conflict / failed with the daemon message', async () => {
    const answers: Record<string, [number, string]> = {
      '/containers/nope/start': [404, 'No such container: nope'],
      '/containers/busy': [409, 'You cannot remove a running container busy'],
      '/containers/json': [500, 'daemon exploded'],
    };
    const runtime = await scriptedDaemon((req, res) => {
      const [status, message] = answers[new URL(req.url ?? '/', 'http://x').pathname] ?? [418, 'unexpected path'];
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message }));
    });
    await expect(runtime.startContainer('nope')).rejects.toMatchObject({ kind: 'not_found', statusCode: 404, message: 'No such container: nope' });
    await expect(runtime.removeContainer('busy')).rejects.toMatchObject({ kind: 'conflict', statusCode: 409, message: 'You cannot remove a running container busy' });
    await expect(runtime.listOwnedContainers()).rejects.toMatchObject({ kind: 'failed', statusCode: 500, message: 'daemon exploded' });
  });
});
