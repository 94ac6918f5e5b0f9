/** What the simulator view and its Web Worker say to each other (structured clones, no functions). */
import type { SimReport } from '@peerlab/shared/sim';
import type { RunProgressView } from './runProgress.ts';

/** Page -> worker: run this argv (already accepted by parseOptions on the page; the worker parses it again). */
export interface RunRequest {
  readonly type: 'run';
  readonly argv: readonly string[];
}

/** Worker -> page. */
export type WorkerMessage =
  | ({ readonly type: 'progress' } & RunProgressView)
  | { readonly type: 'done'; readonly report: SimReport; readonly wallMs: number }
  | { readonly type: 'failed'; readonly message: string };
