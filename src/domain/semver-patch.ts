// The patch rule (CONTRACT §4): a patch moves a game to another patch release of the same
// engine — same repository, same MAJOR.MINOR, both tags semver. One function per step of
// the rule, each returning the refusal a patch answers with.
import { parseImageRef, parseSemverTag, type ImageRef, type SemVer } from './image-ref.js';
import { accepted, refused, type Checked, type Refusal } from './refusal.js';

/** A reference whose tag is a semver version. */
export interface SemverImage {
  ref: ImageRef;
  version: SemVer;
}

/** The image a patch asks for must carry a semver tag. */
export function checkPatchTarget(ref: ImageRef): Checked<SemverImage> {
  const version = parseSemverTag(ref.tag);
  if (version === null) return refused('image_ref_not_semver', `image_ref ${ref.raw} has no semver tag (MAJOR.MINOR.PATCH)`);
  return accepted({ ref, version });
}

/** null when the game's current image may be patched to `target`; else the refusal. */
export function patchRefusal(currentImageRef: string | null, target: SemverImage): Refusal | null {
  const current = parseImageRef(currentImageRef);
  if (current === null)
    return { errorCode: 'image_ref_not_semver', message: `the current image_ref ${String(currentImageRef)} cannot be parsed` };
  const from = parseSemverTag(current.tag);
  if (from === null)
    return {
      errorCode: 'image_ref_not_semver',
      message: `the current image_ref ${current.raw} has no semver tag, so a patch cannot be checked against it`,
    };
  if (current.repository !== target.ref.repository)
    return {
      errorCode: 'semver_patch_only',
      message: `patch keeps the engine's repository: ${current.repository} cannot become ${target.ref.repository}`,
    };
  if (from.major !== target.version.major || from.minor !== target.version.minor) {
    const to = target.version;
    return {
      errorCode: 'semver_patch_only',
      message: `patch only changes the patch version: ${from.major}.${from.minor}.x cannot become ${to.major}.${to.minor}.${to.patch}`,
    };
  }
  return null;
}
