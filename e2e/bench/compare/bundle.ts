/** Bundles the comparison's own pages (Yjs + y-webrtc, bare Socket.IO) with esbuild into a temporary folder. */
import { build } from 'esbuild';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const APPS = new URL('./apps/', import.meta.url).pathname;

export async function bundlePages(): Promise<string> {
  const out = mkdtempSync(join(tmpdir(), 'peerlab-bench-pages-'));
  await build({
    entryPoints: { yjs: join(APPS, 'yjsPage.ts'), socketio: join(APPS, 'socketioPage.ts') },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    outdir: out,
    logLevel: 'warning',
    define: { 'process.env.NODE_ENV': '"production"', global: 'globalThis' },
  });
  const html = readFileSync(join(APPS, 'page.html'), 'utf8');
  for (const name of ['yjs', 'socketio']) writeFileSync(join(out, `page-${name}.html`), html.replace('SCRIPT', `${name}.js`));
  return out;
}
