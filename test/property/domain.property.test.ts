// Properties of the domain rules every input passes through (issue 9 item 10): game_id,
// image_ref, semver tags, and the container and state path built from them.
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FsStateDirectories } from '../../src/adapters/filesystem/state-directories.adapter.js';
import { buildContainerSpec, resolveEngineLaunch, type ContainerDefaults } from '../../src/domain/container-spec.js';
import { GAME_ID_PATTERN, isValidGameId } from '../../src/domain/game-id.js';
import { parseImageRef, parseSemverTag } from '../../src/domain/image-ref.js';
import { containerNameFor } from '../../src/domain/runtime-record.js';
import { edgyString, propertyRuns } from './property-runs.js';

const STATE_ROOT = path.join(os.tmpdir(), 'rtm-property-root');
const CONTAINER_NAME = /^galaxy-game-[a-z0-9]([a-z0-9-]{0,49}[a-z0-9])?$/;

/** game_ids drawn from the contract grammar itself. */
const validGameId = fc.stringMatching(GAME_ID_PATTERN);

describe('game_id', () => {
  it('whatever is accepted names a galaxy-game-* container and a state folder directly under the root', () => {
    const dirs = new FsStateDirectories({ root: STATE_ROOT, mode: 0o750, uid: null, gid: null });
    fc.assert(
      fc.property(fc.oneof(validGameId, edgyString(60)), (gameId) => {
        if (!isValidGameId(gameId)) {
          expect(() => dirs.pathFor(gameId)).toThrow();
          return;
        }
        const name = containerNameFor(gameId);
        expect(name).toMatch(CONTAINER_NAME);
        expect(name.length).toBeLessThanOrEqual(63);
        const dir = dirs.pathFor(gameId);
        expect(path.dirname(dir)).toBe(STATE_ROOT);
        expect(path.relative(STATE_ROOT, dir)).toBe(gameId);
      }),
      propertyRuns(2000, 'game_id -> container name and state path'),
    );
  });

  it('every id of the grammar is accepted', () => {
    fc.assert(fc.property(validGameId, (gameId) => {
        expect(isValidGameId(gameId)).toBe(true);
      }), propertyRuns(500, 'game_id grammar'));
  });
});

// The Docker reference grammar, generated: lower-case path components, an optional
// registry host (with a dot or a port, or localhost), an optional tag and digest.
const alnum = fc.stringMatching(/^[a-z0-9]{1,8}$/);
const separator = fc.constantFrom('.', '_', '__', '-', '--');
const pathComponent = fc.tuple(alnum, fc.array(fc.tuple(separator, alnum), { maxLength: 2 })).map(([h, rest]) => h + rest.map(([s, a]) => s + a).join(''));
const host = fc.oneof(
  fc.constant('localhost'),
  fc.tuple(fc.stringMatching(/^[a-zA-Z0-9]{1,8}$/), fc.stringMatching(/^[a-z]{2,5}$/)).map(([a, b]) => `${a}.${b}`),
);
const domain = fc.tuple(host, fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined })).map(([h, port]) => (port === undefined ? h : `${h}:${port}`));
const repository = fc
  .tuple(fc.option(domain, { nil: undefined }), fc.array(pathComponent, { minLength: 1, maxLength: 3 }))
  .map(([d, parts]) => (d === undefined ? parts.join('/') : `${d}/${parts.join('/')}`));
const tag = fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,20}$/);
const digest = fc.stringMatching(/^[0-9a-f]{64}$/).map((hex) => `sha256:${hex}`);
const validImageRef = fc.record({
  repository,
  tag: fc.option(tag, { nil: null }),
  digest: fc.option(digest, { nil: null }),
});

/** The part of a name Docker requires to be lower case: all of it after an explicit registry host. */
function remoteNameOf(name: string): string {
  const slash = name.indexOf('/');
  if (slash === -1) return name;
  const first = name.slice(0, slash);
  const isRegistry = first.includes('.') || first.includes(':') || first === 'localhost';
  return isRegistry ? name.slice(slash + 1) : name;
}

describe('image_ref', () => {
  it('every reference of the Docker grammar is accepted and read back as written', () => {
    fc.assert(
      fc.property(validImageRef, (r) => {
        const raw = `${r.repository}${r.tag === null ? '' : `:${r.tag}`}${r.digest === null ? '' : `@${r.digest}`}`;
        expect(parseImageRef(raw)).toEqual({ raw, repository: r.repository, tag: r.tag, digest: r.digest });
      }),
      propertyRuns(1000, 'image_ref grammar'),
    );
  });

  it('never throws; what it accepts has a lower-case repository, no whitespace, and bounded length', () => {
    const mutated = validImageRef.chain((r) =>
      fc.tuple(fc.constant(r.repository), fc.integer({ min: 0, max: 40 }), edgyString(3)).map(([repo, at, insert]) => repo.slice(0, at) + insert + repo.slice(at)),
    );
    const upperCased = repository.map((r) => r.toUpperCase());
    fc.assert(
      fc.property(fc.oneof(edgyString(80), mutated, upperCased, fc.anything()), (raw) => {
        const parsed = parseImageRef(raw);
        if (parsed === null) return;
        expect(typeof raw).toBe('string');
        expect(parsed.raw).toBe(raw);
        expect(parsed.raw).not.toMatch(/\s/);
        expect(parsed.repository.length).toBeLessThanOrEqual(255);
        expect(remoteNameOf(parsed.repository)).toBe(remoteNameOf(parsed.repository).toLowerCase());
      }),
      propertyRuns(3000, 'image_ref hostile'),
    );
  });
});

