import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Annotations, App, Aspects, IAspect, Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { IConstruct } from 'constructs';
import { newApp } from './apps';
const MSG = 'EncryptionGuard: this bucket falls short in 1 way:\n- [SseCNotBlocked] SSE-C uploads are not blocked (no BlockedEncryptionTypes ["SSE-C"] on the encryption rule). Fix: use an EncryptedBucket, set blockedEncryptionTypes: [s3.BlockedEncryptionType.SSE_C] on the s3.Bucket, or list the bucket in customerProvidedBuckets if it is meant for SSE-C.';
class Floor implements IAspect { visit(n: IConstruct) { if (n instanceof s3.CfnBucket) Annotations.of(n).addError(MSG); } }
for (let r = 0; r < 5; r++) {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'fl-'));
  const app: App = newApp(outdir, false);
  app.node.setContext('@aws-cdk/core:failSynthOnValidationErrors', false);
  for (let s = 0; s < 20; s++) {
    const stack = new Stack(app, `Guarded${s}`);
    for (let i = 0; i < 100; i++) new s3.Bucket(stack, `Bucket${i}`, { encryption: s3.BucketEncryption.S3_MANAGED, enforceSSL: true });
  }
  if (process.argv[2] === 'floor') Aspects.of(app).add(new Floor());
  app.synth();
  fs.rmSync(outdir, { recursive: true, force: true });
}
