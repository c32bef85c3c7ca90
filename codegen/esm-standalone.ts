// ajv's standalone output is ESM except for `require("…")` of its runtime helpers and of
// ajv-formats' formats. Each such require becomes a static namespace import, so the
// validators are plain ESM: no createRequire, bundleable for the browser, and a node bundle
// keeps the helpers.

/**
 * The namespace of a CommonJS module as `require` would return it. Node (and esbuild for a
 * "type": "module" package) put `module.exports` at `default`; vite and esbuild's
 * `__esModule` interop put the named exports on the namespace itself.
 */
const CJS_INTEROP =
  "const __rtmCjs = (ns) => (ns.default !== null && typeof ns.default === 'object' && '__esModule' in ns.default ? ns.default : ns);\n";

/** `require("ajv/dist/runtime/ucs2length")` → `__rtmCjs(__rtmRequire0)` with `import * as __rtmRequire0 from "ajv/dist/runtime/ucs2length.js"`. */
export function requiresToImports(code: string): string {
  const specifiers: string[] = [];
  const body = code.replace(/require\(\s*"([^"]+)"\s*\)/g, (_, specifier: string) => {
    let index = specifiers.indexOf(specifier);
    if (index < 0) index = specifiers.push(specifier) - 1;
    return `__rtmCjs(__rtmRequire${index})`;
  });
  if (specifiers.length === 0) return body;
  const imports = specifiers.map((specifier, i) => `import * as __rtmRequire${i} from ${JSON.stringify(withExtension(specifier))};\n`);
  return imports.join('') + CJS_INTEROP + body;
}

/** Packages without an "exports" map (ajv, ajv-formats) need the file extension under ESM resolution. */
function withExtension(specifier: string): string {
  return /\.(c|m)?js$/.test(specifier) ? specifier : `${specifier}.js`;
}
