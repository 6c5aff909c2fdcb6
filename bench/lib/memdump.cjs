// Preloaded (NODE_OPTIONS=--require) into a daemon under test: on SIGUSR2 it writes
// process.memoryUsage() to $BENCH_MEMDUMP, so the report can split RSS into V8 heap and the rest.
const { writeFileSync } = require('node:fs');
process.on('SIGUSR2', () => {
  if (process.env.BENCH_MEMDUMP) writeFileSync(process.env.BENCH_MEMDUMP, JSON.stringify(process.memoryUsage()));
});
