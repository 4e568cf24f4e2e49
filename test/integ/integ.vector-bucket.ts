// Integration test: a vector bucket (S3 Vectors) with SSE-KMS.
// Deploy and run: see docs/integration-tests.md.
import { RemovalPolicy } from 'aws-cdk-lib';
import { EncryptedVectorBucket, ServerSideEncryption } from '../../lib';
import { BucketTypeIntegTest } from './bucket-types-support';
import { ALLOWED, deniedByBucketPolicy } from './support';

const test = new BucketTypeIntegTest('VectorBucket');
const key = test.key('DataKey');
const otherKey = test.key('OtherKey');
const bucket = new EncryptedVectorBucket(test.stack, 'Data', {
  serverSideEncryption: ServerSideEncryption.kms({ key }),
  removalPolicy: RemovalPolicy.DESTROY,
});
bucket.grantReadWrite(test.client);
test.allow(['s3vectors:DeleteIndex'], [`${bucket.vectorBucketArn}/index/*`]);

const createIndex = (indexName: string, encryptionConfiguration?: Record<string, unknown>) => ({
  service: 's3vectors' as const,
  command: 'CreateIndex',
  input: { vectorBucketArn: bucket.vectorBucketArn, indexName, dataType: 'float32', dimension: 4, distanceMetric: 'cosine', encryptionConfiguration },
  cleanup: { command: 'DeleteIndex', input: { vectorBucketArn: bucket.vectorBucketArn, indexName } },
});

// An index that names nothing inherits the bucket's key; one that names the bucket's key gets it.
test.expect('index-default', createIndex('index-default'), ALLOWED);
test.expect('index-bucket-key', createIndex('index-bucket-key', { sseType: 'aws:kms', kmsKeyArn: key.keyArn }), ALLOWED);
// Another algorithm or key: refused by the vector bucket policy.
test.expect('index-aes256', createIndex('index-aes256', { sseType: 'AES256' }), deniedByBucketPolicy());
test.expect('index-other-key', createIndex('index-other-key', { sseType: 'aws:kms', kmsKeyArn: otherKey.keyArn }), deniedByBucketPolicy());

test.app.synth();
