// Integration test: SSE-KMS with the AWS managed key aws/s3, default-aware policy.
// Deploy and run: see docs/integration-tests.md.
import { ServerSideEncryption } from '../../lib';
import { ALLOWED, deniedByBucketPolicy, EncryptionIntegTest, storedAs } from './support';

const AWS_S3_KEY = 'alias/aws/s3';

const test = new EncryptionIntegTest('SseKmsManaged');
const bucket = test.bucket('Data', { serverSideEncryption: ServerSideEncryption.kmsManaged() });
test.client.allowDescribeKeyByAlias(AWS_S3_KEY);

// A customer managed key that the client may use: an upload naming it is refused by the bucket
// policy alone.
const otherKey = test.key('OtherKey');
otherKey.grantEncryptDecrypt(test.client.function);
test.client.useKey('Other', otherKey);

// Uploads without a header, or with aws:kms and no key id, land under aws/s3 (with a Bucket Key),
// whether S3 puts aws/s3 into the key-id condition key or not: the policy compares any key id
// with the ARN of aws/s3 that the stack looked up when it deployed.
const underAwsS3 = { algorithm: 'aws:kms', keyMatchesAlias: true };
test.expect('put-default', { action: 'put', compareKeyWithAlias: AWS_S3_KEY }, storedAs({ ...underAwsS3, bucketKey: true }));
test.expect('multipart-default', { action: 'multipart', compareKeyWithAlias: AWS_S3_KEY }, storedAs(underAwsS3));
test.expect('put-kms-without-key-id', { action: 'put', sse: { algorithm: 'aws:kms' }, compareKeyWithAlias: AWS_S3_KEY },
  storedAs(underAwsS3));

// Any key id, another algorithm, or SSE-C: refused.
test.expect('put-other-key-arn', { action: 'put', sse: { algorithm: 'aws:kms', key: 'Other' } }, deniedByBucketPolicy('PutObject'));
test.expect('put-aes256', { action: 'put', sse: { algorithm: 'AES256' } }, deniedByBucketPolicy('PutObject'));
test.expect('put-dsse', { action: 'put', sse: { algorithm: 'aws:kms:dsse' } }, deniedByBucketPolicy('PutObject'));
test.expect('put-sse-c', { action: 'put', sse: { customerKey: true } }, deniedByBucketPolicy('PutObject'));

// Re-encryption in place: only to aws/s3 (recorded: see integ.sse-kms.ts).
test.client.allowUpdateObjectEncryption(bucket);
test.record('update-encryption-to-aws-s3', { action: 'update-encryption', sse: { key: 'aws/s3' } }, ['allowed', 'NotInRuntimeSdk']);
test.record('update-encryption-to-other-key', { action: 'update-encryption', sse: { key: 'Other' } }, ['AccessDenied', 'NotInRuntimeSdk']);

// TLS only.
test.expect('list-over-https', { action: 'list' }, ALLOWED);
test.expect('list-over-http', { action: 'list', overHttp: true }, deniedByBucketPolicy('ListObjectsV2'));

test.app.synth();
