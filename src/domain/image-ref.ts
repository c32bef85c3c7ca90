// image_ref parsing: a Docker reference (distribution/reference grammar) and, for patch,
// the semver carried by its tag. The one check of image_ref is checkImageRef: the REST
// guard and the start-jobs decoder apply it before anything else happens, the services'
// validation again (with the allowlist). RTM never resolves versions; it only reads what
// the producer wrote.
import { accepted, quotedValue, refused, type Checked } from './refusal.js';

const domainComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const port = '(?::[0-9]+)';
// Docker reads a first component as a registry host only when it contains "." or ":" or
// is "localhost"; anything else is a path component of a Docker Hub repository and must be
// lower-case (CONTRACT §5). So `UPPER/x` is refused here rather than sent to a registry
// host named "UPPER" (Docker's normaliser would try that, and the pull would fail).
const domain = `(?:localhost${port}?|${domainComponent}(?:\\.${domainComponent})+${port}?|${domainComponent}${port})`;
const alnum = '[a-z0-9]+';
const separator = '(?:[._]|__|[-]+)';
const pathComponent = `${alnum}(?:${separator}${alnum})*`;
const name = `(?:${domain}/)?${pathComponent}(?:/${pathComponent})*`;
const tag = '[\\w][\\w.-]{0,127}';
const digest = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9A-Fa-f]{32,}';
const REFERENCE = new RegExp(`^(${name})(?::(${tag}))?(?:@(${digest}))?$`);

const MAX_NAME_LENGTH = 255;

export interface ImageRef {
  /** As written by the producer. */
  raw: string;
  /** Repository name, including any registry host. */
  repository: string;
  tag: string | null;
  digest: string | null;
}

export function parseImageRef(raw: unknown): ImageRef | null {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > 512) return null;
  const m = REFERENCE.exec(raw);
  if (!m || !m[1] || m[1].length > MAX_NAME_LENGTH) return null;
  return { raw, repository: m[1], tag: m[2] ?? null, digest: m[3] ?? null };
}

/** The one image_ref rule of a request: a Docker reference with a lower-case repository. */
export function checkImageRef(raw: unknown): Checked<ImageRef> {
  const parsed = parseImageRef(raw);
  if (parsed !== null) return accepted(parsed);
  return refused(
    'invalid_request',
    `image_ref ${quotedValue(raw, 200)} is not a valid Docker image reference (a lower-case repository, e.g. galaxy/game:1.2.3)`,
  );
}

export interface SemVer {
  major: number;
  minor: number;
  patch: number;
  prerelease: string | null;
}

// A leading "v" is accepted (v1.2.3 is a common tag style); build metadata cannot occur
// because "+" is not a legal tag character.
const SEMVER_TAG = /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$/;

export function parseSemverTag(tagValue: string | null): SemVer | null {
  if (!tagValue) return null;
  const m = SEMVER_TAG.exec(tagValue);
  if (!m) return null;
  const [major, minor, patch] = [Number(m[1]), Number(m[2]), Number(m[3])];
  // Beyond 2^53 a Number rounds: two different majors would compare equal in patch's check.
  if (![major, minor, patch].every(Number.isSafeInteger)) return null;
  return { major, minor, patch, prerelease: m[4] ?? null };
}

/** Allowlist check (CONTRACT §2): an empty list allows everything. */
export function isImageAllowed(imageRef: string, allowedPrefixes: readonly string[]): boolean {
  return allowedPrefixes.length === 0 || allowedPrefixes.some((p) => imageRef.startsWith(p));
}

/** The image a start or patch may run: a valid reference the allowlist admits. */
export function checkAllowedImageRef(raw: unknown, allowedPrefixes: readonly string[]): Checked<ImageRef> {
  const checked = checkImageRef(raw);
  if (!checked.ok || isImageAllowed(checked.value.raw, allowedPrefixes)) return checked;
  return refused('image_ref_not_allowed', `image_ref ${checked.value.raw} does not match any allowed image prefix`);
}
