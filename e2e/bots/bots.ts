/**
 * `npm run bots -- --room ROOM --count N`: N headless peers (the browser's engine and driver, over real
 * WebRTC in Node) join ROOM on a running Peerlab server, write at `--rate` messages a second each and,
 * with `--churn S`, every S seconds one random bot leaves and rejoins S seconds later. They show up in
 * the member list like any tab. Runs until Ctrl-C, or `--duration` seconds; `--json` prints a summary.
 */
import { parseArgs } from 'node:util';
import { BotSwarm } from './botPeer.ts';

const USAGE = `usage: npm run bots -- --room ROOM [--count N] [--url URL] [--rate WRITES_PER_S] [--churn SECONDS] [--duration SECONDS] [--json]`;

/** After `--duration`, how long to wait for the bots to agree before printing the summary anyway. */
const SETTLE_MS = 20_000;

function number(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < 0) throw new Error(`--${name} must be a non-negative number, got ${value}\n${USAGE}`);
  return parsed;
}

const { values } = parseArgs({
  options: {
    url: { type: 'string', default: 'http://localhost:8080' },
    room: { type: 'string' },
    count: { type: 'string', default: '4' },
    rate: { type: 'string', default: '0.5' },
    churn: { type: 'string' },
    duration: { type: 'string' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});

if (values.help || !values.room) {
  console.log(USAGE);
  process.exit(values.help ? 0 : 2);
}

const count = number(values.count, 4, 'count');
const rate = number(values.rate, 0.5, 'rate');
const churn = values.churn === undefined ? undefined : number(values.churn, 0, 'churn');
const duration = values.duration === undefined ? undefined : number(values.duration, 0, 'duration');
const log = (text: string): void => {
  if (!values.json) console.log(text);
};

const swarm = new BotSwarm({ url: values.url, room: values.room, count });
const started = Date.now();
log(`joining ${count} bots to room ${values.room} at ${values.url}`);
await swarm.join();
log(`joined in ${Date.now() - started} ms; writing ${rate}/s each${churn ? `, churning every ${churn} s` : ''}`);
swarm.startWriting(rate);
if (churn) swarm.startChurn(churn * 1000);

const status = setInterval(() => {
  const states = swarm.states();
  const live = states.filter((state) => state.live);
  const digests = new Set(live.map((state) => state.digest));
  log(`${live.length}/${count} live, mode ${live[0]?.mode ?? '?'}, events ${Math.min(...live.map((s) => s.events))}–${Math.max(...live.map((s) => s.events))}, ${digests.size} digest(s), direct links ${live.map((s) => s.directPeers).join(' ')}`);
}, 2000);

async function finish(): Promise<void> {
  clearInterval(status);
  swarm.stopWriting();
  await swarm.stopChurn();
  const stoppedAt = Date.now();
  let converged = false;
  while (Date.now() - stoppedAt < SETTLE_MS) {
    const states = swarm.states();
    if (new Set(states.map((state) => state.digest)).size === 1 && states.every((state) => state.pending === 0)) {
      converged = true;
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const states = swarm.states();
  const summary = {
    room: values.room,
    url: values.url,
    bots: count,
    seconds: (stoppedAt - started) / 1000,
    written: states.reduce((sum, state) => sum + state.written, 0),
    converged,
    convergeMs: converged ? Date.now() - stoppedAt : null,
    events: { min: Math.min(...states.map((s) => s.events)), max: Math.max(...states.map((s) => s.events)) },
    digests: new Set(states.map((s) => s.digest)).size,
    perBot: states,
  };
  if (values.json) console.log(JSON.stringify(summary, null, 2));
  else log(`written ${summary.written}, ${converged ? `converged in ${summary.convergeMs} ms` : 'NOT converged'} on ${summary.events.max} events`);
  swarm.close();
  process.exit(converged ? 0 : 1);
}

process.once('SIGINT', () => void finish());
process.once('SIGTERM', () => void finish());
if (duration !== undefined) setTimeout(() => void finish(), duration * 1000);
