// Integration test: a directory bucket (S3 Express One Zone) with SSE-KMS.
// Deploy and run: see docs/integration-tests.md. Set INTEG_AZ_ID to an Availability Zone id of the
// region that supports directory buckets (default use1-az5, in us-east-1).
import { RemovalPolicy } from 'aws-cdk-lib';
import { EncryptedDirectoryBucket, ServerSideEncryption } from '../../lib';
import { BucketTypeIntegTest } from './bucket-types-support';
import { ALLOWED, deniedByBucketPolicy } from './support';

const test = new BucketTypeIntegTest('DirectoryBucket');
const key = test.key('DataKey');
const otherKey = test.key('OtherKey');
const bucket = new EncryptedDirectoryBucket(test.stack, 'Data', {
  availabilityZoneId: process.env.INTEG_AZ_ID ?? 'use1-az5',
  serverSideEncryption: ServerSideEncryption.kms({ key }),
  removalPolicy: RemovalPolicy.DESTROY,
});
bucket.grantReadWrite(test.client);

const session = (input: Record<string, unknown>) => ({ service: 's3' as const, command: 'CreateSession', input: { Bucket: bucket.bucketName, ...input } });

// A session that names nothing, or the bucket's key, gets the bucket's encryption.
test.expect('session-default', session({}), ALLOWED);
test.expect('session-kms', session({ ServerSideEncryption: 'aws:kms' }), ALLOWED);
test.expect('session-bucket-key', session({ ServerSideEncryption: 'aws:kms', SSEKMSKeyId: key.keyArn }), ALLOWED);
test.expect('session-bucket-key-id', session({ ServerSideEncryption: 'aws:kms', SSEKMSKeyId: key.keyId }), ALLOWED);
// Another algorithm or key: the bucket policy refuses the session (S3 would answer 400 to the upload).
test.expect('session-aes256', session({ ServerSideEncryption: 'AES256' }), deniedByBucketPolicy());
test.expect('session-other-key', session({ ServerSideEncryption: 'aws:kms', SSEKMSKeyId: otherKey.keyArn }), deniedByBucketPolicy());

test.app.synth();
