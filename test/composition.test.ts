import { Annotations as CoreAnnotations, App, Lazy, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { EncryptedBucket, EncryptedBucketProps, EncryptionKey, EncryptionValidationError, ServerSideEncryption } from '../lib';
import { newStack } from './util';

const ACCOUNT = '111122223333';
const OTHER_ACCOUNT = '444455556666';
const env = { account: ACCOUNT, region: 'eu-west-1' };
const KEY_ID = '1234abcd-12ab-34cd-56ef-1234567890ab';

function synth(stack: Stack): Template {
  return Template.fromStack(stack);
}


/** The replication configuration of the only bucket in the template that has one. */
function replicationOf(template: Template): any {
  const buckets = Object.values(template.findResources('AWS::S3::Bucket'))
    .filter((b: any) => b.Properties.ReplicationConfiguration);
  expect(buckets).toHaveLength(1);
  return buckets[0].Properties.ReplicationConfiguration;
}

/** Every action the role's inline policies allow on a resource that contains this logical id. */
function roleActionsOn(template: Template, id: string): string[] {
  const actions: string[] = [];
  for (const policy of Object.values(template.findResources('AWS::IAM::Policy'))) {
    for (const s of (policy as any).Properties.PolicyDocument.Statement) {
      if (s.Effect === 'Allow' && JSON.stringify(s.Resource).includes(`"${id}"`)) {
        actions.push(...[s.Action].flat());
      }
    }
  }
  return actions;
}

describe('1. replication', () => {
  test.each([
    ['kms', () => ServerSideEncryption.kms(), () => ServerSideEncryption.kms()],
    ['kmsManaged', () => ServerSideEncryption.kmsManaged(), () => ServerSideEncryption.kms()],
    ['dsseKms', () => ServerSideEncryption.dsseKms(), () => ServerSideEncryption.dsseKms()],
  ])('%s source into an EncryptedBucket: SSE-KMS objects are selected, the replica key is the destination key, the role may use both keys', (_, sourceSse, dest) => {
    // GIVEN
    const stack = newStack({ env });
    const destination = new EncryptedBucket(stack, 'Replica', { serverSideEncryption: dest() });
    // WHEN
    const bucket = new EncryptedBucket(stack, 'Source', {
      serverSideEncryption: sourceSse(),
      replicationRules: [{ destination }],
    });
    // THEN
    const template = synth(stack);
    const config = replicationOf(template);
    const destKeyId = stack.getLogicalId(destination.encryptionKey!.node.defaultChild as kms.CfnKey);
    expect(config.Rules).toHaveLength(1);
    expect(config.Rules[0].SourceSelectionCriteria).toEqual({ SseKmsEncryptedObjects: { Status: 'Enabled' } });
    expect(config.Rules[0].Destination.EncryptionConfiguration).toEqual({ ReplicaKmsKeyID: { 'Fn::GetAtt': [destKeyId, 'Arn'] } });
    // S3 writes replicas with the destination key: the role needs to encrypt with it ...
    expect(roleActionsOn(template, destKeyId)).toEqual(expect.arrayContaining(['kms:Encrypt', 'kms:GenerateDataKey*']));
    // ... and to decrypt the source objects (an AWS managed key needs no IAM permission).
    if (bucket.encryptionKey) {
      const sourceKeyId = stack.getLogicalId(bucket.encryptionKey.node.defaultChild as kms.CfnKey);
      expect(roleActionsOn(template, sourceKeyId)).toContain('kms:Decrypt');
    }
  });

  test('a user-given replica key that is the destination key is kept', () => {
    const stack = newStack({ env });
    const key = new EncryptionKey(stack, 'Key');
    const destination = new EncryptedBucket(stack, 'Replica', { serverSideEncryption: ServerSideEncryption.kms({ key }) });
    new EncryptedBucket(stack, 'Source', { replicationRules: [{ destination, kmsKey: key }] });
    expect(replicationOf(synth(stack)).Rules[0].Destination.EncryptionConfiguration.ReplicaKmsKeyID)
      .toEqual({ 'Fn::GetAtt': [stack.getLogicalId(key.node.defaultChild as kms.CfnKey), 'Arn'] });
  });

  test('into a bucket that is not an EncryptedBucket, with kmsKey: accepted and completed', () => {
    const stack = newStack({ env });
    const key = new kms.Key(stack, 'PlainKey');
    const destination = new s3.Bucket(stack, 'Plain', { versioned: true, encryptionKey: key });
    new EncryptedBucket(stack, 'Source', { replicationRules: [{ destination, kmsKey: key }] });
    const rule = replicationOf(synth(stack)).Rules[0];
    expect(rule.SourceSelectionCriteria.SseKmsEncryptedObjects.Status).toBe('Enabled');
  });

  test('SSE-S3 into SSE-S3: the rule is left as it is', () => {
    const stack = newStack({ env });
    const destination = new EncryptedBucket(stack, 'Replica', { serverSideEncryption: ServerSideEncryption.s3Managed() });
    new EncryptedBucket(stack, 'Source', { serverSideEncryption: ServerSideEncryption.s3Managed(), replicationRules: [{ destination }] });
    const rule = replicationOf(synth(stack)).Rules[0];
    expect(rule.SourceSelectionCriteria).toBeUndefined();
    expect(rule.Destination.EncryptionConfiguration).toBeUndefined();
  });

  function source(props: EncryptedBucketProps, stack = newStack({ env })) {
    return () => new EncryptedBucket(stack, 'Source', props);
  }

  test('fails when the destination is not an EncryptedBucket and no kmsKey is given', () => {
    const stack = newStack({ env });
    const destination = new s3.Bucket(stack, 'Plain', { versioned: true });
    expect(source({ replicationRules: [{ destination }] }, stack)).toThrow(EncryptionValidationError);
    expect(source({ replicationRules: [{ destination }] }, stack))
      .toThrow(/^EncryptedBucket 'TestStack\/Source': replicationRules\[0\] has no kmsKey, and the destination 'TestStack\/Plain' is not an EncryptedBucket.*Pass kmsKey/);
  });

  test('fails when sseKmsEncryptedObjects is false', () => {
    const stack = newStack({ env });
    const destination = new EncryptedBucket(stack, 'Replica');
    expect(source({ replicationRules: [{ destination, sseKmsEncryptedObjects: false }] }, stack))
      .toThrow(/replicationRules\[0\]\.sseKmsEncryptedObjects cannot be false in mode KMS \(got false\).*Remove sseKmsEncryptedObjects/);
  });

  test.each([
    ['kms into s3Managed', () => ServerSideEncryption.kms(), () => ServerSideEncryption.s3Managed(), /mode S3_MANAGED\), but replicas of this KMS bucket/],
    ['kms into kmsManaged', () => ServerSideEncryption.kms(), () => ServerSideEncryption.kmsManaged(), /mode KMS_MANAGED\), but replicas/],
    ['kms into dsseKms', () => ServerSideEncryption.kms(), () => ServerSideEncryption.dsseKms(), /mode DSSE_KMS\), but replicas of this KMS bucket are written with aws:kms/],
    ['dsseKms into kms', () => ServerSideEncryption.dsseKms(), () => ServerSideEncryption.kms(), /replicas of this DSSE_KMS bucket are written with aws:kms:dsse.*dsseKms\(\)/],
    ['s3Managed into kms', () => ServerSideEncryption.s3Managed(), () => ServerSideEncryption.kms(), /mode KMS\), but this bucket is in mode S3_MANAGED/],
    ['customerProvided into s3Managed', () => ServerSideEncryption.customerProvided(), () => ServerSideEncryption.s3Managed(), /but this bucket is in mode CUSTOMER_PROVIDED/],
  ])('fails for %s: the replica keeps the source encryption, which the destination refuses', (_, src, dest, message) => {
    const stack = newStack({ env });
    const destination = new EncryptedBucket(stack, 'Replica', { serverSideEncryption: dest() });
    expect(source({ serverSideEncryption: src(), replicationRules: [{ destination }] }, stack)).toThrow(message);
  });

  test('fails when kmsKey is another key than the destination EncryptedBucket\'s', () => {
    const stack = newStack({ env });
    const destination = new EncryptedBucket(stack, 'Replica');
    const other = new EncryptionKey(stack, 'Other');
    expect(source({ replicationRules: [{ destination, kmsKey: other }] }, stack))
      .toThrow(/replicationRules\[0\]\.kmsKey is the key 'TestStack\/Other', but the destination EncryptedBucket 'TestStack\/Replica' encrypts with the key 'TestStack\/Replica\/Key'/);
  });

  test('fails when kmsKey is in another region than the destination bucket', () => {
    const stack = newStack({ env });
    const destination = s3.Bucket.fromBucketAttributes(stack, 'Far', { bucketName: 'far-replica', region: 'us-east-1', account: ACCOUNT });
    const key = kms.Key.fromKeyArn(stack, 'Key', `arn:aws:kms:eu-west-1:${ACCOUNT}:key/${KEY_ID}`);
    expect(source({ replicationRules: [{ destination, kmsKey: key }] }, stack))
      .toThrow(/replicationRules\[0\]\.kmsKey is in region eu-west-1, but the destination bucket is in us-east-1/);
  });

  test('cross-region: a destination EncryptedBucket in another region\'s stack', () => {
    const app = new App();
    const replicaStack = new Stack(app, 'Replica', { env: { account: ACCOUNT, region: 'us-east-1' } });
    const sourceStack = new Stack(app, 'Source', { env, crossRegionReferences: true });
    const destination = new EncryptedBucket(replicaStack, 'Replica', { bucketName: 'replica-bucket-111122223333' });
    new EncryptedBucket(sourceStack, 'Source', { replicationRules: [{ destination }] });
    const rule = replicationOf(Template.fromStack(sourceStack)).Rules[0];
    expect(rule.SourceSelectionCriteria.SseKmsEncryptedObjects.Status).toBe('Enabled');
    expect(rule.Destination.EncryptionConfiguration.ReplicaKmsKeyID).toBeDefined();
  });
});

