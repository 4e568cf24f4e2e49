// Integration test: strict mode (requireEncryptionHeaders: true) on an SSE-KMS bucket.
// Deploy and run: see docs/integration-tests.md.
import { ServerSideEncryption } from '../../lib';
import { ALLOWED, deniedByBucketPolicy, EncryptionIntegTest, storedAs } from './support';

const test = new EncryptionIntegTest('SseKmsStrict');
const key = test.key('DataKey');
test.bucket('Data', { serverSideEncryption: ServerSideEncryption.kms({ key }), requireEncryptionHeaders: true });
test.client.useKey('Data', key);

// Only uploads that name aws:kms and the bucket's key ARN are accepted.
const withHeaders = { algorithm: 'aws:kms', key: 'Data' };
test.expect('put-bucket-key-arn', { action: 'put', sse: withHeaders }, storedAs({ algorithm: 'aws:kms', keyArn: key.keyArn }));
test.expect('put-default', { action: 'put' }, deniedByBucketPolicy('PutObject'));
test.expect('multipart-default', { action: 'multipart' }, deniedByBucketPolicy('CreateMultipartUpload'));
test.expect('put-aes256', { action: 'put', sse: { algorithm: 'AES256' } }, deniedByBucketPolicy('PutObject'));
test.expect('put-sse-c', { action: 'put', sse: { customerKey: true } }, deniedByBucketPolicy('PutObject'));

// Strict mode breaks multipart uploads: even when CreateMultipartUpload names the headers,
// UploadPart cannot carry them (S3 does not accept the header there), so the strict-mode deny
// fires on the first part.
test.expect('multipart-bucket-key-arn', { action: 'multipart', sse: withHeaders }, deniedByBucketPolicy('UploadPart 1'));

// TLS only.
test.expect('list-over-https', { action: 'list' }, ALLOWED);
test.expect('list-over-http', { action: 'list', overHttp: true }, deniedByBucketPolicy('ListObjectsV2'));

test.app.synth();