describe('semver tags', () => {
  const number = fc.oneof(fc.integer({ min: 0, max: 1000 }), fc.bigInt({ min: 0n, max: 10n ** 30n }));
  const prerelease = fc.option(fc.stringMatching(/^[0-9A-Za-z-]{1,6}(\.[0-9A-Za-z-]{1,6}){0,2}$/), { nil: null });

  it('a MAJOR.MINOR.PATCH tag is read exactly (or refused): never a rounded number', () => {
    fc.assert(
      fc.property(number, number, number, prerelease, fc.boolean(), (major, minor, patch, pre, v) => {
        const tagValue = `${v ? 'v' : ''}${major}.${minor}.${patch}${pre === null ? '' : `-${pre}`}`;
        const parsed = parseSemverTag(tagValue);
        if (parsed === null) return;
        expect([String(parsed.major), String(parsed.minor), String(parsed.patch)]).toEqual([String(major), String(minor), String(patch)]);
        expect(parsed.prerelease).toBe(pre);
      }),
      propertyRuns(1000, 'semver exact'),
    );
  });

  it('small versions are always read', () => {
    const small = fc.integer({ min: 0, max: 100_000 });
    fc.assert(
      fc.property(small, small, small, (a, b, c) => {
        expect(parseSemverTag(`${a}.${b}.${c}`)).toEqual({ major: a, minor: b, patch: c, prerelease: null });
      }),
      propertyRuns(300, 'semver small'),
    );
  });

  it('never throws on any tag', () => {
    fc.assert(fc.property(fc.oneof(edgyString(40), fc.constant(null)), (t) => void parseSemverTag(t)), propertyRuns(1000, 'semver hostile'));
  });
});

describe('container spec from hostile labels', () => {
  const defaults: ContainerDefaults = {
    network: 'galaxy-net',
    enginePort: 8080,
    limits: { cpus: 1, memoryBytes: 512 * 1024 ** 2, pidsLimit: 512 },
    ceilings: { cpus: null, memoryBytes: null, pidsLimit: 32768 },
    hardening: { user: null, allowRoot: false, readOnlyRootfs: false },
    logDriver: 'json-file',
    logOptions: {},
  };
  const host = { cpus: 2, memoryBytes: 8 * 1024 ** 3 };
  const labelValue = fc.oneof(edgyString(12), fc.stringMatching(/^[0-9]{1,25}(\.[0-9]{1,4})?[bkmgBKMG]?$/));
  const labels = fc.dictionary(fc.constantFrom('com.galaxy.cpu_quota', 'com.galaxy.memory', 'com.galaxy.pids_limit', 'com.galaxy.owner', 'other'), labelValue);

  it('limits are within Docker floors and the ceilings, or start_config_invalid; the spec keeps the contract name and labels', () => {
    fc.assert(
      fc.property(validGameId, labels, edgyString(12), (gameId, imageLabels, user) => {
        const launch = resolveEngineLaunch({ labels: imageLabels, user }, defaults, host);
        if (!launch.ok) {
          expect(launch.message.length).toBeGreaterThan(0);
          return;
        }
        const { cpus, memoryBytes, pidsLimit } = launch.limits;
        expect(cpus).toBeGreaterThanOrEqual(0.01);
        expect(cpus).toBeLessThanOrEqual(host.cpus);
        expect(memoryBytes).toBeGreaterThanOrEqual(6 * 1024 ** 2);
        expect(memoryBytes).toBeLessThanOrEqual(host.memoryBytes);
        expect(Number.isSafeInteger(pidsLimit) && pidsLimit >= 1 && pidsLimit <= 32768).toBe(true);
        const spec = buildContainerSpec({ gameId, imageRef: 'galaxy/game:1.0.0', hostStatePath: `${STATE_ROOT}/${gameId}`, limits: launch.limits, defaults });
        expect(spec.name).toMatch(CONTAINER_NAME);
        expect(spec.labels['com.galaxy.owner']).toBe('rtmanager');
        expect(spec.labels['com.galaxy.game_id']).toBe(gameId);
      }),
      propertyRuns(2000, 'labels -> limits'),
    );
  });
});
