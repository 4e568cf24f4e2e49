/**
 * Compositions proven as deployed: each test writes down the calls that a client or an AWS service
 * makes (test/policy-eval/REQUEST-CONTEXT.md, "Request chains", names the AWS document behind each)
 * and evaluates every call against every policy that decides it (test/policy-eval/chain.ts). A
 * chain holds only if every call is allowed under every reading; the negatives beside each must be
 * denied under every reading. Each configuration is synthesized once, at module scope.
 */
import { Annotations as CoreAnnotations, App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { EncryptedBucket, EncryptionKey, ServerSideEncryption } from '../lib';
import { CLOUDFRONT_HTTP_VIEWER_WARNING } from '../lib/private/composition';
import { allowedUnder, Chain, chainFailures, ChainCall, directKmsContext, kmsViaS3Context, READINGS, s3Context } from './policy-eval/chain';
import type { PolicyDocument } from './policy-eval/evaluate';
import { bucketPolicyOf, identityPoliciesOf, PrincipalUnderTest } from './policy-eval/fixture';
import { CfnTemplate, OTHER_ACCOUNT, TemplateResolver, TEST_ACCOUNT, TEST_ENV, TEST_REGION, TestEnvironment } from './policy-eval/resolve';

/** What a chain needs of a synthesized stack. */
class Synthesized {
  public readonly resolver: TemplateResolver;
  /** Synthesizes the stack; the resolver gives its pseudo parameters the values of `env`. */
  constructor(public readonly stack: Stack, env: TestEnvironment = TEST_ENV) {
    this.resolver = new TemplateResolver(Template.fromStack(stack).toJSON() as CfnTemplate, env);
  }
  public bucketArn(bucket: s3.IBucket): string {
    return this.resolver.attribute(this.stack.getLogicalId(bucket.node.defaultChild as s3.CfnBucket), 'Arn');
  }
  public bucketPolicy(bucket: s3.IBucket): PolicyDocument {
    return bucketPolicyOf(this.resolver, this.stack.getLogicalId(bucket.node.defaultChild as s3.CfnBucket));
  }
  public keyArn(key: kms.IKey): string {
    return this.resolver.attribute(this.stack.getLogicalId(key.node.defaultChild as kms.CfnKey), 'Arn');
  }
  public keyPolicy(key: kms.IKey): PolicyDocument {
    const id = this.stack.getLogicalId(key.node.defaultChild as kms.CfnKey);
    return this.resolver.resolve(this.resolver.resource(id, 'AWS::KMS::Key').Properties!.KeyPolicy);
  }
  public role(role: iam.IRole): PrincipalUnderTest {
    const id = this.stack.getLogicalId(role.node.defaultChild as iam.CfnRole);
    return { arn: this.resolver.attribute(id, 'Arn'), identity: identityPoliciesOf(this.resolver, id) };
  }
}

const OBJECT = 'reports/2026/data.csv';

// ---------------------------------------------------------------------------------------------
// Lambda readers and writers (the README recipe)
// ---------------------------------------------------------------------------------------------

const lambdaApp = (() => {
  const stack = new Stack(new App(), 'LambdaChains');
  const bucket = new EncryptedBucket(stack, 'Data');
  const neighbour = new EncryptedBucket(stack, 'Neighbour');
  const code = lambda.Code.fromInline('exports.handler = async () => {};');
  const fn = (id: string) => new lambda.Function(stack, id, { runtime: lambda.Runtime.NODEJS_20_X, handler: 'index.handler', code });
  const reader = fn('Reader');
  const writer = fn('Writer');
  bucket.grantRead(reader);
  bucket.grantWrite(writer);
  const s = new Synthesized(stack);
  return {
    bucketArn: s.bucketArn(bucket), bucketPolicy: s.bucketPolicy(bucket),
    keyArn: s.keyArn(bucket.encryptionKey!), keyPolicy: s.keyPolicy(bucket.encryptionKey!),
    neighbourArn: s.bucketArn(neighbour), neighbourPolicy: s.bucketPolicy(neighbour),
    neighbourKeyArn: s.keyArn(neighbour.encryptionKey!), neighbourKeyPolicy: s.keyPolicy(neighbour.encryptionKey!),
    reader: s.role(reader.role!), writer: s.role(writer.role!),
  };
})();

function lambdaCalls(role: PrincipalUnderTest, target: 'bucket' | 'neighbour' = 'bucket') {
  const a = lambdaApp;
  const bucketArn = target === 'bucket' ? a.bucketArn : a.neighbourArn;
  const keyArn = target === 'bucket' ? a.keyArn : a.neighbourKeyArn;
  const kmsContext = kmsViaS3Context({ bucketArn, object: OBJECT, bucketKeys: true });
  const base = { principal: role.arn, identity: role.identity, resourceAccount: TEST_ACCOUNT };
  const put: ChainCall = {
    ...base, step: 'PutObject without encryption headers (the bucket default applies)', doc: 'Amazon S3 API Reference, PutObject',
    action: 's3:PutObject', resource: `${bucketArn}/${OBJECT}`,
    resourcePolicy: target === 'bucket' ? a.bucketPolicy : a.neighbourPolicy,
    context: s3Context({ mode: 'kms', write: 'none', bucketKeyArn: keyArn }),
  };
  const get: ChainCall = { ...put, step: 'GetObject', action: 's3:GetObject', context: s3Context({ mode: 'kms' }) };
  const kmsCall = (action: string, step: string): ChainCall => ({
    ...base, step, doc: 'Amazon S3 User Guide, Using server-side encryption with AWS KMS keys (SSE-KMS); Reducing the cost of SSE-KMS with Amazon S3 Bucket Keys',
    action, resource: keyArn, resourcePolicy: target === 'bucket' ? a.keyPolicy : a.neighbourKeyPolicy, context: kmsContext,
  });
  return {
    put, get,
    generateDataKey: kmsCall('kms:GenerateDataKey', 'S3 generates the Bucket Key with the caller\'s permission'),
    decrypt: kmsCall('kms:Decrypt', 'S3 decrypts the Bucket Key with the caller\'s permission'),
  };
}

describe('Lambda readers and writers', () => {
  test('a writer writes: PutObject, then S3 generates the data key as the writer', async () => {
    const c = lambdaCalls(lambdaApp.writer);
    const chain: Chain = { name: 'Lambda writer', calls: [c.put, c.generateDataKey] };
    expect(await chainFailures(chain)).toEqual([]);
  });

  test('a reader reads: GetObject, then S3 decrypts as the reader', async () => {
    const c = lambdaCalls(lambdaApp.reader);
    expect(await chainFailures({ name: 'Lambda reader', calls: [c.get, c.decrypt] })).toEqual([]);
  });

  test('negatives: the reader cannot write, neither role reaches the neighbour bucket or its key, no direct KMS call', async () => {
    const reader = lambdaCalls(lambdaApp.reader);
    const writer = lambdaCalls(lambdaApp.writer);
    const negatives: ChainCall[] = [
      reader.put, reader.generateDataKey,
      ...[lambdaApp.reader, lambdaApp.writer].flatMap((role) => {
        const n = lambdaCalls(role, 'neighbour');
        return [n.put, n.get, n.generateDataKey, n.decrypt];
      }),
      { ...writer.generateDataKey, step: 'direct GenerateDataKey', context: directKmsContext({ bucketArn: lambdaApp.bucketArn, object: OBJECT, bucketKeys: true }) },
      { ...reader.decrypt, step: 'direct Decrypt', context: directKmsContext({ bucketArn: lambdaApp.bucketArn, object: OBJECT, bucketKeys: true }) },
      // The writer's key use is limited to this bucket: a context naming the neighbour is refused.
      { ...writer.generateDataKey, step: 'GenerateDataKey for the neighbour through S3', context: kmsViaS3Context({ bucketArn: lambdaApp.neighbourArn, object: OBJECT, bucketKeys: true }) },
    ];
    for (const call of negatives) {
      expect([call.step, await allowedUnder(call)]).toEqual([call.step, []]);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Replication (the README recipes "Replication between two encrypted buckets" and its
// cross-account variant): same account and cross account; Bucket Keys on and off; SSE-KMS and DSSE-KMS
// ---------------------------------------------------------------------------------------------

interface ReplicationVariant {
  readonly id: string;
  readonly mode: 'kms' | 'dsseKms';
  readonly bucketKeys: boolean;
  readonly sse: () => ServerSideEncryption;
}

const REPLICATION_VARIANTS: readonly ReplicationVariant[] = [
  { id: 'KmsBucketKeys', mode: 'kms', bucketKeys: true, sse: () => ServerSideEncryption.kms() },
  { id: 'KmsNoBucketKeys', mode: 'kms', bucketKeys: false, sse: () => ServerSideEncryption.kms({ bucketKey: false }) },
  { id: 'DsseKms', mode: 'dsseKms', bucketKeys: false, sse: () => ServerSideEncryption.dsseKms() },
];

interface ReplicationSide {
  readonly bucketArn: string;
  readonly bucketPolicy: PolicyDocument;
  readonly keyArn: string;
  readonly keyPolicy: PolicyDocument;
  readonly account: string;
}

interface ReplicationUnderTest {
  readonly variant: ReplicationVariant;
  readonly role: PrincipalUnderTest;
  readonly source: ReplicationSide;
  readonly replica: ReplicationSide;
  /** A bucket of the destination's account, under its own key, that nothing replicates into. */
  readonly neighbour: ReplicationSide;
}

function side(s: Synthesized, bucket: EncryptedBucket, account: string): ReplicationSide {
  return {
    bucketArn: s.bucketArn(bucket), bucketPolicy: s.bucketPolicy(bucket),
    keyArn: s.keyArn(bucket.encryptionKey!), keyPolicy: s.keyPolicy(bucket.encryptionKey!), account,
  };
}

/** One app per account layout; one source/replica pair per variant. */
function replicationApp(crossAccount: boolean): Record<string, ReplicationUnderTest> {
  const app = new App();
  const sourceStack = new Stack(app, 'ReplicationSource', crossAccount ? { env: { account: TEST_ACCOUNT, region: TEST_REGION } } : {});
  const destStack = crossAccount ? new Stack(app, 'ReplicationDestination', { env: { account: OTHER_ACCOUNT, region: TEST_REGION } }) : sourceStack;
  const built = REPLICATION_VARIANTS.map((variant) => {
    // Across accounts the destination is named (the README recipe): its ARN is then known in both accounts.
    const name = crossAccount ? { bucketName: `replica-${variant.id.toLowerCase()}-${OTHER_ACCOUNT}` } : {};
    const replica = new EncryptedBucket(destStack, `${variant.id}Replica`, { serverSideEncryption: variant.sse(), ...name });
    const source = new EncryptedBucket(sourceStack, `${variant.id}Source`, {
      serverSideEncryption: variant.sse(),
      replicationRules: [{ destination: replica, priority: 1 }],
    });
    if (crossAccount) replica.addReplicationPolicy(source.replicationRoleArn!);
    return { variant, source, replica };
  });
  const neighbour = new EncryptedBucket(destStack, 'Neighbour', crossAccount ? { bucketName: `neighbour-${OTHER_ACCOUNT}` } : {});
  const src = new Synthesized(sourceStack);
  const dst = crossAccount ? new Synthesized(destStack, { ...TEST_ENV, account: OTHER_ACCOUNT }) : src;
  const destAccount = crossAccount ? OTHER_ACCOUNT : TEST_ACCOUNT;
  return Object.fromEntries(built.map(({ variant, source, replica }) => [variant.id, {
    variant,
    role: src.role(source.node.findChild('ReplicationRole') as iam.Role),
    source: side(src, source, TEST_ACCOUNT),
    replica: side(dst, replica, destAccount),
    neighbour: side(dst, neighbour, destAccount),
  }]));
}

const REPLICATION = { sameAccount: replicationApp(false), crossAccount: replicationApp(true) };

/** The calls S3 makes as the replication role for one object (S3 User Guide, "Replicating encrypted objects"). */
function replicationCalls(r: ReplicationUnderTest) {
  const { role, source, replica, variant } = r;
  const base = { principal: role.arn, identity: role.identity };
  const doc = 'Amazon S3 User Guide, Replicating encrypted objects (SSE-S3, SSE-KMS, DSSE-KMS, SSE-C)';
  const viaS3 = (target: ReplicationSide) => kmsViaS3Context({ bucketArn: target.bucketArn, object: OBJECT, bucketKeys: variant.bucketKeys });
  const onKey = (target: ReplicationSide, action: string, step: string): ChainCall => ({
    ...base, step, doc, action, resource: target.keyArn, resourceAccount: target.account, resourcePolicy: target.keyPolicy, context: viaS3(target),
  });
  const getSource: ChainCall = {
    ...base, step: 'S3 reads the source object version', doc, action: 's3:GetObjectVersionForReplication',
    resource: `${source.bucketArn}/${OBJECT}`, resourceAccount: source.account, resourcePolicy: source.bucketPolicy, context: s3Context({ mode: variant.mode }),
  };
  const decryptSource = onKey(source, 'kms:Decrypt', 'S3 decrypts the source object under the source key');
  const replicate: ChainCall = {
    ...base, step: 'S3 writes the replica (it keeps the source\'s algorithm, under the replica key)', doc, action: 's3:ReplicateObject',
    resource: `${replica.bucketArn}/${OBJECT}`, resourceAccount: replica.account, resourcePolicy: replica.bucketPolicy,
    context: s3Context({ mode: variant.mode, write: variant.mode === 'kms' ? 'replicaKmsBucketKey' : 'replicaDsseBucketKey', bucketKeyArn: replica.keyArn }),
  };
  const encryptReplica = onKey(replica, 'kms:Encrypt', 'S3 encrypts the replica under the replica key');
  // With S3 Bucket Keys, S3 decrypts the destination's Bucket Key to verify it, as the role.
  const decryptReplicaBucketKey = onKey(replica, 'kms:Decrypt', 'S3 verifies the destination\'s Bucket Key (kms:Decrypt on the replica key)');
  const calls = [getSource, decryptSource, replicate, encryptReplica, ...variant.bucketKeys ? [decryptReplicaBucketKey] : []];
  return { calls, getSource, decryptSource, replicate, encryptReplica, decryptReplicaBucketKey, onKey, viaS3 };
}

describe.each(Object.keys(REPLICATION) as Array<keyof typeof REPLICATION>)('replication, %s', (layout) => {
  test.each(REPLICATION_VARIANTS.map((v) => v.id))('%s: the chain holds', async (id) => {
    const r = REPLICATION[layout][id];
    const { calls } = replicationCalls(r);
    expect(await chainFailures({ name: `replication ${layout} ${id}`, calls })).toEqual([]);
  });

  test.each(REPLICATION_VARIANTS.map((v) => v.id))('%s: negatives (direct KMS calls, the neighbour bucket and key)', async (id) => {
    const r = REPLICATION[layout][id];
    const c = replicationCalls(r);
    const direct = (call: ChainCall, target: ReplicationSide): ChainCall => ({
      ...call, step: `direct ${call.action} on the ${target === r.source ? 'source' : 'replica'} key`,
      context: directKmsContext({ bucketArn: target.bucketArn, object: OBJECT, bucketKeys: r.variant.bucketKeys }),
    });
    const negatives: ChainCall[] = [
      direct(c.decryptSource, r.source),
      direct(c.encryptReplica, r.replica),
      direct(c.decryptReplicaBucketKey, r.replica),
      // The replica key used through S3, but for another bucket.
      { ...c.encryptReplica, step: 'Encrypt under the replica key for the neighbour', context: c.viaS3(r.neighbour) },
      { ...c.decryptReplicaBucketKey, step: 'Decrypt under the replica key for the neighbour', context: c.viaS3(r.neighbour) },
      // The neighbour bucket and its key.
      { ...c.replicate, step: 'ReplicateObject into the neighbour', resource: `${r.neighbour.bucketArn}/${OBJECT}`, resourcePolicy: r.neighbour.bucketPolicy,
        context: s3Context({ mode: 'kms', write: 'replicaKmsBucketKey', bucketKeyArn: r.neighbour.keyArn }) },
      c.onKey(r.neighbour, 'kms:Encrypt', 'Encrypt under the neighbour\'s key'),
      c.onKey(r.neighbour, 'kms:Decrypt', 'Decrypt under the neighbour\'s key'),
    ];
    for (const call of negatives) {
      expect([call.step, await allowedUnder(call)]).toEqual([call.step, []]);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// CloudFront with origin access control (the README recipe), for HTTPS and HTTP viewers
// ---------------------------------------------------------------------------------------------

const cloudFrontApp = (() => {
  const stack = new Stack(new App(), 'CloudFrontChains');
  const bucket = new EncryptedBucket(stack, 'Site');
  const neighbour = new EncryptedBucket(stack, 'Neighbour');
  // The recipe: HTTP viewers are redirected to HTTPS.
  const distribution = new cloudfront.Distribution(stack, 'Cdn', {
    defaultBehavior: {
      origin: origins.S3BucketOrigin.withOriginAccessControl(bucket),
      viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
    },
  });
  const s = new Synthesized(stack);
  const distributionId = s.resolver.physicalId(stack.getLogicalId(distribution.node.defaultChild as cloudfront.CfnDistribution));
  return {
    stack,
    bucketArn: s.bucketArn(bucket), bucketPolicy: s.bucketPolicy(bucket),
    keyArn: s.keyArn(bucket.encryptionKey!), keyPolicy: s.keyPolicy(bucket.encryptionKey!),
    neighbourArn: s.bucketArn(neighbour), neighbourPolicy: s.bucketPolicy(neighbour),
    distributionArn: `arn:aws:cloudfront::${TEST_ACCOUNT}:distribution/${distributionId}`,
  };
})();

/** The calls of one viewer request that CloudFront forwards to S3 (CloudFront Developer Guide, "Restrict access to an Amazon S3 origin"). */
function cloudFrontCalls(options: { http: boolean; distributionArn?: string; sourceAccount?: string; bucket?: 'site' | 'neighbour' }) {
  const a = cloudFrontApp;
  const distributionArn = options.distributionArn ?? a.distributionArn;
  const source = { 'aws:SourceArn': distributionArn, 'aws:SourceAccount': options.sourceAccount ?? TEST_ACCOUNT };
  const neighbour = options.bucket === 'neighbour';
  const bucketArn = neighbour ? a.neighbourArn : a.bucketArn;
  const doc = 'Amazon CloudFront Developer Guide, Restrict access to an Amazon S3 origin; Require HTTPS for communication between CloudFront and your Amazon S3 origin';
  const get: ChainCall = {
    step: `CloudFront reads the object over ${options.http ? 'HTTP (the viewer\'s protocol)' : 'HTTPS'}`, doc,
    principal: 'cloudfront.amazonaws.com', identity: [], action: 's3:GetObject', resource: `${bucketArn}/index.html`,
    resourceAccount: TEST_ACCOUNT, resourcePolicy: neighbour ? a.neighbourPolicy : a.bucketPolicy,
    context: s3Context({ mode: 'kms', http: options.http, extra: source }),
  };
  const { 'kms:CallerAccount': _caller, ...viaS3 } = kmsViaS3Context({ bucketArn, object: 'index.html', bucketKeys: true });
  const decrypt: ChainCall = {
    step: 'S3 decrypts the object for CloudFront', doc, principal: 'cloudfront.amazonaws.com', identity: [],
    action: 'kms:Decrypt', resource: a.keyArn, resourceAccount: TEST_ACCOUNT, resourcePolicy: a.keyPolicy, context: { ...viaS3, ...source },
  };
  return { get, decrypt, calls: [get, decrypt] };
}

describe('CloudFront with origin access control', () => {
  test('an HTTPS viewer (or an HTTP viewer redirected to HTTPS, as in the recipe): the chain holds', async () => {
    expect(await chainFailures({ name: 'CloudFront HTTPS viewer', calls: cloudFrontCalls({ http: false }).calls })).toEqual([]);
  });

  test('an HTTP viewer under viewer protocol policy allow-all: S3 denies CloudFront\'s plain-HTTP request, under every reading', async () => {
    const c = cloudFrontCalls({ http: true });
    expect(await chainFailures({ name: 'CloudFront HTTP viewer', calls: c.calls }))
      .toEqual(READINGS.map((reading) => `${reading}: ${c.get.step} -> ExplicitlyDenied`));
  });

  test('negatives: another distribution, a distribution of another account, the neighbour bucket', async () => {
    const otherDistribution = `arn:aws:cloudfront::${TEST_ACCOUNT}:distribution/EOTHERDIST12345`;
    const foreign = `arn:aws:cloudfront::${OTHER_ACCOUNT}:distribution/EFOREIGN1234567`;
    const negatives: ChainCall[] = [
      cloudFrontCalls({ http: false, distributionArn: otherDistribution }).get,
      cloudFrontCalls({ http: false, distributionArn: foreign, sourceAccount: OTHER_ACCOUNT }).get,
      cloudFrontCalls({ http: false, distributionArn: foreign, sourceAccount: OTHER_ACCOUNT }).decrypt,
      cloudFrontCalls({ http: false, bucket: 'neighbour' }).get,
    ];
    for (const call of negatives) {
      expect([call.step, call.context, await allowedUnder(call)]).toEqual([call.step, call.context, []]);
    }
    // What aws-cdk-lib's key statement allows, and the library documents: any distribution of the
    // account may have S3 decrypt (aws:SourceArn distribution/*); the bucket policy is what names this one.
    expect(await allowedUnder(cloudFrontCalls({ http: false, distributionArn: otherDistribution }).decrypt)).toEqual(READINGS);
  });

  describe('the synth-time check', () => {
    const warningsOf = (stack: Stack) => Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('cloudFrontHttpViewer'));
    function serve(behavior: Partial<cloudfront.BehaviorOptions>, extra?: (bucket: EncryptedBucket, d: cloudfront.Distribution) => void) {
      const stack = new Stack(new App(), 'Cdn');
      const bucket = new EncryptedBucket(stack, 'Site');
      const d = new cloudfront.Distribution(stack, 'Cdn', { defaultBehavior: { origin: origins.S3BucketOrigin.withOriginAccessControl(bucket), ...behavior } });
      extra?.(bucket, d);
      return stack;
    }

    test('the default viewer protocol policy (allow-all) gets the warning, naming the behavior and the fix', () => {
      const warnings = warningsOf(serve({}));
      expect(warnings).toHaveLength(1);
      expect(warnings[0].id).toBe('/Cdn/Site');
      expect(warnings[0].entry.data).toMatch(/the default behavior of the distribution 'Cdn\/Cdn'.*DenyInsecureTransport.*REDIRECT_TO_HTTPS \(or HTTPS_ONLY\)/);
    });

    test.each([cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS, cloudfront.ViewerProtocolPolicy.HTTPS_ONLY])('%s: no warning', (policy) => {
      expect(warningsOf(serve({ viewerProtocolPolicy: policy }))).toEqual([]);
    });

    test('an additional behavior with allow-all that serves the bucket is named', () => {
      const stack = serve({ viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY }, (bucket, d) =>
        d.addBehavior('/legacy/*', origins.S3BucketOrigin.withOriginAccessControl(bucket)));
      const warnings = warningsOf(stack);
      expect(warnings).toHaveLength(1);
      expect(warnings[0].entry.data).toMatch(/the behavior for "\/legacy\/\*"/);
      expect(warnings[0].entry.data).not.toMatch(/default behavior/);
    });

    test('acknowledged, it is gone', () => {
      const stack = serve({}, (bucket) => CoreAnnotations.of(bucket).acknowledgeWarning(CLOUDFRONT_HTTP_VIEWER_WARNING));
      expect(warningsOf(stack)).toEqual([]);
    });
  });
});

// ---------------------------------------------------------------------------------------------
// BucketDeployment, default and strict (the README recipes)
// ---------------------------------------------------------------------------------------------

const deploymentApp = (() => {
  const stack = new Stack(new App(), 'DeploymentChains');
  const neighbour = new EncryptedBucket(stack, 'Neighbour');
  const deploy = (id: string, strict: boolean) => {
    const bucket = new EncryptedBucket(stack, id, { requireEncryptionHeaders: strict });
    const deployment = new s3deploy.BucketDeployment(stack, `${id}Deploy`, {
      sources: [s3deploy.Source.data('index.html', '<h1>hello</h1>')],
      destinationBucket: bucket,
      ...strict ? { serverSideEncryption: s3deploy.ServerSideEncryption.AWS_KMS, serverSideEncryptionAwsKmsKeyId: bucket.encryptionKey!.keyArn } : {},
    });
    return { bucket, deployment };
  };
  const built = { default: deploy('Default', false), strict: deploy('Strict', true) };
  const s = new Synthesized(stack);
  const describe = ({ bucket, deployment }: { bucket: EncryptedBucket; deployment: s3deploy.BucketDeployment }) => ({
    bucketArn: s.bucketArn(bucket), bucketPolicy: s.bucketPolicy(bucket),
    keyArn: s.keyArn(bucket.encryptionKey!), keyPolicy: s.keyPolicy(bucket.encryptionKey!),
    role: s.role(deployment.handlerRole),
  });
  return {
    default: describe(built.default), strict: describe(built.strict),
    neighbourArn: s.bucketArn(neighbour), neighbourPolicy: s.bucketPolicy(neighbour),
  };
})();

/** What the deployment's handler does with each file (`aws s3 sync`/`cp` with the SSE options of its props). */
function deploymentCalls(kind: 'default' | 'strict', write: 'none' | 'kmsBucketKey' | 'uploadPart', target: 'bucket' | 'neighbour' = 'bucket') {
  const d = deploymentApp[kind];
  const bucketArn = target === 'bucket' ? d.bucketArn : deploymentApp.neighbourArn;
  const base = { principal: d.role.arn, identity: d.role.identity, resourceAccount: TEST_ACCOUNT };
  const doc = 'AWS CDK API Reference, aws-s3-deployment BucketDeployment (serverSideEncryption, serverSideEncryptionAwsKmsKeyId); Amazon S3 API Reference, PutObject, UploadPart';
  const list: ChainCall = {
    ...base, step: 'the handler lists the destination (sync)', doc, action: 's3:ListBucket', resource: bucketArn,
    resourcePolicy: target === 'bucket' ? d.bucketPolicy : deploymentApp.neighbourPolicy, context: s3Context({ mode: 'kms' }),
  };
  const put: ChainCall = {
    ...list, step: `the handler uploads index.html (${write})`, action: 's3:PutObject', resource: `${bucketArn}/index.html`,
    context: s3Context({ mode: 'kms', write, bucketKeyArn: d.keyArn }),
  };
  const generateDataKey: ChainCall = {
    ...base, step: 'S3 generates the data key as the handler', doc: 'Amazon S3 User Guide, Using server-side encryption with AWS KMS keys (SSE-KMS)',
    action: 'kms:GenerateDataKey', resource: d.keyArn, resourcePolicy: d.keyPolicy,
    context: kmsViaS3Context({ bucketArn, object: 'index.html', bucketKeys: true }),
  };
  return { list, put, generateDataKey, calls: [list, put, generateDataKey] };
}

describe('BucketDeployment', () => {
  test('default mode, no encryption props: the chain holds', async () => {
    expect(await chainFailures({ name: 'deployment default', calls: deploymentCalls('default', 'none').calls })).toEqual([]);
  });

  test('strict mode, aws:kms and the full key ARN (the recipe): the chain holds', async () => {
    expect(await chainFailures({ name: 'deployment strict', calls: deploymentCalls('strict', 'kmsBucketKey').calls })).toEqual([]);
  });

  test('strict mode, a file uploaded in parts: UploadPart carries no header and is denied (the documented limit of strict mode)', async () => {
    const c = deploymentCalls('strict', 'uploadPart');
    expect(await chainFailures({ name: 'deployment strict multipart', calls: c.calls }))
      .toEqual(READINGS.map((reading) => `${reading}: ${c.put.step} -> ExplicitlyDenied`));
  });

  test('negatives: strict mode without headers (what the synth check refuses), the neighbour bucket, a direct KMS call', async () => {
    const negatives: ChainCall[] = [
      deploymentCalls('strict', 'none').put,
      deploymentCalls('default', 'none', 'neighbour').put,
      deploymentCalls('default', 'none', 'neighbour').list,
      { ...deploymentCalls('default', 'none').generateDataKey, step: 'direct GenerateDataKey',
        context: directKmsContext({ bucketArn: deploymentApp.default.bucketArn, object: 'index.html', bucketKeys: true }) },
    ];
    for (const call of negatives) {
      expect([call.step, await allowedUnder(call)]).toEqual([call.step, []]);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Cross-account read (the README recipe)
// ---------------------------------------------------------------------------------------------

const crossAccountApp = (() => {
  const stack = new Stack(new App(), 'CrossAccountChains');
  const key = new EncryptionKey(stack, 'Key');
  const bucket = new EncryptedBucket(stack, 'Shared', { serverSideEncryption: ServerSideEncryption.kms({ key }) });
  bucket.grantRead(new iam.AccountPrincipal(OTHER_ACCOUNT));
  const neighbour = new EncryptedBucket(stack, 'Neighbour', { serverSideEncryption: ServerSideEncryption.kms({ key }) });
  const s = new Synthesized(stack);
  const bucketArn = s.bucketArn(bucket);
  const keyArn = s.keyArn(key);
  return {
    bucketArn, bucketPolicy: s.bucketPolicy(bucket), keyArn, keyPolicy: s.keyPolicy(key),
    neighbourArn: s.bucketArn(neighbour), neighbourPolicy: s.bucketPolicy(neighbour),
    // "The other account must still give its own principals s3:GetObject and kms:Decrypt."
    partner: {
      arn: `arn:aws:iam::${OTHER_ACCOUNT}:role/Reader`,
      identity: [{ name: 'ReaderOwnPolicy', policy: { Version: '2012-10-17', Statement: [
        { Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: ['*'] },
        { Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: keyArn },
      ] } }],
    } as PrincipalUnderTest,
  };
})();

function crossAccountCalls(target: 'bucket' | 'neighbour' = 'bucket') {
  const a = crossAccountApp;
  const bucketArn = target === 'bucket' ? a.bucketArn : a.neighbourArn;
  const base = { principal: a.partner.arn, identity: a.partner.identity, resourceAccount: TEST_ACCOUNT };
  const get: ChainCall = {
    ...base, step: 'the other account\'s role reads an object', doc: 'Amazon S3 User Guide, Example walkthroughs: cross-account permissions; Amazon S3 API Reference, GetObject',
    action: 's3:GetObject', resource: `${bucketArn}/${OBJECT}`, resourcePolicy: target === 'bucket' ? a.bucketPolicy : a.neighbourPolicy,
    context: s3Context({ mode: 'kmsWithKey' }),
  };
  const decrypt: ChainCall = {
    ...base, step: 'S3 decrypts as that role', doc: 'AWS KMS Developer Guide, Allowing users in other accounts to use a KMS key',
    action: 'kms:Decrypt', resource: a.keyArn, resourcePolicy: a.keyPolicy,
    context: kmsViaS3Context({ bucketArn, object: OBJECT, bucketKeys: true, callerAccount: OTHER_ACCOUNT }),
  };
  return { get, decrypt };
}

describe('cross-account read', () => {
  test('the other account\'s role reads: the chain holds', async () => {
    const c = crossAccountCalls();
    expect(await chainFailures({ name: 'cross-account read', calls: [c.get, c.decrypt] })).toEqual([]);
  });

  test('negatives: it cannot write, cannot read the neighbour that shares the key, cannot call KMS directly', async () => {
    const c = crossAccountCalls();
    const negatives: ChainCall[] = [
      { ...c.get, step: 'PutObject', action: 's3:PutObject', context: s3Context({ mode: 'kmsWithKey', write: 'none', bucketKeyArn: crossAccountApp.keyArn }) },
      crossAccountCalls('neighbour').get,
      { ...c.decrypt, step: 'direct Decrypt', context: directKmsContext({ bucketArn: crossAccountApp.bucketArn, object: OBJECT, bucketKeys: true, callerAccount: OTHER_ACCOUNT }) },
    ];
    for (const call of negatives) {
      expect([call.step, await allowedUnder(call)]).toEqual([call.step, []]);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Server access logs into an s3Managed() EncryptedBucket
// ---------------------------------------------------------------------------------------------

const accessLogsApp = (() => {
  // With this flag (set in the cdk.json of new projects) aws-cdk-lib lets the logging service in
  // through the bucket policy; without it, through the LogDeliveryWrite ACL, which IAM evaluation does not model.
  const stack = new Stack(new App({ context: { '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy': true } }), 'AccessLogChains');
  const logs = new EncryptedBucket(stack, 'Logs', { serverSideEncryption: ServerSideEncryption.s3Managed() });
  const data = new EncryptedBucket(stack, 'Data', { serverAccessLogsBucket: logs, serverAccessLogsPrefix: 'data/' });
  const s = new Synthesized(stack);
  return { logsArn: s.bucketArn(logs), logsPolicy: s.bucketPolicy(logs), dataArn: s.bucketArn(data) };
})();

function logDelivery(sourceArn: string, sourceAccount: string): ChainCall {
  const a = accessLogsApp;
  return {
    step: `S3 delivers a log object from ${sourceArn} (${sourceAccount})`, doc: 'Amazon S3 User Guide, Enabling Amazon S3 server access logging (permissions for log delivery)',
    principal: 'logging.s3.amazonaws.com', identity: [], action: 's3:PutObject', resource: `${a.logsArn}/data/2026-01-01-00-00-00-0123456789ABCDEF`,
    resourceAccount: TEST_ACCOUNT, resourcePolicy: a.logsPolicy,
    context: s3Context({ mode: 's3Managed', write: 'none', extra: { 'aws:SourceArn': sourceArn, 'aws:SourceAccount': sourceAccount } }),
  };
}

describe('server access logs', () => {
  test('delivery from the source bucket (no encryption header): the chain holds', async () => {
    expect(await chainFailures({ name: 'access logs', calls: [logDelivery(accessLogsApp.dataArn, TEST_ACCOUNT)] })).toEqual([]);
  });

  test('negatives: delivery for another bucket, or for the same bucket name in another account', async () => {
    for (const call of [logDelivery('arn:aws:s3:::some-other-bucket', TEST_ACCOUNT), logDelivery(accessLogsApp.dataArn, OTHER_ACCOUNT)]) {
      expect([call.step, await allowedUnder(call)]).toEqual([call.step, []]);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// kms:ViaService in aws-cn: a Lambda reader in cn-north-1
// ---------------------------------------------------------------------------------------------

const chinaApp = (() => {
  const env = { account: TEST_ACCOUNT, region: 'cn-north-1' };
  const stack = new Stack(new App(), 'ChinaChains', { env });
  const bucket = new EncryptedBucket(stack, 'Data');
  const reader = new iam.Role(stack, 'Reader', { assumedBy: new iam.AccountRootPrincipal() });
  bucket.grantRead(reader);
  const s = new Synthesized(stack, { ...env, partition: 'aws-cn', urlSuffix: 'amazonaws.com.cn' });
  return {
    bucketArn: s.bucketArn(bucket), keyArn: s.keyArn(bucket.encryptionKey!), keyPolicy: s.keyPolicy(bucket.encryptionKey!), reader: s.role(reader),
  };
})();

describe('kms:ViaService in aws-cn', () => {
  const decrypt = (urlSuffix?: string): ChainCall => ({
    step: `S3 decrypts as the reader (kms:ViaService ${urlSuffix ? `s3.cn-north-1.${urlSuffix}` : 'absent'})`,
    doc: 'AWS KMS Developer Guide, kms:ViaService (documents SERVICE.REGION.amazonaws.com; the suffix in China is not documented)',
    principal: chinaApp.reader.arn, identity: chinaApp.reader.identity, action: 'kms:Decrypt', resource: chinaApp.keyArn,
    resourceAccount: TEST_ACCOUNT, resourcePolicy: chinaApp.keyPolicy,
    context: urlSuffix
      ? kmsViaS3Context({ bucketArn: chinaApp.bucketArn, object: OBJECT, bucketKeys: true, region: 'cn-north-1', urlSuffix })
      : directKmsContext({ bucketArn: chinaApp.bucketArn, object: OBJECT, bucketKeys: true }),
  });

  test.each(['amazonaws.com.cn', 'amazonaws.com'])('whichever suffix KMS sets (%s), S3 may decrypt for the reader', async (suffix) => {
    expect(chinaApp.bucketArn).toMatch(/^arn:aws-cn:s3:::/);
    expect(await chainFailures({ name: `aws-cn ${suffix}`, calls: [decrypt(suffix)] })).toEqual([]);
  });

  test('a direct call, or S3 of another region, is denied', async () => {
    const otherRegion = { ...decrypt('amazonaws.com.cn'), step: 'S3 of cn-northwest-1',
      context: kmsViaS3Context({ bucketArn: chinaApp.bucketArn, object: OBJECT, bucketKeys: true, region: 'cn-northwest-1', urlSuffix: 'amazonaws.com.cn' }) };
    for (const call of [decrypt(), otherRegion]) {
      expect([call.step, await allowedUnder(call)]).toEqual([call.step, []]);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// UpdateObjectEncryption, which S3 also authorizes as s3:PutObject (an open reading)
// ---------------------------------------------------------------------------------------------

const updateApp = (() => {
  const stack = new Stack(new App(), 'UpdateChains');
  const bucket = new EncryptedBucket(stack, 'Data');
  const strict = new EncryptedBucket(stack, 'Strict', { requireEncryptionHeaders: true });
  const caller = new iam.Role(stack, 'ReEncrypter', { assumedBy: new iam.AccountRootPrincipal() });
  for (const b of [bucket, strict]) {
    caller.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:UpdateObjectEncryption', 's3:PutObject'], resources: [b.arnForObjects('*')] }));
  }
  const s = new Synthesized(stack);
  const describe = (b: EncryptedBucket) => ({ bucketArn: s.bucketArn(b), bucketPolicy: s.bucketPolicy(b), keyArn: s.keyArn(b.encryptionKey!) });
  return { default: describe(bucket), strict: describe(strict), caller: s.role(caller) };
})();

/**
 * S3 User Guide, "Updating server-side encryption for existing data": the caller needs
 * s3:UpdateObjectEncryption and s3:PutObject. Which condition keys the implied s3:PutObject check
 * carries is not documented: the target encryption (as if the request named it), or none.
 */
function updateCalls(kind: 'default' | 'strict', implied: 'withHeaders' | 'withoutHeaders'): ChainCall[] {
  const b = updateApp[kind];
  const base = {
    principal: updateApp.caller.arn, identity: updateApp.caller.identity, resource: `${b.bucketArn}/${OBJECT}`,
    resourceAccount: TEST_ACCOUNT, resourcePolicy: b.bucketPolicy,
    doc: 'Amazon S3 User Guide, Updating server-side encryption for existing data; Amazon S3 API Reference, UpdateObjectEncryption',
  };
  return [
    { ...base, step: 'UpdateObjectEncryption to the bucket\'s key', action: 's3:UpdateObjectEncryption',
      context: s3Context({ mode: 'kms', write: 'updateToBucketKey', bucketKeyArn: b.keyArn }) },
    { ...base, step: `the implied s3:PutObject check (${implied})`, action: 's3:PutObject',
      context: s3Context({ mode: 'kms', write: implied === 'withHeaders' ? 'kmsBucketKey' : 'none', bucketKeyArn: b.keyArn }) },
  ];
}

describe('UpdateObjectEncryption and its implied s3:PutObject check', () => {
  test.each(['withHeaders', 'withoutHeaders'] as const)('default mode: re-encryption to the bucket\'s key is allowed whether the implied check carries the target encryption or not (%s)', async (implied) => {
    expect(await chainFailures({ name: `update ${implied}`, calls: updateCalls('default', implied) })).toEqual([]);
  });

  test('strict mode: allowed if the implied check carries the target encryption ...', async () => {
    expect(await chainFailures({ name: 'update strict withHeaders', calls: updateCalls('strict', 'withHeaders') })).toEqual([]);
  });

  test('... and denied if it carries none (DenyUnencryptedObjectUploads): strict mode may deny every re-encryption, as the docs say', async () => {
    const calls = updateCalls('strict', 'withoutHeaders');
    expect(await chainFailures({ name: 'update strict withoutHeaders', calls }))
      .toEqual(READINGS.map((reading) => `${reading}: ${calls[1].step} -> ExplicitlyDenied`));
  });
});

describe('replication with a role of your own (the grants docs/composition.md names)', () => {
  const app = (() => {
    const stack = new Stack(new App(), 'OwnRoleChains');
    const role = new iam.Role(stack, 'Replicator', { assumedBy: new iam.ServicePrincipal('s3.amazonaws.com') });
    const replica = new EncryptedBucket(stack, 'Replica');
    const source = new EncryptedBucket(stack, 'Source', { replicationRole: role, replicationRules: [{ destination: replica, priority: 1 }] });
    const neighbour = new EncryptedBucket(stack, 'Neighbour');
    source.grantReplicationPermission(role, { destinations: [{ bucket: replica }] });
    replica.grantOnKey(role, 'kms:Encrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Decrypt');
    const s = new Synthesized(stack);
    return {
      variant: REPLICATION_VARIANTS[0], role: s.role(role),
      source: side(s, source, TEST_ACCOUNT), replica: side(s, replica, TEST_ACCOUNT), neighbour: side(s, neighbour, TEST_ACCOUNT),
    };
  })();

  test('the chain holds, and the replica key cannot be used directly', async () => {
    const c = replicationCalls(app);
    expect(await chainFailures({ name: 'own role', calls: c.calls })).toEqual([]);
    const direct: ChainCall = { ...c.encryptReplica, step: 'direct Encrypt', context: directKmsContext({ bucketArn: app.replica.bucketArn, object: OBJECT, bucketKeys: true }) };
    expect(await allowedUnder(direct)).toEqual([]);
  });
});
