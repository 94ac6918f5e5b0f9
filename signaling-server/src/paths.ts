/** Default locations, resolved from this file (not the working directory). */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: signaling-server/src/../.. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DEFAULT_DB_FILE = resolve(REPO_ROOT, 'data', 'peerlab.sqlite');
export const DEFAULT_CLIENT_DIST = resolve(REPO_ROOT, 'client', 'dist');
