/**
 * The simulator view's state: one run at a time in a Web Worker (never on the UI thread), its progress,
 * and the last few finished runs, kept so a class can compare them on one chart. Cancel terminates the
 * worker, which is the only way to stop a synchronous simulation midway.
 */
import { informedCurves, parseOptions, type InformedCurves, type SimOptions, type SimReport } from '@peerlab/shared/sim';
import type { RunProgressView } from './runProgress.ts';
import type { RunRequest, WorkerMessage } from './workerMessages.ts';

/** Wall ms between updates of the elapsed time while a run is silent (the engine's warm-up reports nothing). */
const ELAPSED_EVERY_MS = 500;

/** Finished runs kept on the chart: enough for push vs pull vs push-pull plus one more, few enough to read. */
export const MAX_KEPT_RUNS = 4;

/**
 * Curve colours in the order runs take them, each at least 3:1 against the chart's white (WCAG
 * non-text contrast) and apart for the common colour blindnesses; the legend names every curve anyway.
 */
export const CURVE_COLOURS = ['#1f6feb', '#cf222e', '#1a7f37', '#8250df', '#9a6700', '#bf3989', '#1b7c83', '#57606a'] as const;

export type RunState = 'idle' | 'running' | 'done' | 'cancelled' | 'failed';

export interface KeptRun {
  readonly id: number;
  readonly options: SimOptions;
  readonly report: SimReport;
  /** Wall time in the worker, simulate() alone. */
  readonly wallMs: number;
  readonly curves: InformedCurves;
  /** One colour per curve. */
  readonly colours: readonly string[];
}

export type WorkerFactory = () => Worker;

function simulatorWorker(): Worker {
  return new Worker(new URL('./simWorker.ts', import.meta.url), { type: 'module' });
}

export class SimRunner {
  state: RunState = $state('idle');
  progress: RunProgressView | undefined = $state.raw();
  /** Progress messages the current (or last) run sent: proof the bar was driven by the worker. */
  progressMessages = $state(0);
  /** Wall ms since the current run started (updated every ELAPSED_EVERY_MS and on each message). */
  elapsedMs = $state(0);
  failure = $state('');
  runs: readonly KeptRun[] = $state.raw([]);

  #createWorker: WorkerFactory;
  #worker: Worker | undefined;
  #clock: ReturnType<typeof setInterval> | undefined;
  #started = 0;
  #nextId = 1;
  #nextColour = 0;

  constructor(createWorker: WorkerFactory = simulatorWorker) {
    this.#createWorker = createWorker;
  }

  get running(): boolean {
    return this.state === 'running';
  }

  /** Starts a run of this argv; a run already going is cancelled first. Returns the parser's refusal, if any. */
  start(argv: readonly string[]): string | undefined {
    const parsed = parseOptions(argv);
    if (!parsed.ok) return parsed.error;
    this.#stopWorker();
    const options = parsed.value;
    const worker = this.#createWorker();
    this.#worker = worker;
    this.state = 'running';
    this.progress = undefined;
    this.progressMessages = 0;
    this.elapsedMs = 0;
    this.failure = '';
    this.#started = performance.now();
    this.#clock = setInterval(() => (this.elapsedMs = performance.now() - this.#started), ELAPSED_EVERY_MS);
    worker.onmessage = (event: MessageEvent<WorkerMessage>) => {
      if (this.#worker !== worker) return;
      this.#receive(options, event.data);
    };
    worker.onerror = (event: ErrorEvent) => {
      if (this.#worker !== worker) return;
      event.preventDefault();
      this.#fail(event.message || 'the simulator worker failed to start');
    };
    const request: RunRequest = { type: 'run', argv: [...argv] };
    worker.postMessage(request);
    return undefined;
  }

  cancel(): void {
    if (!this.running) return;
    this.#stopWorker();
    this.elapsedMs = performance.now() - this.#started;
    this.state = 'cancelled';
  }

  /** Forgets the kept runs (the chart starts empty). */
  clear(): void {
    this.runs = [];
  }

  dispose(): void {
    this.#stopWorker();
  }

  #receive(options: SimOptions, message: WorkerMessage): void {
    this.elapsedMs = performance.now() - this.#started;
    switch (message.type) {
      case 'progress': {
        const { type: _type, ...view } = message;
        this.progress = view;
        this.progressMessages++;
        return;
      }
      case 'done':
        this.#stopWorker();
        this.#keep(options, message.report, message.wallMs);
        this.state = 'done';
        return;
      case 'failed':
        this.#fail(message.message);
        return;
      default:
        message satisfies never;
    }
  }

  #keep(options: SimOptions, report: SimReport, wallMs: number): void {
    const curves = informedCurves(options, report);
    const colours = curves.series.map(() => CURVE_COLOURS[this.#nextColour++ % CURVE_COLOURS.length]!);
    const run: KeptRun = { id: this.#nextId++, options, report, wallMs, curves, colours };
    this.runs = [run, ...this.runs].slice(0, MAX_KEPT_RUNS);
  }

  #fail(message: string): void {
    this.#stopWorker();
    this.failure = message;
    this.state = 'failed';
  }

  #stopWorker(): void {
    this.#worker?.terminate();
    this.#worker = undefined;
    clearInterval(this.#clock);
    this.#clock = undefined;
  }
}
