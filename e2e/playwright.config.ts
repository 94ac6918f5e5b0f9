import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS, systemChromium } from './browser.ts';

const executablePath = systemChromium();

export default defineConfig({
  testDir: './specs',
  globalSetup: './global-setup.ts',
  // One scenario at a time: each opens several pages and a server, and this machine has 2 cores.
  workers: 1,
  timeout: 90_000,
  expect: { timeout: 15_000 },
  retries: 0,
  reporter: [['list'], ['json', { outputFile: 'artifacts/results.json' }]],
  outputDir: 'artifacts/test-output',
  use: {
    headless: true,
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    launchOptions: {
      ...(executablePath ? { executablePath } : {}),
      args: CHROMIUM_ARGS,
    },
  },
});
