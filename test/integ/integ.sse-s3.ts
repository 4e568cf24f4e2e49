// Integration test: SSE-S3 (AES256), default-aware policy.
// Deploy and run: see docs/integration-tests.md.
import { ServerSideEncryption } from '../../lib';
import { ALLOWED, deniedByBucketPolicy, EncryptionIntegTest, storedAs } from './support';

const test = new EncryptionIntegTest('SseS3');
test.bucket('Data', { serverSideEncryption: ServerSideEncryption.s3Managed() });

// Uploads without a header, or with AES256, are stored with SSE-S3.
test.expect('put-default', { action: 'put' }, storedAs({ algorithm: 'AES256' }));
test.expect('multipart-default', { action: 'multipart' }, storedAs({ algorithm: 'AES256' }));
test.expect('put-aes256', { action: 'put', sse: { algorithm: 'AES256' } }, storedAs({ algorithm: 'AES256' }));

// Any other algorithm, and SSE-C: refused.
test.expect('put-kms', { action: 'put', sse: { algorithm: 'aws:kms' } }, deniedByBucketPolicy('PutObject'));
test.expect('put-dsse', { action: 'put', sse: { algorithm: 'aws:kms:dsse' } }, deniedByBucketPolicy('PutObject'));
test.expect('multipart-kms', { action: 'multipart', sse: { algorithm: 'aws:kms' } }, deniedByBucketPolicy('CreateMultipartUpload'));
test.expect('put-sse-c', { action: 'put', sse: { customerKey: true } }, deniedByBucketPolicy('PutObject'));

// TLS only.
test.expect('list-over-https', { action: 'list' }, ALLOWED);
test.expect('list-over-http', { action: 'list', overHttp: true }, deniedByBucketPolicy('ListObjectsV2'));

test.app.synth();
