// Integration test: an SSE-KMS bucket that carries its key as a tag (keyArnTag: true), the bucket
// side of requireTaggedKey. The organization side (the RCP and the SCP) needs an organization and
// is proven offline (test/policy-tagged-key.test.ts). Deploy and run: see docs/integration-tests.md.
import { ExpectedResult, Match } from '@aws-cdk/integ-tests-alpha';
import { KEY_ARN_TAG_KEY, ServerSideEncryption } from '../../lib';
import { ALLOWED, deniedByBucketPolicy, EncryptionIntegTest, storedAs } from './support';

const test = new EncryptionIntegTest('SseKmsKeyArnTag');
const key = test.key('DataKey');
const bucket = test.bucket('Data', { serverSideEncryption: ServerSideEncryption.kms({ key }), keyArnTag: true });
test.client.useKey('Data', key);
const otherKey = test.key('OtherKey');
otherKey.grantEncryptDecrypt(test.client.function);
test.client.useKey('Other', otherKey);

// CloudFormation creates the bucket with ABAC on and the tag; the tag holds the full key ARN, the
// same key as the bucket's default encryption.
test.integ.assertions.awsApiCall('S3', 'getBucketTagging', { Bucket: bucket.bucketName })
  .expect(ExpectedResult.objectLike({ TagSet: Match.arrayWith([{ Key: KEY_ARN_TAG_KEY, Value: key.keyArn }]) }));

// The bucket behaves as any kms() bucket: header-less uploads land under its key, the key named
// by its ARN is accepted, another key is refused by the bucket policy.
test.expect('put-default', { action: 'put' }, storedAs({ algorithm: 'aws:kms', keyArn: key.keyArn, bucketKey: true }));
test.expect('multipart-default', { action: 'multipart' }, storedAs({ algorithm: 'aws:kms', keyArn: key.keyArn }));
test.expect('put-bucket-key-arn', { action: 'put', sse: { algorithm: 'aws:kms', key: 'Data' } },
  storedAs({ algorithm: 'aws:kms', keyArn: key.keyArn }));
test.expect('put-other-key-arn', { action: 'put', sse: { algorithm: 'aws:kms', key: 'Other' } }, deniedByBucketPolicy('PutObject'));
test.expect('list-over-https', { action: 'list' }, ALLOWED);

test.app.synth();
