// Integration test: DSSE-KMS with a customer managed key, default-aware policy.
// Deploy and run: see docs/integration-tests.md.
import { ServerSideEncryption } from '../../lib';
import { ALLOWED, deniedByBucketPolicy, EncryptionIntegTest, storedAs } from './support';

const test = new EncryptionIntegTest('DsseKms');
const key = test.key('DataKey');
test.bucket('Data', { serverSideEncryption: ServerSideEncryption.dsseKms({ key }) });
test.client.useKey('Data', key);

// A second key that the client may use: an upload naming it is refused by the bucket policy alone.
const otherKey = test.key('OtherKey');
otherKey.grantEncryptDecrypt(test.client.function);
test.client.useKey('Other', otherKey);

// Uploads without a header, or naming aws:kms:dsse and the bucket's key ARN, are stored with
// DSSE-KMS under the bucket's key (DSSE has no Bucket Keys).
const dsse = storedAs({ algorithm: 'aws:kms:dsse', keyArn: key.keyArn, bucketKey: false });
test.expect('put-default', { action: 'put' }, dsse);
test.expect('multipart-default', { action: 'multipart' }, dsse);
test.expect('put-bucket-key-arn', { action: 'put', sse: { algorithm: 'aws:kms:dsse', key: 'Data' } }, dsse);

// Another algorithm (even with the right key), another key, no key id, or SSE-C: refused.
test.expect('put-kms-bucket-key-arn', { action: 'put', sse: { algorithm: 'aws:kms', key: 'Data' } }, deniedByBucketPolicy('PutObject'));
test.expect('put-aes256', { action: 'put', sse: { algorithm: 'AES256' } }, deniedByBucketPolicy('PutObject'));
test.expect('put-other-key-arn', { action: 'put', sse: { algorithm: 'aws:kms:dsse', key: 'Other' } }, deniedByBucketPolicy('PutObject'));
test.expect('put-dsse-without-key-id', { action: 'put', sse: { algorithm: 'aws:kms:dsse' } }, deniedByBucketPolicy('PutObject'));
test.expect('put-sse-c', { action: 'put', sse: { customerKey: true } }, deniedByBucketPolicy('PutObject'));

// TLS only.
test.expect('list-over-https', { action: 'list' }, ALLOWED);
test.expect('list-over-http', { action: 'list', overHttp: true }, deniedByBucketPolicy('ListObjectsV2'));

test.app.synth();
