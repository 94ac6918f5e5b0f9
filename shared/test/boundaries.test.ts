/**
 * The engine is sans-IO: it imports no DOM, Node or socket module and reads no clock or random source.
 * This test is the lint rule that keeps it so (STYLE.md, rule 7).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../src/', import.meta.url).pathname;
const PURE_LAYERS = ['ports', 'engine', 'net', 'views', 'protocol', 'trace', 'attacks'];
/** Layers each layer may not reach: the ports sit below the engine, and `net/` (which drives the engine) above it. */
const FORBIDDEN_LAYERS: Readonly<Record<string, readonly string[]>> = { ports: ['engine', 'net', 'views', 'sim'], engine: ['net', 'sim'] };
const ALLOWED_PACKAGES = new Set(['tweetnacl', 'zod', '@noble/hashes/sha2.js']);
const FORBIDDEN_CALLS = [/\bDate\.now\(/, /\bMath\.random\(/, /\bsetTimeout\(/, /\bsetInterval\(/, /\bperformance\.now\(/, /\bwindow\./, /\bdocument\./, /\bprocess\./, /\bglobalThis\./];

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? sources(path) : entry.name.endsWith('.ts') ? [path] : [];
  });
}

describe('engine boundaries', () => {
  const files = PURE_LAYERS.flatMap((layer) => sources(join(ROOT, layer)));

  it('finds the engine sources', () => {
    expect(files.length).toBeGreaterThan(8);
  });

  for (const file of files) {
    const name = file.slice(ROOT.length);
    it(`${name} imports only relative modules, tweetnacl, @noble/hashes and zod, and touches no clock, timer or global`, () => {
      const text = readFileSync(file, 'utf8');
      const imports = [...text.matchAll(/^\s*import\s[^'"]*['"]([^'"]+)['"]/gm)].map((match) => match[1]!);
      for (const spec of imports) {
        const ok = spec.startsWith('./') || spec.startsWith('../') || ALLOWED_PACKAGES.has(spec);
        expect(ok, `${name} imports ${spec}`).toBe(true);
        if (spec.startsWith('../')) expect(spec.startsWith('../crypto'), `${name} reaches into crypto/`).toBe(false);
        for (const layer of FORBIDDEN_LAYERS[name.split('/')[0]!] ?? []) expect(spec.startsWith(`../${layer}/`), `${name} imports from ${layer}/`).toBe(false);
      }
      const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
      for (const pattern of FORBIDDEN_CALLS) expect(pattern.test(code), `${name} uses ${pattern}`).toBe(false);
    });
  }
});
