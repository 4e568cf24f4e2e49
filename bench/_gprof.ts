import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Aspects, Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { EncryptionGuard } from '../lib';
import { newApp } from './apps';
const variant = process.argv[2];
const runs = Number(process.argv[3] ?? 3);
const times: number[] = [];
for (let r = 0; r < runs; r++) {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'gp-'));
  const app: App = newApp(outdir, false);
  app.node.setContext('@aws-cdk/core:failSynthOnValidationErrors', false);
  for (let s = 0; s < 20; s++) {
    const stack = new Stack(app, `Guarded${s}`);
    for (let i = 0; i < 100; i++) new s3.Bucket(stack, `Bucket${i}`, { encryption: s3.BucketEncryption.S3_MANAGED, enforceSSL: true });
  }
  if (variant !== 'none') {
    const guard = new EncryptionGuard({ remediate: variant === 'remediate' });
    Aspects.of(app).add(guard, { priority: guard.priority });
  }
  const t0 = performance.now();
  app.synth();
  times.push(performance.now() - t0);
  fs.rmSync(outdir, { recursive: true, force: true });
}
console.log(variant, times.map((t) => t.toFixed(0)).join(' '));
