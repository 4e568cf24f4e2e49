// Integration test: SSE-C on its own bucket, and SSE-C refused everywhere else.
// Deploy and run: see docs/integration-tests.md.
import { RemovalPolicy } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { ServerSideEncryption } from '../../lib';
import { ALLOWED, deniedByBucketPolicy, EncryptionIntegTest, storedAs } from './support';

const test = new EncryptionIntegTest('SseC');
test.bucket('Data', { serverSideEncryption: ServerSideEncryption.customerProvided() });
test.bucket('Other', { serverSideEncryption: ServerSideEncryption.s3Managed() });

// A plain aws-cdk-lib bucket whose only defence against SSE-C is BlockedEncryptionTypes (no
// bucket policy statement about SSE-C): shows how S3 itself answers a blocked SSE-C upload.
const blocked = new s3.Bucket(test.stack, 'BlockedBucket', {
  encryption: s3.BucketEncryption.S3_MANAGED,
  blockedEncryptionTypes: [s3.BlockedEncryptionType.SSE_C],
  blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
  enforceSSL: true,
  removalPolicy: RemovalPolicy.DESTROY,
  autoDeleteObjects: true,
});
test.client.useBucket('Blocked', blocked);

// SSE-C uploads (with the SSE-C headers on every request) are stored and read back with the same key.
const sseC = storedAs({ customerAlgorithm: 'AES256', readBack: 'same' });
test.expect('put-sse-c', { action: 'put', sse: { customerKey: true } }, sseC);
test.expect('multipart-sse-c', { action: 'multipart', sse: { customerKey: true } }, sseC);

// Uploads without SSE-C headers, or naming a server-side algorithm: refused.
test.expect('put-default', { action: 'put' }, deniedByBucketPolicy('PutObject'));
test.expect('put-aes256', { action: 'put', sse: { algorithm: 'AES256' } }, deniedByBucketPolicy('PutObject'));
test.expect('multipart-default', { action: 'multipart' }, deniedByBucketPolicy('CreateMultipartUpload'));

// SSE-C to another EncryptedBucket: refused by its policy (while a plain upload there works).
test.expect('other-put-default', { action: 'put', bucket: 'Other' }, storedAs({ algorithm: 'AES256' }));
test.expect('other-put-sse-c', { action: 'put', bucket: 'Other', sse: { customerKey: true } }, deniedByBucketPolicy('PutObject'));

// What BlockedEncryptionTypes alone answers is not documented in detail: recorded (it must not be allowed).
test.expect('blocked-put-default', { action: 'put', bucket: 'Blocked' }, storedAs({ algorithm: 'AES256' }));
test.record('blocked-put-sse-c', { action: 'put', bucket: 'Blocked', sse: { customerKey: true } }, ['(?!allowed$).+']);

// TLS only.
test.expect('list-over-https', { action: 'list' }, ALLOWED);
test.expect('list-over-http', { action: 'list', overHttp: true }, deniedByBucketPolicy('ListObjectsV2'));

test.app.synth();
