/**
 * `npm run bench`: runs every benchmark (synth.bench.ts: the library against hand-written
 * aws-cdk-lib; guard.bench.ts: EncryptionGuard on 2,000 buckets; loop.bench.ts: `npx cdk synth`
 * and `npm test`), each in its own process with the options given, and exits non-zero when one
 * missed a target. Each script writes its own section of BENCHMARKS.md. Run it on a quiet machine:
 * the figures are wall-clock times (each section gives CPU times beside them as a cross-check).
 */
import { spawnSync } from 'child_process';
import * as path from 'path';

let status = 0;
for (const script of ['synth.bench.ts', 'guard.bench.ts', 'loop.bench.ts']) {
  const run = spawnSync(process.execPath, ['--import', 'tsx', path.join(__dirname, script), ...process.argv.slice(2)], { stdio: 'inherit' });
  if (run.status !== 0) status = run.status ?? 1;
}
process.exit(status);
