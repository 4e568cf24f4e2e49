/**
 * Profiling helper: synthesizes one flavor repeatedly, for `node --cpu-prof`.
 *
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/profile.ts library 249 on 5
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { buildStack, Flavor, FLAVORS, newApp } from './apps';

const [flavor, nArg = '249', validationArg = 'off', runsArg = '5'] = process.argv.slice(2);
if (!FLAVORS.includes(flavor as Flavor)) {
  throw new Error(`usage: profile.ts <${FLAVORS.join('|')}> [N] [on|off] [runs]`);
}
delete process.env.CDK_VALIDATION;
const times: number[] = [];
for (let i = 0; i < Number(runsArg) + 1; i++) {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-s3-encryption-profile-'));
  const t0 = performance.now();
  const app = newApp(outdir, validationArg === 'on');
  buildStack(app, flavor as Flavor, Number(nArg));
  app.synth();
  times.push(performance.now() - t0);
  fs.rmSync(outdir, { recursive: true, force: true });
}
process.stdout.write(`${flavor} N=${nArg} validation ${validationArg}: ${times.map((t) => t.toFixed(0)).join(' ')} ms (first run includes warm-up)\n`);
