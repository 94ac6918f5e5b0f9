// Preloaded by bench.ts (NODE_OPTIONS=--require) into the simulator's processes: on exit, appends this
// process's peak resident set (kB) and its argv to the file named by PEERLAB_PEAK_RSS_FILE.
const { appendFileSync } = require('node:fs');

const file = process.env.PEERLAB_PEAK_RSS_FILE;
if (file) process.on('exit', () => appendFileSync(file, `${process.resourceUsage().maxRSS} ${process.argv.slice(1).join(' ')}\n`));
