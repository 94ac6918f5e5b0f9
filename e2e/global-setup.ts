import { existsSync } from 'node:fs';
import { ensureBrowser } from './browser.ts';

export default function globalSetup(): void {
  ensureBrowser();
  if (!existsSync(new URL('../client/dist/index.html', import.meta.url))) {
    throw new Error('client/dist is missing: run `npm run build` first (npm test does).');
  }
}
