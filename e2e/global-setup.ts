import { existsSync, rmSync } from 'node:fs';
import { ensureBrowser } from './browser.ts';

export default function globalSetup(): void {
  ensureBrowser();
  // The churn scenarios append to this file: one summary per run.
  rmSync(new URL('./artifacts/scenarios.json', import.meta.url), { force: true });
  if (!existsSync(new URL('../client/dist/index.html', import.meta.url))) {
    throw new Error('client/dist is missing: run `npm run build` first (npm test does).');
  }
}