describe('2. the AWS managed key where another principal must decrypt', () => {
  test('kmsManaged + grantRead to another account fails at synth', () => {
    const stack = newStack({ env });
    const bucket = new EncryptedBucket(stack, 'Bucket', { serverSideEncryption: ServerSideEncryption.kmsManaged() });
    bucket.grantRead(new iam.AccountPrincipal(OTHER_ACCOUNT));
    expect(() => synth(stack)).toThrow(EncryptionValidationError);
    expect(() => synth(stack)).toThrow(/EncryptedBucket 'TestStack\/Bucket': the bucket policy allows account 444455556666 .*kmsManaged\(\).*Use ServerSideEncryption.kms\(\)/);
  });

  test('kmsManaged + grantRead to an imported role of another account fails at synth', () => {
    const stack = newStack({ env });
    const bucket = new EncryptedBucket(stack, 'Bucket', { serverSideEncryption: ServerSideEncryption.kmsManaged() });
    bucket.grantRead(iam.Role.fromRoleArn(stack, 'Reader', `arn:aws:iam::${OTHER_ACCOUNT}:role/reader`));
    expect(() => synth(stack)).toThrow(/allows account 444455556666/);
  });

  test('kmsManaged + grantRead to a role of the same account works', () => {
    const stack = newStack({ env });
    const bucket = new EncryptedBucket(stack, 'Bucket', { serverSideEncryption: ServerSideEncryption.kmsManaged() });
    bucket.grantRead(new iam.Role(stack, 'Reader', { assumedBy: new iam.AccountRootPrincipal() }));
    bucket.grantRead(new iam.AccountPrincipal(ACCOUNT));
    expect(() => synth(stack)).not.toThrow();
  });

  test('kmsManaged in an environment-agnostic stack + an account principal: an acknowledgeable warning', () => {
    const stack = newStack();
    const bucket = new EncryptedBucket(stack, 'Bucket', { serverSideEncryption: ServerSideEncryption.kmsManaged() });
    bucket.grantRead(new iam.AccountPrincipal(OTHER_ACCOUNT));
    Annotations.fromStack(stack).hasWarning('/TestStack/Bucket',
      Match.stringLikeRegexp('allows account 444455556666 .*acknowledgeWarning\\(\'@cdk-s3-encryption/bucket:awsManagedKeyShared\'\\)'));

    const acked = newStack();
    const b2 = new EncryptedBucket(acked, 'Bucket', { serverSideEncryption: ServerSideEncryption.kmsManaged() });
    b2.grantRead(new iam.AccountPrincipal(OTHER_ACCOUNT));
    CoreAnnotations.of(b2).acknowledgeWarning('@cdk-s3-encryption/bucket:awsManagedKeyShared');
    Annotations.fromStack(acked).hasNoWarning('*', Match.anyValue());
  });

  test('kms() + grantRead to another account works: the key policy names that account', () => {
    const stack = newStack({ env });
    const bucket = new EncryptedBucket(stack, 'Bucket');
    bucket.grantRead(new iam.AccountPrincipal(OTHER_ACCOUNT));
    const template = synth(stack);
    const keyPolicy = Object.values(template.findResources('AWS::KMS::Key'))[0].Properties.KeyPolicy.Statement;
    const otherAccount = { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${OTHER_ACCOUNT}:root`]] } };
    expect(keyPolicy.filter((st: any) => st.Effect === 'Allow' && [st.Action].flat().includes('kms:Decrypt') &&
      JSON.stringify(st.Principal) === JSON.stringify(otherAccount))).toHaveLength(1);
  });

  function distribution(stack: Stack, bucket: s3.IBucket, oai = false) {
    new cloudfront.Distribution(stack, 'Cdn', {
      defaultBehavior: {
        origin: oai ? origins.S3BucketOrigin.withOriginAccessIdentity(bucket) : origins.S3BucketOrigin.withOriginAccessControl(bucket),
      },
    });
  }

  test('kmsManaged + CloudFront origin access control fails at synth', () => {
    const stack = newStack({ env });
    distribution(stack, new EncryptedBucket(stack, 'Bucket', { serverSideEncryption: ServerSideEncryption.kmsManaged() }));
    expect(() => synth(stack)).toThrow(/EncryptedBucket 'TestStack\/Bucket': CloudFront is allowed to read the objects.*kmsManaged\(\).*Use ServerSideEncryption.kms\(\)/);
  });

  test('customerProvided + CloudFront fails at synth', () => {
    const stack = newStack({ env });
    distribution(stack, new EncryptedBucket(stack, 'Bucket', { serverSideEncryption: ServerSideEncryption.customerProvided() }));
    expect(() => synth(stack)).toThrow(/CloudFront cannot send the SSE-C key/);
  });

  test('kms() + a legacy origin access identity fails at synth', () => {
    const stack = newStack({ env });
    distribution(stack, new EncryptedBucket(stack, 'Bucket'), true);
    expect(() => synth(stack)).toThrow(/an origin access identity cannot use KMS keys.*withOriginAccessControl/);
  });

  test.each([
    ['kms', () => ServerSideEncryption.kms()],
    ['s3Managed', () => ServerSideEncryption.s3Managed()],
  ])('%s + CloudFront origin access control works', (_, sse) => {
    const stack = newStack({ env });
    distribution(stack, new EncryptedBucket(stack, 'Bucket', { serverSideEncryption: sse() }));
    expect(() => synth(stack)).not.toThrow();
  });
});

describe('3. BucketDeployment', () => {
  function deploy(bucketProps: EncryptedBucketProps, deployProps: (b: EncryptedBucket) => Partial<s3deploy.BucketDeploymentProps> = () => ({})) {
    const stack = newStack({ env });
    const bucket = new EncryptedBucket(stack, 'Site', bucketProps);
    new s3deploy.BucketDeployment(stack, 'Deploy', {
      sources: [s3deploy.Source.data('index.html', '<h1>hello</h1>')],
      destinationBucket: bucket,
      ...deployProps(bucket),
    });
    return () => synth(stack);
  }

  test('default mode, no SSE props: accepted (the bucket default applies)', () => {
    expect(deploy({})).not.toThrow();
  });

  test('strict mode without SSE props fails at synth, naming the props that work', () => {
    const run = deploy({ requireEncryptionHeaders: true });
    expect(run).toThrow(EncryptionValidationError);
    expect(run).toThrow(/EncryptedBucket 'TestStack\/Site': the BucketDeployment 'TestStack\/Deploy' sends no x-amz-server-side-encryption header .*requireEncryptionHeaders is true.*serverSideEncryption: s3deploy.ServerSideEncryption.AWS_KMS and serverSideEncryptionAwsKmsKeyId: bucket.encryptionKey!.keyArn/);
  });

  test('strict kms with AWS_KMS and the full key ARN: accepted', () => {
    expect(deploy({ requireEncryptionHeaders: true }, (b) => ({
      serverSideEncryption: s3deploy.ServerSideEncryption.AWS_KMS,
      serverSideEncryptionAwsKmsKeyId: b.encryptionKey!.keyArn,
    }))).not.toThrow();
  });

  test('kms with the key id instead of the ARN fails', () => {
    expect(deploy({}, (b) => ({
      serverSideEncryption: s3deploy.ServerSideEncryption.AWS_KMS,
      serverSideEncryptionAwsKmsKeyId: b.encryptionKey!.keyId,
    }))).toThrow(/names the key .* which is not the full ARN of the bucket's key/);
  });

  test('kms with AWS_KMS and no key id fails', () => {
    expect(deploy({}, () => ({ serverSideEncryption: s3deploy.ServerSideEncryption.AWS_KMS })))
      .toThrow(/without a key id .*DenyMissingEncryptionKeyId/);
  });

  test('kms with AES_256 fails', () => {
    expect(deploy({}, () => ({ serverSideEncryption: s3deploy.ServerSideEncryption.AES_256 })))
      .toThrow(/sends x-amz-server-side-encryption "AES256" .*accepts only aws:kms/);
  });

  test('strict s3Managed with AES_256: accepted', () => {
    expect(deploy({ serverSideEncryption: ServerSideEncryption.s3Managed(), requireEncryptionHeaders: true },
      () => ({ serverSideEncryption: s3deploy.ServerSideEncryption.AES_256 }))).not.toThrow();
  });

  test('strict dsseKms with AWS_KMS_DSSE and the key ARN: accepted', () => {
    expect(deploy({ serverSideEncryption: ServerSideEncryption.dsseKms(), requireEncryptionHeaders: true }, (b) => ({
      serverSideEncryption: s3deploy.ServerSideEncryption.AWS_KMS_DSSE,
      serverSideEncryptionAwsKmsKeyId: b.encryptionKey!.keyArn,
    }))).not.toThrow();
  });

  test('kmsManaged with a key id fails', () => {
    const stack = newStack({ env });
    const bucket = new EncryptedBucket(stack, 'Site', { serverSideEncryption: ServerSideEncryption.kmsManaged() });
    new s3deploy.BucketDeployment(stack, 'Deploy', {
      sources: [s3deploy.Source.data('a.txt', 'a')],
      destinationBucket: bucket,
      serverSideEncryption: s3deploy.ServerSideEncryption.AWS_KMS,
      serverSideEncryptionAwsKmsKeyId: `arn:aws:kms:eu-west-1:${ACCOUNT}:key/${KEY_ID}`,
    });
    expect(() => synth(stack)).toThrow(/accepts only the AWS managed key aws\/s3/);
  });

  test('customerProvided fails', () => {
    expect(deploy({ serverSideEncryption: ServerSideEncryption.customerProvided() })).toThrow(/BucketDeployment cannot send them/);
  });

  test('a deployment into another bucket is not this bucket\'s concern', () => {
    const stack = newStack({ env });
    new EncryptedBucket(stack, 'Strict', { requireEncryptionHeaders: true });
    new s3deploy.BucketDeployment(stack, 'Deploy', {
      sources: [s3deploy.Source.data('a.txt', 'a')],
      destinationBucket: new EncryptedBucket(stack, 'Other'),
    });
    expect(() => synth(stack)).not.toThrow();
  });

  test('a deployment from another stack into a strict bucket fails too', () => {
    const app = new App();
    const data = new Stack(app, 'Data', { env });
    const site = new Stack(app, 'Site', { env });
    const bucket = new EncryptedBucket(data, 'Strict', { requireEncryptionHeaders: true });
    new s3deploy.BucketDeployment(site, 'Deploy', { sources: [s3deploy.Source.data('a.txt', 'a')], destinationBucket: bucket });
    expect(() => app.synth()).toThrow(/the BucketDeployment 'Site\/Deploy' sends no x-amz-server-side-encryption header/);
  });
});

describe('4. server access log targets', () => {
  function logInto(target: EncryptedBucketProps, self = false) {
    const stack = newStack({ env });
    if (self) {
      new EncryptedBucket(stack, 'Logs', { ...target, serverAccessLogsPrefix: 'self/' });
    } else {
      const logs = new EncryptedBucket(stack, 'Logs', target);
      new EncryptedBucket(stack, 'Data', { serverAccessLogsBucket: logs });
    }
    return stack;
  }

  test('an SSE-S3 target: no finding', () => {
    const stack = logInto({ serverSideEncryption: ServerSideEncryption.s3Managed() });
    expect(() => synth(stack)).not.toThrow();
    Annotations.fromStack(stack).hasNoWarning('*', Match.anyValue());
  });

  test.each([
    ['strict mode', { serverSideEncryption: ServerSideEncryption.s3Managed(), requireEncryptionHeaders: true }, /requireEncryptionHeaders is true: log delivery sends no encryption header/],
    ['customerProvided', { serverSideEncryption: ServerSideEncryption.customerProvided() }, /customerProvided\(\) bucket, whose policy denies every upload without SSE-C headers/],
    ['kmsManaged', { serverSideEncryption: ServerSideEncryption.kmsManaged() }, /cannot use the AWS managed key aws\/s3/],
  ])('a %s target fails at synth', (_, target, message) => {
    const stack = logInto(target);
    expect(() => synth(stack)).toThrow(EncryptionValidationError);
    expect(() => synth(stack)).toThrow(new RegExp(`^EncryptedBucket 'TestStack/Logs' receives S3 server access logs from 'TestStack/Data', .*${message.source}.*serverAccessLogsBucket`, 's'));
  });

  test('self-logging into a strict bucket fails at synth', () => {
    const stack = logInto({ requireEncryptionHeaders: true, serverSideEncryption: ServerSideEncryption.s3Managed() }, true);
    expect(() => synth(stack)).toThrow(/'TestStack\/Logs' receives S3 server access logs from itself, but requireEncryptionHeaders is true/);
  });

  test('self-logging in a customer managed key bucket: the warning', () => {
    const stack = logInto({}, true);
    Annotations.fromStack(stack).hasWarning('/TestStack/Logs', Match.stringLikeRegexp('receives S3 server access logs from itself'));
  });

  test.each([
    ['kms', () => ServerSideEncryption.kms()],
    ['dsseKms', () => ServerSideEncryption.dsseKms()],
  ])('a %s target: an acknowledgeable warning, and aws-cdk-lib grants logging.s3.amazonaws.com in the key policy', (_, sse) => {
    const stack = logInto({ serverSideEncryption: sse() });
    Annotations.fromStack(stack).hasWarning('/TestStack/Logs', Match.stringLikeRegexp(
      'AWS documents only SSE-S3 for server access log targets.*@cdk-s3-encryption/bucket:accessLogTargetKms'));
    const keyPolicy = Object.values(Template.fromStack(stack).findResources('AWS::KMS::Key'))[0].Properties.KeyPolicy.Statement;
    expect(keyPolicy.some((s: any) => s.Principal?.Service === 'logging.s3.amazonaws.com')).toBe(true);

    const acked = logInto({ serverSideEncryption: sse() });
    CoreAnnotations.of(acked.node.findChild('Logs')).acknowledgeWarning('@cdk-s3-encryption/bucket:accessLogTargetKms');
    Annotations.fromStack(acked).hasNoWarning('*', Match.anyValue());
  });

  test('an L1 loggingConfiguration (as in the reference stack) into a strict bucket fails', () => {
    const stack = newStack({ env });
    const logs = new EncryptedBucket(stack, 'Logs', { serverSideEncryption: ServerSideEncryption.s3Managed(), requireEncryptionHeaders: true });
    const data = new EncryptedBucket(stack, 'Data');
    (data.node.defaultChild as s3.CfnBucket).loggingConfiguration = { destinationBucketName: logs.bucketName };
    expect(() => synth(stack)).toThrow(/receives S3 server access logs from 'TestStack\/Data', but requireEncryptionHeaders is true/);
  });
});

describe('5. settings that cannot work with the bucket policy', () => {
  test.each([
    ['websiteIndexDocument', { websiteIndexDocument: 'index.html' }],
    ['websiteErrorDocument', { websiteErrorDocument: 'error.html' }],
    ['websiteRedirect', { websiteRedirect: { hostName: 'example.com' } }],
    ['websiteRoutingRules', { websiteRoutingRules: [{ hostName: 'example.com' }] }],
  ])('fails for %s', (prop, props) => {
    const stack = newStack({ env });
    expect(() => new EncryptedBucket(stack, 'Site', props as EncryptedBucketProps))
      .toThrow(new RegExp(`^EncryptedBucket 'TestStack/Site': ${prop} cannot be set \\(got .*\\): S3 website endpoints serve plain HTTP only.*withOriginAccessControl`));
  });

  test.each([
    ['kms', () => ServerSideEncryption.kms()],
    ['kmsManaged', () => ServerSideEncryption.kmsManaged()],
    ['dsseKms', () => ServerSideEncryption.dsseKms()],
  ])('fails for publicReadAccess in mode %s', (_, sse) => {
    const stack = newStack({ env });
    expect(() => new EncryptedBucket(stack, 'Public', {
      serverSideEncryption: sse(), publicReadAccess: true, blockPublicAccess: s3.BlockPublicAccess.BLOCK_ACLS_ONLY,
    })).toThrow(/publicReadAccess cannot be true in mode .* \(got true\): anonymous requests cannot use a KMS key/);
  });

  test('publicReadAccess on an SSE-S3 bucket is left to aws-cdk-lib', () => {
    const stack = newStack({ env });
    expect(() => new EncryptedBucket(stack, 'Public', {
      serverSideEncryption: ServerSideEncryption.s3Managed(), publicReadAccess: true, blockPublicAccess: s3.BlockPublicAccess.BLOCK_ACLS_ONLY,
    })).not.toThrow();
  });

  test('grantPublicAccess on a KMS bucket fails at synth', () => {
    const stack = newStack({ env });
    const bucket = new EncryptedBucket(stack, 'Public', { blockPublicAccess: s3.BlockPublicAccess.BLOCK_ACLS_ONLY });
    bucket.grantPublicAccess();
    expect(() => synth(stack)).toThrow(/allows anyone to use the objects.*anonymous requests cannot use a KMS key/);
  });
});

describe('6. keys named in a way the policy cannot match', () => {
  test('a key ARN of another partition than the stack\'s fails', () => {
    const stack = newStack({ env: { account: ACCOUNT, region: 'cn-north-1' } });
    const key = kms.Key.fromKeyArn(stack, 'Key', `arn:aws:kms:cn-north-1:${ACCOUNT}:key/${KEY_ID}`);
    expect(() => new EncryptedBucket(stack, 'Bucket', { serverSideEncryption: ServerSideEncryption.kms({ key }) }))
      .toThrow(/^EncryptedBucket 'TestStack\/Bucket': the key of serverSideEncryption is in partition aws .*partition aws-cn.*arn:aws-cn:kms:cn-north-1:/);
  });

  test('a key ARN of the stack\'s partition is accepted', () => {
    const stack = newStack({ env: { account: ACCOUNT, region: 'cn-north-1' } });
    const key = kms.Key.fromKeyArn(stack, 'Key', `arn:aws-cn:kms:cn-north-1:${ACCOUNT}:key/${KEY_ID}`);
    expect(() => new EncryptedBucket(stack, 'Bucket', { serverSideEncryption: ServerSideEncryption.kms({ key }) })).not.toThrow();
  });

  test('a key "ARN" token that resolves to a bare key id at synth fails at synth', () => {
    const stack = newStack({ env });
    const key = kms.Key.fromKeyArn(stack, 'Key', Lazy.string({ produce: () => KEY_ID }));
    new EncryptedBucket(stack, 'Bucket', { serverSideEncryption: ServerSideEncryption.kms({ key }) });
    expect(() => synth(stack)).toThrow(EncryptionValidationError);
    expect(() => synth(stack)).toThrow(/must be named by its full key ARN \(got "1234abcd-12ab-34cd-56ef-1234567890ab"\)/);
  });

  test('a key ARN token that resolves to another partition at synth fails at synth', () => {
    const stack = newStack({ env });
    const key = kms.Key.fromKeyArn(stack, 'Key', Lazy.string({ produce: () => `arn:aws-cn:kms:eu-west-1:${ACCOUNT}:key/${KEY_ID}` }));
    new EncryptedBucket(stack, 'Bucket', { serverSideEncryption: ServerSideEncryption.kms({ key }) });
    expect(() => synth(stack)).toThrow(/is in partition aws-cn/);
  });
});

describe('8. when the key policy grows (docs/composition.md: When the key policy grows)', () => {
  function keyStatements(stack: Stack, key: kms.IKey): any[] {
    const id = stack.getLogicalId(key.node.defaultChild as kms.CfnKey);
    return Template.fromStack(stack).toJSON().Resources[id].Properties.KeyPolicy.Statement;
  }
  const BASE = 2; // the account, and DenyGrantsNotForAwsResources

  test('same-account grants, in any number, leave it as it is', () => {
    const stack = newStack({ env });
    const bucket = new EncryptedBucket(stack, 'Bucket');
    bucket.grantRead(new iam.Role(stack, 'Reader', { assumedBy: new iam.AccountRootPrincipal() }));
    bucket.grantReadWrite(new iam.Role(stack, 'Writer', { assumedBy: new iam.AccountRootPrincipal() }));
    new EncryptedBucket(stack, 'Other', { serverSideEncryption: ServerSideEncryption.kms({ key: bucket.encryptionKey }) });
    expect(keyStatements(stack, bucket.encryptionKey!)).toHaveLength(BASE);
  });

  test('a cross-account grant adds the statements for that account: the key actions, and kms:DescribeKey apart', () => {
    const stack = newStack({ env });
    const bucket = new EncryptedBucket(stack, 'Bucket');
    bucket.grantRead(new iam.AccountPrincipal(OTHER_ACCOUNT));
    const added = keyStatements(stack, bucket.encryptionKey!).slice(BASE);
    expect(added.map((st: any) => st.Action)).toEqual(['kms:Decrypt', 'kms:DescribeKey']);
    for (const statement of added) {
      expect(JSON.stringify(statement.Principal)).toContain(`:iam::${OTHER_ACCOUNT}:root`);
    }
  });

  test('CloudFront origin access control adds one kms:Decrypt statement for the account\'s distributions', () => {
    const stack = newStack({ env });
    const bucket = new EncryptedBucket(stack, 'Bucket');
    new cloudfront.Distribution(stack, 'Cdn', { defaultBehavior: { origin: origins.S3BucketOrigin.withOriginAccessControl(bucket) } });
    const added = keyStatements(stack, bucket.encryptionKey!).slice(BASE);
    expect(added).toEqual([{
      Effect: 'Allow', Action: 'kms:Decrypt', Principal: { Service: 'cloudfront.amazonaws.com' }, Resource: '*',
      Condition: { ArnLike: { 'AWS:SourceArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':cloudfront::', { Ref: 'AWS::AccountId' }, ':distribution/*']] } } },
    }]);
  });

  test('a log target named in serverAccessLogsBucket adds one unconditioned statement for logging.s3.amazonaws.com', () => {
    const stack = newStack({ env });
    const logs = new EncryptedBucket(stack, 'Logs');
    new EncryptedBucket(stack, 'Data', { serverSideEncryption: ServerSideEncryption.s3Managed(), serverAccessLogsBucket: logs });
    const added = keyStatements(stack, logs.encryptionKey!).slice(BASE);
    expect(added).toEqual([{
      Effect: 'Allow', Action: ['kms:Decrypt', 'kms:Encrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*'],
      Principal: { Service: 'logging.s3.amazonaws.com' }, Resource: '*',
    }]);
  });

  test('replication into a bucket of another account adds one statement for the replication role to the destination key', () => {
    const app = new App();
    const source = new Stack(app, 'Source', { env });
    const other = new Stack(app, 'Other', { env: { account: OTHER_ACCOUNT, region: 'eu-west-1' } });
    const destination = new EncryptedBucket(other, 'Replica', { bucketName: 'replica-444455556666' });
    new EncryptedBucket(source, 'Data', { replicationRules: [{ destination }] });
    const added = keyStatements(other, destination.encryptionKey!).slice(BASE);
    expect(added).toHaveLength(1);
    expect(added[0].Action).toEqual(expect.arrayContaining(['kms:Encrypt', 'kms:GenerateDataKey*']));
    expect(JSON.stringify(added[0].Principal)).toContain(`:iam::${ACCOUNT}:role/`);
  });
});
