/*
 * The README's Recipes. Each recipe below is the exact code of one README snippet: the text
 * between `// recipe:<name>` and `// end-recipe` (dedented) must appear in the README as a
 * ```ts block, and each recipe is synthesized and checked here, so the docs cannot rot.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Annotations as cdkAnnotations, App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { EncryptedBucket, EncryptionKey, ServerSideEncryption } from '../lib';

const ACCOUNT = '111122223333';
const env = { account: ACCOUNT, region: 'eu-west-1' };

function cloudFrontWithOac(this: Stack) {
  // recipe:cloudfront
  const bucket = new EncryptedBucket(this, 'Site'); // SSE-KMS with a new key
  const distribution = new cloudfront.Distribution(this, 'Cdn', {
    defaultBehavior: { origin: origins.S3BucketOrigin.withOriginAccessControl(bucket) },
    defaultRootObject: 'index.html',
  });
  // end-recipe
  return { bucket, distribution };
}

function bucketDeploymentDefault(this: Stack) {
  // recipe:deployment-default
  const bucket = new EncryptedBucket(this, 'Assets');
  new s3deploy.BucketDeployment(this, 'Deploy', {
    sources: [s3deploy.Source.data('index.html', '<h1>hello</h1>')],
    destinationBucket: bucket, // no header: the bucket's default key applies
  });
  // end-recipe
  return { bucket };
}

function bucketDeploymentStrict(this: Stack) {
  // recipe:deployment-strict
  const bucket = new EncryptedBucket(this, 'Assets', { requireEncryptionHeaders: true });
  new s3deploy.BucketDeployment(this, 'Deploy', {
    sources: [s3deploy.Source.data('index.html', '<h1>hello</h1>')],
    destinationBucket: bucket,
    serverSideEncryption: s3deploy.ServerSideEncryption.AWS_KMS,
    serverSideEncryptionAwsKmsKeyId: bucket.encryptionKey!.keyArn, // the full key ARN, not keyId
  });
  // end-recipe
  return { bucket };
}

function replicationSameRegion(this: Stack) {
  // recipe:replication
  const replica = new EncryptedBucket(this, 'Replica'); // its own key
  const bucket = new EncryptedBucket(this, 'Data', {
    replicationRules: [{ destination: replica, priority: 1 }],
  });
  // end-recipe
  return { bucket, replica };
}

function replicationCrossRegion(app: App) {
  // recipe:replication-cross-region
  const replicaStack = new Stack(app, 'Replica', { env: { account: ACCOUNT, region: 'us-east-1' } });
  const replica = new EncryptedBucket(replicaStack, 'Replica', { bucketName: `data-replica-${ACCOUNT}-us-east-1` });

  const dataStack = new Stack(app, 'Data', { env: { account: ACCOUNT, region: 'eu-west-1' }, crossRegionReferences: true });
  const bucket = new EncryptedBucket(dataStack, 'Data', {
    replicationRules: [{ destination: replica, priority: 1 }],
  });
  // end-recipe
  return { bucket, replica, replicaStack, dataStack };
}

function crossAccountRead(this: Stack) {
  // recipe:cross-account
  const key = new EncryptionKey(this, 'Key');
  const bucket = new EncryptedBucket(this, 'Shared', { serverSideEncryption: ServerSideEncryption.kms({ key }) });
  // Adds an Allow for that account to the bucket policy and kms:Decrypt to the key policy.
  // The other account must still give its own principals s3:GetObject and kms:Decrypt.
  bucket.grantRead(new iam.AccountPrincipal('444455556666'));
  // end-recipe
  return { bucket, key };
}

function lambdaReadersAndWriters(this: Stack) {
  // recipe:lambda
  const bucket = new EncryptedBucket(this, 'Data');
  const code = lambda.Code.fromInline('exports.handler = async () => {};');
  const reader = new lambda.Function(this, 'Reader', {
    runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code,
    environment: { BUCKET: bucket.bucketName },
  });
  const writer = new lambda.Function(this, 'Writer', {
    runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code,
    environment: { BUCKET: bucket.bucketName },
  });
  bucket.grantRead(reader); // s3:GetObject* ... and kms:Decrypt on the bucket's key
  bucket.grantWrite(writer); // s3:PutObject* ... and kms:GenerateDataKey*, kms:Decrypt (multipart)
  // A PutObject without encryption headers is encrypted with the bucket's key.
  // end-recipe
  return { bucket, reader, writer };
}

function stack(): Stack {
  return new Stack(new App(), 'Recipe', { env });
}

function keyPolicy(template: Template): any[] {
  return Object.values(template.findResources('AWS::KMS::Key'))[0].Properties.KeyPolicy.Statement;
}

function roleStatements(template: Template, roleLogicalIdPrefix: string): any[] {
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((p: any) => JSON.stringify(p.Properties.Roles).includes(roleLogicalIdPrefix))
    .flatMap((p: any) => p.Properties.PolicyDocument.Statement);
}

describe('recipes synthesize and do what the README says', () => {
  test('CloudFront with origin access control: the bucket policy lets that distribution read, the key policy lets CloudFront decrypt', () => {
    const s = stack();
    const { distribution } = cloudFrontWithOac.call(s);
    const template = Template.fromStack(s);
    const distributionId = s.getLogicalId(distribution.node.defaultChild as cloudfront.CfnDistribution);
    // The bucket policy lets this one distribution read ...
    const bucketPolicy = Object.values(template.findResources('AWS::S3::BucketPolicy'))[0] as any;
    const read = bucketPolicy.Properties.PolicyDocument.Statement.filter((st: any) => st.Principal?.Service === 'cloudfront.amazonaws.com');
    expect(read).toHaveLength(1);
    expect(read[0]).toMatchObject({ Effect: 'Allow', Action: 's3:GetObject' });
    expect(JSON.stringify(read[0].Condition)).toContain(distributionId);
    // ... and the key policy grows by one statement for CloudFront, limited to the account's
    // distributions (aws-cdk-lib names no single distribution there, to avoid a circular dependency).
    const cdn = keyPolicy(template).filter((st) => st.Principal?.Service === 'cloudfront.amazonaws.com');
    expect(cdn).toHaveLength(1);
    expect(cdn[0].Effect).toBe('Allow');
    expect([cdn[0].Action].flat()).toContain('kms:Decrypt');
    expect(cdn[0].Condition).toEqual({ ArnLike: { 'AWS:SourceArn': {
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':cloudfront::', { Ref: 'AWS::AccountId' }, ':distribution/*']],
    } } });
    // aws-cdk-lib says so in a warning on the bucket, the one the README explains and names.
    const warnings = Annotations.fromStack(s).findWarning('*', Match.anyValue());
    expect(warnings.map((w) => [w.id, String(w.entry.data).includes('[ack: @aws-cdk/aws-cloudfront-origins:wildcardKeyPolicyForOac]')]))
      .toEqual([['/Recipe/Site', true]]);
    // ... and acknowledging it on the bucket, as the README shows, silences it.
    const acknowledged = stack();
    const { bucket } = cloudFrontWithOac.call(acknowledged);
    cdkAnnotations.of(bucket).acknowledgeWarning('@aws-cdk/aws-cloudfront-origins:wildcardKeyPolicyForOac', 'reason');
    expect(Annotations.fromStack(acknowledged).findWarning('*', Match.anyValue())).toEqual([]);
  });

  test('BucketDeployment, default mode: no header is sent', () => {
    const s = stack();
    bucketDeploymentDefault.call(s);
    const deployment = Object.values(Template.fromStack(s).findResources('Custom::CDKBucketDeployment'))[0] as any;
    expect(deployment.Properties.SystemMetadata).toBeUndefined();
  });

  test('BucketDeployment, strict mode: aws:kms and the full key ARN on every upload', () => {
    const s = stack();
    const { bucket } = bucketDeploymentStrict.call(s);
    const deployment = Object.values(Template.fromStack(s).findResources('Custom::CDKBucketDeployment'))[0] as any;
    expect(deployment.Properties.SystemMetadata).toEqual({
      'sse': 'aws:kms',
      'sse-kms-key-id': { 'Fn::GetAtt': [s.getLogicalId(bucket.encryptionKey!.node.defaultChild as kms.CfnKey), 'Arn'] },
    });
  });

  test('replication between two encrypted buckets: SSE-KMS objects selected, replica key the destination key', () => {
    const s = stack();
    const { bucket, replica } = replicationSameRegion.call(s);
    const template = Template.fromStack(s);
    const config = template.toJSON().Resources[s.getLogicalId(bucket.node.defaultChild as any)].Properties.ReplicationConfiguration;
    expect(config.Rules[0].SourceSelectionCriteria).toEqual({ SseKmsEncryptedObjects: { Status: 'Enabled' } });
    expect(config.Rules[0].Destination.EncryptionConfiguration.ReplicaKmsKeyID)
      .toEqual({ 'Fn::GetAtt': [s.getLogicalId(replica.encryptionKey!.node.defaultChild as kms.CfnKey), 'Arn'] });
  });

  test('replication across regions: the same, through cross-region references', () => {
    const app = new App();
    const { bucket, dataStack } = replicationCrossRegion(app);
    app.synth();
    const config = Template.fromStack(dataStack).toJSON().Resources[dataStack.getLogicalId(bucket.node.defaultChild as any)]
      .Properties.ReplicationConfiguration;
    expect(config.Rules[0].SourceSelectionCriteria).toEqual({ SseKmsEncryptedObjects: { Status: 'Enabled' } });
    // The replica key ARN comes from the other region, read at deploy time.
    expect(JSON.stringify(config.Rules[0].Destination.EncryptionConfiguration.ReplicaKmsKeyID)).toContain('ExportsReader');
  });

  test('cross-account read: the bucket policy and the key policy name the other account', () => {
    const s = stack();
    crossAccountRead.call(s);
    const template = Template.fromStack(s);
    const other = ':iam::444455556666:root';
    expect(keyPolicy(template).some((st) => st.Effect === 'Allow' && JSON.stringify(st.Principal).includes(other) &&
      [st.Action].flat().includes('kms:Decrypt'))).toBe(true);
    const bucketPolicy = Object.values(template.findResources('AWS::S3::BucketPolicy'))[0] as any;
    expect(bucketPolicy.Properties.PolicyDocument.Statement.some((st: any) => st.Effect === 'Allow' &&
      JSON.stringify(st.Principal).includes(other))).toBe(true);
  });

  test('Lambda readers and writers: each role has the KMS actions it needs; readers cannot encrypt', () => {
    const s = stack();
    const { bucket, reader, writer } = lambdaReadersAndWriters.call(s);
    const template = Template.fromStack(s);
    const keyArn = { 'Fn::GetAtt': [s.getLogicalId(bucket.encryptionKey!.node.defaultChild as kms.CfnKey), 'Arn'] };
    const kmsActions = (fn: lambda.Function) => roleStatements(template, s.getLogicalId(fn.role!.node.defaultChild as iam.CfnRole))
      .filter((st) => JSON.stringify(st.Resource) === JSON.stringify(keyArn)).flatMap((st) => [st.Action].flat());
    expect(kmsActions(reader)).toContain('kms:Decrypt');
    expect(kmsActions(reader).filter((a) => /GenerateDataKey|Encrypt/.test(a))).toEqual([]);
    expect(kmsActions(writer)).toEqual(expect.arrayContaining(['kms:GenerateDataKey*', 'kms:Decrypt']));
    // The runtime is a current one: synthesis warns about nothing.
    expect(Annotations.fromStack(s).findWarning('*', Match.anyValue())).toEqual([]);
  });
});

describe('the README shows each recipe exactly', () => {
  const source = fs.readFileSync(__filename, 'utf8');
  const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
  const recipes = [...source.matchAll(/^( *)\/\/ recipe:([a-z-]+)\n([\s\S]*?)^ *\/\/ end-recipe$/gm)];

  test('there are seven recipes', () => {
    expect(recipes.map((m) => m[2])).toEqual([
      'cloudfront', 'deployment-default', 'deployment-strict', 'replication', 'replication-cross-region', 'cross-account', 'lambda',
    ]);
  });

  test.each(recipes.map((m) => [m[2], m[1], m[3]]))('%s', (_name, indent, body) => {
    const snippet = body.split('\n').map((line) => line.startsWith(indent) ? line.slice(indent.length) : line).join('\n').trimEnd();
    expect(readme).toContain('```ts\n' + snippet + '\n```');
  });
});
