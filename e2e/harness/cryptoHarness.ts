/** Puts cryptoPage.ts into a page of the server's origin: bundled once per process with esbuild (what tsx and Vite run on). */
import { build } from 'esbuild';
import type { Page } from '@playwright/test';
import type { CryptoHarness } from './cryptoPage.ts';

let bundled: Promise<string> | undefined;

function bundle(): Promise<string> {
  bundled ??= build({ entryPoints: [new URL('./cryptoPage.ts', import.meta.url).pathname], bundle: true, write: false, format: 'iife', platform: 'browser', target: 'es2022' }).then((result) => result.outputFiles[0]!.text);
  return bundled;
}

/** Opens `origin` (a plain JSON page of the server: no app in the way) and installs the harness there. */
export async function openCryptoHarness(page: Page, origin: string): Promise<void> {
  await page.goto(`${origin}/healthz`);
  await page.addScriptTag({ content: await bundle() });
  await page.waitForFunction(() => window.peerlabCrypto !== undefined);
}

export type { CryptoHarness };
