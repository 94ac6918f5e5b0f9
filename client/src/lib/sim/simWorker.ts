/**
 * The simulator off the UI thread: parses the argv it is given (the page already did; a worker trusts
 * nothing it did not check), runs `simulate`, posts progress at most every PROGRESS_EVERY_MS and then the
 * report with the wall time it took. The page ends a run it no longer wants with `terminate()`.
 */
import { parseOptions, simulate } from '@peerlab/shared/sim';
import { progressTracker } from './runProgress.ts';
import type { RunRequest, WorkerMessage } from './workerMessages.ts';

/** Wall ms between progress messages: often enough for a smooth bar, rare enough to cost nothing. */
const PROGRESS_EVERY_MS = 100;

const scope = self as unknown as { onmessage: ((event: MessageEvent<RunRequest>) => void) | null; postMessage(message: WorkerMessage): void };

function post(message: WorkerMessage): void {
  scope.postMessage(message);
}

scope.onmessage = (event) => {
  const parsed = parseOptions(event.data.argv);
  if (!parsed.ok) {
    post({ type: 'failed', message: parsed.error });
    return;
  }
  const options = parsed.value;
  const track = progressTracker(options);
  const started = performance.now();
  let lastPost = -Infinity;
  let lastRun = -1;
  let lastPass = -1;
  try {
    const report = simulate(options, (run, runs, detail, fraction) => {
      const view = track(run, runs, detail, fraction);
      const now = performance.now();
      // A new run or pass is always shown; deliveries within a run at most every PROGRESS_EVERY_MS.
      if (view.run === lastRun && view.pass === lastPass && now - lastPost < PROGRESS_EVERY_MS) return;
      lastPost = now;
      lastRun = view.run;
      lastPass = view.pass;
      post({ type: 'progress', ...view });
    });
    post({ type: 'done', report, wallMs: performance.now() - started });
  } catch (error: unknown) {
    // A programmer error or the tab running out of memory: the page says so instead of waiting forever.
    post({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
  }
};
