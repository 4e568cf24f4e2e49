/**
 * `npm run bench`: runs each benchmark that `npm run bench` reports on (synth.bench.ts, then
 * guard.bench.ts), each in its own process with the options given, and exits non-zero when
 * either missed a target. Each script writes its own section of BENCHMARKS.md.
 */
import { spawnSync } from 'child_process';
import * as path from 'path';

let status = 0;
for (const script of ['synth.bench.ts', 'guard.bench.ts']) {
  const run = spawnSync(process.execPath, ['--import', 'tsx', path.join(__dirname, script), ...process.argv.slice(2)], { stdio: 'inherit' });
  if (run.status !== 0) status = run.status ?? 1;
}
process.exit(status);
