// Integration test: a table bucket (S3 Tables) with SSE-KMS. Creating an encrypted table succeeds
// only if the key policy lets the S3 Tables maintenance principal use the key.
// Deploy and run: see docs/integration-tests.md.
import { RemovalPolicy } from 'aws-cdk-lib';
import * as s3tables from 'aws-cdk-lib/aws-s3tables';
import { EncryptedTableBucket, ServerSideEncryption } from '../../lib';
import { BucketTypeIntegTest } from './bucket-types-support';
import { ALLOWED, deniedByBucketPolicy } from './support';

const test = new BucketTypeIntegTest('TableBucket');
const key = test.key('DataKey');
const otherKey = test.key('OtherKey');
const bucket = new EncryptedTableBucket(test.stack, 'Data', {
  tableBucketName: `${test.stack.stackName.toLowerCase()}-data`.slice(0, 63),
  serverSideEncryption: ServerSideEncryption.kms({ key }),
  removalPolicy: RemovalPolicy.DESTROY,
});
const namespace = new s3tables.CfnNamespace(test.stack, 'Namespace', { tableBucketArn: bucket.resource.attrTableBucketArn, namespace: 'integ' });
bucket.grantReadWrite(test.client);
test.allow(['s3tables:DeleteTable', 's3tables:DeleteTableBucketEncryption'], [bucket.tableBucketArn, `${bucket.tableBucketArn}/table/*`]);

const createTable = (name: string, encryptionConfiguration?: Record<string, unknown>) => ({
  service: 's3tables' as const,
  command: 'CreateTable',
  input: { tableBucketARN: bucket.tableBucketArn, namespace: namespace.namespace, name, format: 'ICEBERG', encryptionConfiguration },
  cleanup: { command: 'DeleteTable', input: { tableBucketARN: bucket.tableBucketArn, namespace: namespace.namespace, name } },
});

// A table that names nothing inherits the bucket's key; one that names the bucket's key gets it.
// Both need the maintenance statement in the key policy: S3 Tables checks it on CreateTable.
test.expect('create-default', createTable('t_default'), ALLOWED);
test.expect('create-bucket-key', createTable('t_bucket_key', { sseAlgorithm: 'aws:kms', kmsKeyArn: key.keyArn }), ALLOWED);
// Another algorithm or key: refused by the table bucket policy.
test.expect('create-aes256', createTable('t_aes256', { sseAlgorithm: 'AES256' }), deniedByBucketPolicy());
test.expect('create-other-key', createTable('t_other_key', { sseAlgorithm: 'aws:kms', kmsKeyArn: otherKey.keyArn }), deniedByBucketPolicy());
// aws:kms without a key: the documents do not say what it gets; the policy denies it unless S3
// Tables fills in the bucket's key, and the service may refuse it as invalid first.
test.record('create-kms-no-key', createTable('t_kms_no_key', { sseAlgorithm: 'aws:kms' }), ['AccessDeniedException', 'BadRequestException', 'allowed']);
// The bucket's encryption cannot be removed.
test.expect('delete-bucket-encryption', {
  service: 's3tables', command: 'DeleteTableBucketEncryption', input: { tableBucketARN: bucket.tableBucketArn },
}, deniedByBucketPolicy());

test.app.synth();
