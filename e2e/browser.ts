/**
 * Which Chromium the suite drives: the system one when present (Debian's `chromium`; machines without
 * internet cannot download Playwright's), else Playwright's own, installed on first use.
 */
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { chromium } from '@playwright/test';

const SYSTEM_CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

/** Without these, Chromium keeps calling home, which this machine's closed network refuses. */
export const CHROMIUM_ARGS = ['--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export function systemChromium(): string | undefined {
  const fromEnv = process.env.PEERLAB_CHROMIUM;
  if (fromEnv) return fromEnv;
  return SYSTEM_CHROMIUM.find((path) => existsSync(path));
}

/** Installs Playwright's Chromium when there is no system one and it is not installed yet. */
export function ensureBrowser(): void {
  if (systemChromium()) return;
  if (existsSync(chromium.executablePath())) return;
  execFileSync('npx', ['playwright', 'install', 'chromium'], { stdio: 'inherit' });
}
