/**
 * Research notebook for issue #3, not product code: which definition of t_ave gives the push columns of
 * Demers et al.'s Tables 1–2 (paper: T1 11.0 12.1 12.5 12.7 12.8, T2 19 17 15 14.1 13.8)?
 *
 * A deliberately separate, slow, readable copy of the rumor model in shared/src/sim/rumor.ts (synchronous
 * cycles, push, feedback/blind, counter/coin, counter reset by a necessary contact) that records, per site,
 * its first arrival, its removal and its last receipt, and prints one line per table row with every
 * candidate statistic side by side. Variants: `base` (the simulator's rules), `noreset` (k unnecessary
 * contacts in total), `async` (random sequential order within a cycle, a new site may send in the same cycle).
 *
 *   node shared/research/demersPushTave.mjs [base|noreset|async] [runs]
 */
let state32 = 0x9e3779b9;
function random() {
  state32 ^= state32 << 13; state32 >>>= 0; state32 ^= state32 >>> 17; state32 ^= state32 << 5; state32 >>>= 0;
  return state32 / 4294967296;
}
const otherSite = (n, self) => { const j = Math.floor(random() * (n - 1)); return j >= self ? j + 1 : j; };
const NEVER = -1;

function runPush(n, removal, interest, k, variant) {
  const arrival = new Int32Array(n).fill(NEVER), removedAt = new Int32Array(n).fill(NEVER), lastReceipt = new Int32Array(n).fill(NEVER);
  const infective = new Uint8Array(n), counter = new Int32Array(n);
  infective[0] = 1; arrival[0] = 0;
  let messageTimeSum = 0, messages = 0, cycle = 0, hot = [0];
  const losesInterest = (site, necessary) => {
    if (removal === 'feedback' && necessary && variant !== 'noreset') counter[site] = 0;
    if (removal === 'feedback' && necessary) return false;
    const out = interest === 'coin' ? random() < 1 / k : ++counter[site] >= k;
    if (out) { infective[site] = 0; removedAt[site] = cycle; }
    return out;
  };
  const send = (site) => {
    const to = otherSite(n, site);
    messages++; messageTimeSum += cycle; lastReceipt[to] = cycle;
    if (arrival[to] !== NEVER) return arrival[to] === cycle && variant !== 'async';
    arrival[to] = cycle; infective[to] = 1;
    return true;
  };
  while (hot.length > 0) {
    cycle++;
    if (variant === 'async') {
      // Every site acts once per cycle in a fresh random order, on the state at its turn.
      const order = Array.from({ length: n }, (_, i) => i);
      for (let i = n - 1; i > 0; i--) { const j = Math.floor(random() * (i + 1)); [order[i], order[j]] = [order[j], order[i]]; }
      for (const site of order) if (infective[site]) losesInterest(site, send(site));
    } else {
      const outcomes = hot.map((site) => send(site));
      hot.forEach((site, i) => losesInterest(site, outcomes[i]));
    }
    hot = [];
    for (let i = 0; i < n; i++) if (infective[i]) hot.push(i);
  }
  let informed = 0, arrivalSum = 0, tLast = 0, removalSum = 0, midSum = 0, lastSum = 0;
  const arrivals = [];
  for (let i = 0; i < n; i++) {
    if (arrival[i] === NEVER) continue;
    informed++; arrivalSum += arrival[i]; tLast = Math.max(tLast, arrival[i]); arrivals.push(arrival[i]);
    removalSum += removedAt[i]; midSum += (arrival[i] + removedAt[i]) / 2; lastSum += Math.max(arrival[i], lastReceipt[i]);
  }
  arrivals.sort((a, b) => a - b);
  return {
    residue: (n - informed) / n, traffic: messages / n, tLast,
    meanArrival: arrivalSum / informed, perMessage: messageTimeSum / messages, midArrivalRemoval: midSum / informed,
    meanRemoval: removalSum / informed, meanLastReceipt: lastSum / informed,
    unreachedAtTLast: (arrivalSum + (n - informed) * tLast) / n, medianArrival: arrivals[arrivals.length >> 1],
    arrivalSum, informed,
  };
}

const variant = process.argv[2] ?? 'base';
const runs = Number(process.argv[3] ?? 300);
const paper = { T1: [[11.0, 16.8], [12.1, 16.9], [12.5, 17.4], [12.7, 17.5], [12.8, 17.7]], T2: [[19, 38], [17, 33], [15, 32], [14.1, 32], [13.8, 32]] };
console.log(`variant ${variant}, n = 1000, ${runs} runs per row; paper = t_ave/t_last`);
for (const [table, removal, interest] of [['T1', 'feedback', 'counter'], ['T2', 'blind', 'coin']]) {
  for (let k = 1; k <= 5; k++) {
    const mean = {};
    for (let r = 0; r < runs; r++) for (const [key, value] of Object.entries(runPush(1000, removal, interest, k, variant))) mean[key] = (mean[key] ?? 0) + value / runs;
    const ratioOfSums = mean.arrivalSum / mean.informed;
    delete mean.arrivalSum; delete mean.informed;
    const cells = Object.entries({ ...mean, ratioOfSums }).map(([key, value]) => `${key}=${value.toFixed(2)}`);
    console.log(table, `k=${k}`, `paper=${paper[table][k - 1].join('/')}`, cells.join(' '));
  }
}
