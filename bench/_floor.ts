import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as v8 from 'v8';
import * as vm from 'vm';
import { App, Aspects, IAspect, Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { IConstruct } from 'constructs';
import { EncryptionGuard } from '../lib';
import { newApp } from './apps';
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;
const MSG = 'EncryptionGuard: this bucket falls short in 1 way:\n- [SseCNotBlocked] SSE-C uploads are not blocked (no BlockedEncryptionTypes ["SSE-C"] on the encryption rule). Fix: use an EncryptedBucket, set blockedEncryptionTypes: [s3.BlockedEncryptionType.SSE_C] on the s3.Bucket, or list the bucket in customerProvidedBuckets if it is meant for SSE-C.';
class Floor implements IAspect { visit(n: IConstruct) { if (n instanceof s3.CfnBucket) n.node.addMetadata('aws:cdk:error', MSG); } }
type V = 'none' | 'floor' | 'report';
function once(v: V): number {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'fl-'));
  const app: App = newApp(outdir, false);
  app.node.setContext('@aws-cdk/core:failSynthOnValidationErrors', false);
  for (let s = 0; s < 20; s++) {
    const stack = new Stack(app, `Guarded${s}`);
    for (let i = 0; i < 100; i++) new s3.Bucket(stack, `Bucket${i}`, { encryption: s3.BucketEncryption.S3_MANAGED, enforceSSL: true });
  }
  if (v === 'floor') Aspects.of(app).add(new Floor());
  if (v === 'report') { const g = new EncryptionGuard(); Aspects.of(app).add(g, { priority: g.priority }); }
  gc();
  const t0 = performance.now();
  app.synth();
  const t = performance.now() - t0;
  fs.rmSync(outdir, { recursive: true, force: true });
  return t;
}
const vs: V[] = ['none', 'floor', 'report'];
const times: Record<V, number[]> = { none: [], floor: [], report: [] };
for (const v of vs) once(v);
const R = Number(process.argv[2] ?? 7);
for (let r = 0; r < R; r++) { const order = [...vs.slice(r % 3), ...vs.slice(0, r % 3)]; for (const v of order) times[v].push(once(v)); }
const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(vs.map((v) => `${v} ${med(times[v]).toFixed(0)} (${(med(times[v]) / med(times.none)).toFixed(2)}x)`).join(', '));
