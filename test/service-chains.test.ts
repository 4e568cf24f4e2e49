/**
 * AWS services that write into an EncryptedBucket, or into a topic or queue encrypted with an
 * EncryptionKey: each proven as deployed with a request chain (test/policy-eval/chain.ts), or
 * refused at synth. The calls and their context are written down, with the AWS document behind
 * each, in test/policy-eval/REQUEST-CONTEXT.md ("AWS services that write into an encrypted
 * bucket"). The working configurations share one stack, synthesized once; the refusals run only
 * the validations of small trees (no synthesis).
 */
import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudtrail from 'aws-cdk-lib/aws-cloudtrail';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { IConstruct } from 'constructs';
import { EncryptedBucket, EncryptionKey, ServerSideEncryption } from '../lib';
import type { ModeName, WriteId } from './policy-eval/cases';
import { allowedUnder, chainFailures, ChainCall, directKmsContext, kmsViaS3Context, s3Context } from './policy-eval/chain';
import type { PolicyDocument, PolicyStatementJson } from './policy-eval/evaluate';
import { bucketPolicyOf, identityPoliciesOf, PrincipalUnderTest } from './policy-eval/fixture';
import { CfnTemplate, OTHER_ACCOUNT, TemplateResolver, TEST_ACCOUNT, TEST_PARTITION, TEST_REGION } from './policy-eval/resolve';

const ENV = { account: TEST_ACCOUNT, region: TEST_REGION };
/** aws-cdk-lib writes the log delivery statement of a flow log's bucket only with this flag. */
const LOGGING_POLICY_FLAG = { '@aws-cdk/aws-s3:createDefaultLoggingPolicy': true };
/** The account Elastic Load Balancing delivers logs from in eu-west-1 (aws-cdk-lib's region table). */
const ELB_ACCOUNT_ROOT = `arn:${TEST_PARTITION}:iam::156460612806:root`;
const FLOW_SOURCE = `arn:${TEST_PARTITION}:logs:${TEST_REGION}:${TEST_ACCOUNT}:delivery-source:vpc-flow-log`;
const OTHER_FLOW_SOURCE = `arn:${TEST_PARTITION}:logs:${TEST_REGION}:${OTHER_ACCOUNT}:delivery-source:vpc-flow-log`;
const TRAIL_ARN = `arn:${TEST_PARTITION}:cloudtrail:${TEST_REGION}:${TEST_ACCOUNT}:trail/ServiceTrail`;

// ---------------------------------------------------------------------------------------------
// One stack with every working configuration
// ---------------------------------------------------------------------------------------------

const app = (() => {
  const stack = new Stack(new App({ context: LOGGING_POLICY_FLAG }), 'ServiceChains', { env: ENV });
  const eni = ec2.FlowLogResourceType.fromNetworkInterfaceId('eni-0123456789abcdef0');
  const flowLogInto = (id: string, bucket: s3.IBucket) =>
    new ec2.FlowLog(stack, id, { resourceType: eni, destination: ec2.FlowLogDestination.toS3(bucket, 'flow') });

  const flowKms = new EncryptedBucket(stack, 'FlowKms');
  const flowDsse = new EncryptedBucket(stack, 'FlowDsse', { serverSideEncryption: ServerSideEncryption.dsseKms() });
  const flowS3 = new EncryptedBucket(stack, 'FlowS3', { serverSideEncryption: ServerSideEncryption.s3Managed() });
  flowLogInto('FlowLogKms', flowKms);
  flowLogInto('FlowLogDsse', flowDsse);
  flowLogInto('FlowLogS3', flowS3);
  const neighbour = new EncryptedBucket(stack, 'Neighbour');

  const reports = new EncryptedBucket(stack, 'Reports');
  const inventorySource = new EncryptedBucket(stack, 'InventorySource', {
    bucketName: 'inventory-source',
    serverSideEncryption: ServerSideEncryption.s3Managed(),
    inventories: [{ destination: { bucket: reports, prefix: 'inventory' } }],
  });
  // Storage class analysis has no L2 prop: its export is written on the L1.
  const analyticsSource = new EncryptedBucket(stack, 'AnalyticsSource', { bucketName: 'analytics-source' });
  (analyticsSource.node.defaultChild as s3.CfnBucket).analyticsConfigurations = [{
    id: 'all', storageClassAnalysis: {
      dataExport: { outputSchemaVersion: 'V_1', destination: { bucketArn: reports.bucketArn, format: 'CSV', prefix: 'analytics' } },
    },
  }];

  const topicKey = new EncryptionKey(stack, 'TopicKey');
  const queueKey = new EncryptionKey(stack, 'QueueKey');
  const topic = new sns.Topic(stack, 'Topic', { masterKey: topicKey });
  const queue = new sqs.Queue(stack, 'Queue', { encryptionMasterKey: queueKey });
  const notifier = new EncryptedBucket(stack, 'Notifier');
  notifier.addEventNotification(s3.EventType.OBJECT_CREATED, new s3n.SnsDestination(topic));
  notifier.addEventNotification(s3.EventType.OBJECT_CREATED, new s3n.SqsDestination(queue));

  const trailBucket = new EncryptedBucket(stack, 'TrailBucket', { serverSideEncryption: ServerSideEncryption.s3Managed() });
  new cloudtrail.Trail(stack, 'Trail', { bucket: trailBucket, trailName: 'ServiceTrail' });

  const streamBucket = new EncryptedBucket(stack, 'StreamBucket');
  const streamKeyed = new EncryptedBucket(stack, 'StreamKeyed');
  const streamRole = new iam.Role(stack, 'StreamRole', { assumedBy: new iam.ServicePrincipal('firehose.amazonaws.com') });
  const keyedRole = new iam.Role(stack, 'KeyedRole', { assumedBy: new iam.ServicePrincipal('firehose.amazonaws.com') });
  new firehose.DeliveryStream(stack, 'Stream', {
    destination: new firehose.S3Bucket(streamBucket, { role: streamRole, loggingConfig: new firehose.DisableLogging() }),
  });
  new firehose.DeliveryStream(stack, 'StreamWithKey', {
    destination: new firehose.S3Bucket(streamKeyed, {
      role: keyedRole, loggingConfig: new firehose.DisableLogging(), encryptionKey: streamKeyed.encryptionKey,
    }),
  });

  const elbBucket = new EncryptedBucket(stack, 'ElbLogs', { serverSideEncryption: ServerSideEncryption.s3Managed() });
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0, subnetConfiguration: [{ name: 'public', subnetType: ec2.SubnetType.PUBLIC }] });
  new elbv2.ApplicationLoadBalancer(stack, 'Alb', { vpc }).logAccessLogs(elbBucket, 'alb');

  const resolver = new TemplateResolver(Template.fromStack(stack).toJSON() as CfnTemplate);
  const bucketArn = (b: s3.IBucket) => resolver.attribute(stack.getLogicalId(b.node.defaultChild as s3.CfnBucket), 'Arn');
  const keyArn = (k: kms.IKey) => resolver.attribute(stack.getLogicalId(k.node.defaultChild as kms.CfnKey), 'Arn');
  const keyPolicy = (k: kms.IKey): PolicyDocument =>
    resolver.resolve(resolver.resource(stack.getLogicalId(k.node.defaultChild as kms.CfnKey), 'AWS::KMS::Key').Properties!.KeyPolicy);
  const role = (r: iam.IRole): PrincipalUnderTest => {
    const id = stack.getLogicalId(r.node.defaultChild as iam.CfnRole);
    return { arn: resolver.attribute(id, 'Arn'), identity: identityPoliciesOf(resolver, id) };
  };
  const target = (b: EncryptedBucket, mode: ModeName): Target => ({
    mode,
    arn: bucketArn(b),
    policy: bucketPolicyOf(resolver, stack.getLogicalId(b.node.defaultChild as s3.CfnBucket)),
    keyArn: b.encryptionKey ? keyArn(b.encryptionKey) : undefined,
    keyPolicy: b.encryptionKey ? keyPolicy(b.encryptionKey) : undefined,
  });
  return {
    flowKms: target(flowKms, 'kms'), flowDsse: target(flowDsse, 'dsseKms'), flowS3: target(flowS3, 's3Managed'),
    neighbour: target(neighbour, 'kms'),
    reports: target(reports, 'kms'), inventorySourceArn: bucketArn(inventorySource),
    topicKey: { arn: keyArn(topicKey), policy: keyPolicy(topicKey) },
    queueKey: { arn: keyArn(queueKey), policy: keyPolicy(queueKey) },
    notifierArn: bucketArn(notifier),
    trailBucket: target(trailBucket, 's3Managed'),
    streamBucket: target(streamBucket, 'kms'), streamKeyed: target(streamKeyed, 'kms'),
    streamRole: role(streamRole), keyedRole: role(keyedRole),
    elbBucket: target(elbBucket, 's3Managed'),
  };
})();

interface Target {
  readonly mode: ModeName;
  readonly arn: string;
  readonly policy: PolicyDocument;
  readonly keyArn?: string;
  readonly keyPolicy?: PolicyDocument;
}

// ---------------------------------------------------------------------------------------------
// Calls
// ---------------------------------------------------------------------------------------------

interface ServiceSource {
  readonly principal: string;
  readonly account: string;
  readonly sourceArn?: string;
  /** Further keys of the S3 request (the ACL header of log delivery). */
  readonly s3Extra?: Record<string, string>;
}

const source = (s: ServiceSource): Record<string, string> => ({
  'aws:SourceAccount': s.account,
  ...(s.sourceArn ? { 'aws:SourceArn': s.sourceArn } : {}),
  'aws:PrincipalIsAWSService': 'true',
});

/** A service's PutObject into a bucket (no encryption header unless `write` says otherwise). */
function servicePut(s: ServiceSource, t: Target, object: string, doc: string, write: WriteId = 'none'): ChainCall {
  return {
    step: `${s.principal} PutObject ${object}`, doc, principal: s.principal, identity: [],
    action: 's3:PutObject', resource: `${t.arn}/${object}`, resourceAccount: TEST_ACCOUNT, resourcePolicy: t.policy,
    context: s3Context({ mode: t.mode, write, bucketKeyArn: t.keyArn, extra: { ...source(s), ...s.s3Extra } }),
  };
}

/** The KMS call S3 makes on the service's behalf to encrypt an object of the bucket. */
function serviceKmsViaS3(s: ServiceSource, t: Target, object: string, doc: string, bucketKeys: boolean, action = 'kms:GenerateDataKey'): ChainCall {
  const { 'kms:CallerAccount': _caller, ...viaS3 } = kmsViaS3Context({ bucketArn: t.arn, object, bucketKeys });
  return {
    step: `S3 calls ${action} for ${s.principal}`, doc, principal: s.principal, identity: [],
    action, resource: t.keyArn!, resourceAccount: TEST_ACCOUNT, resourcePolicy: t.keyPolicy,
    context: { ...viaS3, ...source(s) },
  };
}

/** A KMS call that SNS or SQS makes for S3 (the publisher) on a topic's or queue's key. */
function notificationKms(key: { arn: string; policy: PolicyDocument }, service: 'sns' | 'sqs', action: string, sourceArn: string,
  account = TEST_ACCOUNT): ChainCall {
  return {
    step: `${service} calls ${action} for s3.amazonaws.com (source ${sourceArn}, account ${account})`,
    doc: 'Amazon S3 User Guide, Walkthrough: Configuring a bucket for notifications (SNS topic or SQS queue)',
    principal: 's3.amazonaws.com', identity: [], action, resource: key.arn, resourceAccount: TEST_ACCOUNT, resourcePolicy: key.policy,
    // The topic's or queue's own encryption context (aws:sns:topicArn, aws:sqs:arn) is left out:
    // no statement under test reads it, and the evaluator cannot carry it.
    context: { 'kms:ViaService': `${service}.${TEST_REGION}.amazonaws.com`, ...source({ principal: 's3.amazonaws.com', account, sourceArn }) },
  };
}

async function expectDenied(calls: ChainCall[]): Promise<void> {
  for (const call of calls) {
    expect([call.step, await allowedUnder(call)]).toEqual([call.step, []]);
  }
}

const VPC_DOC = 'Amazon VPC User Guide, Amazon S3 bucket permissions for flow logs; Amazon CloudWatch Logs User Guide, Logs sent to Amazon S3';
const FLOW = { principal: 'delivery.logs.amazonaws.com', account: TEST_ACCOUNT, sourceArn: FLOW_SOURCE, s3Extra: { 's3:x-amz-acl': 'bucket-owner-full-control' } };
const FLOW_OBJECT = `flow/AWSLogs/${TEST_ACCOUNT}/vpcflowlogs/${TEST_REGION}/2026/12/05/file.log.gz`;

describe('VPC Flow Logs into an EncryptedBucket (delivery.logs.amazonaws.com)', () => {
  test.each([
    ['kms()', app.flowKms, true],
    ['dsseKms()', app.flowDsse, false],
  ])('%s: log delivery writes, and S3 generates the data key as delivery.logs.amazonaws.com', async (_name, t, bucketKeys) => {
    const calls = [servicePut(FLOW, t, FLOW_OBJECT, VPC_DOC), serviceKmsViaS3(FLOW, t, FLOW_OBJECT, VPC_DOC, bucketKeys)];
    expect(await chainFailures({ name: 'flow logs', calls })).toEqual([]);
  });

  test('s3Managed(): log delivery writes, no key involved', async () => {
    expect(await chainFailures({ name: 'flow logs', calls: [servicePut(FLOW, app.flowS3, FLOW_OBJECT, VPC_DOC)] })).toEqual([]);
  });

  test('the key policy names exactly what the VPC guide names, limited to the account\'s log sources', () => {
    expect(serviceStatements(app.flowKms.keyPolicy!, 'delivery.logs.amazonaws.com')).toEqual([{
      Sid: 'AllowVpcFlowLogsDelivery', Effect: 'Allow', Principal: { Service: 'delivery.logs.amazonaws.com' },
      Action: 'kms:GenerateDataKey*', Resource: '*',
      Condition: {
        StringEquals: { 'aws:SourceAccount': TEST_ACCOUNT },
        ArnLike: { 'aws:SourceArn': `arn:${TEST_PARTITION}:logs:${TEST_REGION}:${TEST_ACCOUNT}:*` },
      },
    }]);
  });

  test('negatives: another account\'s log delivery, the neighbour\'s key, another service principal', async () => {
    const other = { ...FLOW, account: OTHER_ACCOUNT, sourceArn: OTHER_FLOW_SOURCE };
    await expectDenied([
      servicePut(other, app.flowKms, FLOW_OBJECT, VPC_DOC),
      serviceKmsViaS3(other, app.flowKms, FLOW_OBJECT, VPC_DOC, true),
      serviceKmsViaS3(FLOW, app.neighbour, FLOW_OBJECT, VPC_DOC, true),
      serviceKmsViaS3({ ...FLOW, principal: 's3.amazonaws.com' }, app.flowKms, FLOW_OBJECT, VPC_DOC, true),
      { ...serviceKmsViaS3(FLOW, app.flowKms, FLOW_OBJECT, VPC_DOC, true), step: 'delivery.logs Decrypt', action: 'kms:Decrypt' },
    ]);
  });
});

const INVENTORY_DOC = 'Amazon S3 User Guide, Configuring Amazon S3 Inventory (destination bucket policy; customer managed key)';
const INVENTORY_OBJECT = 'inventory/InventorySource/ReportsInventory0/data/file.csv.gz';

describe('S3 Inventory into an EncryptedBucket (s3.amazonaws.com)', () => {
  const s3Source = () => ({ principal: 's3.amazonaws.com', account: TEST_ACCOUNT, sourceArn: app.inventorySourceArn });

  test('S3 writes the report into the kms() destination, and generates the data key as s3.amazonaws.com', async () => {
    const calls = [
      servicePut(s3Source(), app.reports, INVENTORY_OBJECT, INVENTORY_DOC),
      serviceKmsViaS3(s3Source(), app.reports, INVENTORY_OBJECT, INVENTORY_DOC, true),
    ];
    expect(await chainFailures({ name: 'inventory', calls })).toEqual([]);
  });

  test('the key policy names kms:GenerateDataKey for s3.amazonaws.com, limited to the source buckets and their account', () => {
    expect(serviceStatements(app.reports.keyPolicy!, 's3.amazonaws.com')).toEqual([{
      Sid: 'AllowS3InventoryAndAnalyticsExports', Effect: 'Allow', Principal: { Service: 's3.amazonaws.com' },
      Action: 'kms:GenerateDataKey', Resource: '*',
      Condition: {
        StringEquals: { 'aws:SourceAccount': TEST_ACCOUNT },
        ArnLike: { 'aws:SourceArn': [app.inventorySourceArn, `arn:${TEST_PARTITION}:s3:::analytics-source`] },
      },
    }]);
  });

  test('an analytics export (L1) into the same bucket: S3 generates the data key for it too', async () => {
    const analytics = { principal: 's3.amazonaws.com', account: TEST_ACCOUNT, sourceArn: `arn:${TEST_PARTITION}:s3:::analytics-source` };
    expect(await chainFailures({ name: 'analytics', calls: [serviceKmsViaS3(analytics, app.reports, 'analytics/file.csv', INVENTORY_DOC, true)] })).toEqual([]);
  });

  test('negatives: another bucket\'s export, another account, the neighbour\'s key', async () => {
    const otherBucket = { ...s3Source(), sourceArn: `arn:${TEST_PARTITION}:s3:::someone-elses-bucket` };
    await expectDenied([
      servicePut(otherBucket, app.reports, INVENTORY_OBJECT, INVENTORY_DOC),
      serviceKmsViaS3(otherBucket, app.reports, INVENTORY_OBJECT, INVENTORY_DOC, true),
      serviceKmsViaS3({ ...s3Source(), account: OTHER_ACCOUNT }, app.reports, INVENTORY_OBJECT, INVENTORY_DOC, true),
      serviceKmsViaS3(s3Source(), app.neighbour, INVENTORY_OBJECT, INVENTORY_DOC, true),
    ]);
  });
});

describe('S3 event notifications into an SNS topic and an SQS queue encrypted with an EncryptionKey', () => {
  test.each([
    ['SNS topic', () => app.topicKey, 'sns' as const],
    ['SQS queue', () => app.queueKey, 'sqs' as const],
  ])('%s: the service encrypts the message for s3.amazonaws.com', async (_name, key, service) => {
    const calls = ['kms:GenerateDataKey', 'kms:Decrypt'].map((action) => notificationKms(key(), service, action, app.notifierArn));
    expect(await chainFailures({ name: 'notifications', calls })).toEqual([]);
  });

  test('the topic key gets the statement aws-cdk-lib does not write, limited to the source bucket', () => {
    expect(serviceStatements(app.topicKey.policy, 's3.amazonaws.com')).toEqual([{
      Sid: 'AllowS3EventNotifications', Effect: 'Allow', Principal: { Service: 's3.amazonaws.com' },
      Action: ['kms:GenerateDataKey', 'kms:Decrypt'], Resource: '*',
      Condition: { StringEquals: { 'aws:SourceAccount': TEST_ACCOUNT }, ArnLike: { 'aws:SourceArn': app.notifierArn } },
    }]);
  });

  test('the queue key holds no statement for s3.amazonaws.com without a source condition', () => {
    const unscoped = serviceStatements(app.queueKey.policy, 's3.amazonaws.com').filter((s) => s.Condition === undefined);
    expect(unscoped).toEqual([]);
  });

  test('with aws-cdk-lib\'s SNS key flag on, its unscoped statement is replaced too; a source outside the app keeps it', () => {
    const stack = new Stack(new App({ context: { '@aws-cdk/s3-notifications:addS3TrustKeyPolicyForSnsSubscriptions': true } }), 'Flag', { env: ENV });
    const key = new EncryptionKey(stack, 'Key');
    const outsideKey = new EncryptionKey(stack, 'OutsideKey');
    new EncryptedBucket(stack, 'Source', { bucketName: 'notification-source' })
      .addEventNotification(s3.EventType.OBJECT_CREATED, new s3n.SnsDestination(new sns.Topic(stack, 'Topic', { masterKey: key })));
    s3.Bucket.fromBucketName(stack, 'Outside', 'bucket-of-another-app')
      .addEventNotification(s3.EventType.OBJECT_CREATED, new s3n.SqsDestination(new sqs.Queue(stack, 'Queue', { encryptionMasterKey: outsideKey })));
    const resolver = new TemplateResolver(Template.fromStack(stack).toJSON() as CfnTemplate);
    const policyOf = (k: kms.IKey): PolicyDocument =>
      resolver.resolve(resolver.resource(stack.getLogicalId(k.node.defaultChild as kms.CfnKey), 'AWS::KMS::Key').Properties!.KeyPolicy);
    expect(serviceStatements(policyOf(key), 's3.amazonaws.com')).toEqual([expect.objectContaining({
      Sid: 'AllowS3EventNotifications',
      Condition: { StringEquals: { 'aws:SourceAccount': TEST_ACCOUNT }, ArnLike: { 'aws:SourceArn': `arn:${TEST_PARTITION}:s3:::notification-source` } },
    })]);
    // No source the library can see: aws-cdk-lib's statement stays as it wrote it.
    expect(serviceStatements(policyOf(outsideKey), 's3.amazonaws.com')).toContainEqual(
      { Effect: 'Allow', Principal: { Service: 's3.amazonaws.com' }, Action: ['kms:GenerateDataKey*', 'kms:Decrypt'], Resource: '*' });
  });

  test('negatives: another bucket\'s notifications on either key, another account, the neighbour\'s key', async () => {
    const otherBucket = `arn:${TEST_PARTITION}:s3:::someone-elses-bucket`;
    await expectDenied([
      notificationKms(app.topicKey, 'sns', 'kms:GenerateDataKey', otherBucket),
      notificationKms(app.queueKey, 'sqs', 'kms:GenerateDataKey', otherBucket),
      notificationKms(app.queueKey, 'sqs', 'kms:Decrypt', otherBucket),
      notificationKms(app.topicKey, 'sns', 'kms:GenerateDataKey', otherBucket, OTHER_ACCOUNT),
      notificationKms({ arn: app.neighbour.keyArn!, policy: app.neighbour.keyPolicy! }, 'sns', 'kms:GenerateDataKey', app.notifierArn),
    ]);
  });
});

const TRAIL_DOC = 'AWS CloudTrail User Guide, Amazon S3 bucket policy for CloudTrail';
const TRAIL_OBJECT = `AWSLogs/${TEST_ACCOUNT}/CloudTrail/${TEST_REGION}/2026/12/05/file.json.gz`;
const TRAIL = { principal: 'cloudtrail.amazonaws.com', account: TEST_ACCOUNT, sourceArn: TRAIL_ARN, s3Extra: { 's3:x-amz-acl': 'bucket-owner-full-control' } };

describe('CloudTrail into an s3Managed() EncryptedBucket', () => {
  test.each(['none', 'aes256'] as const)('CloudTrail writes a log file (encryption header: %s)', async (write) => {
    expect(await chainFailures({ name: 'trail', calls: [servicePut(TRAIL, app.trailBucket, TRAIL_OBJECT, TRAIL_DOC, write)] })).toEqual([]);
  });

  test('negatives: a trail writing SSE-KMS objects into it, CloudTrail writing outside the account\'s prefix', async () => {
    await expectDenied([
      servicePut(TRAIL, app.trailBucket, TRAIL_OBJECT, TRAIL_DOC, 'kmsOtherKey'),
      servicePut(TRAIL, app.trailBucket, `AWSLogs/${OTHER_ACCOUNT}/CloudTrail/file.json.gz`, TRAIL_DOC),
    ]);
  });
});

const FIREHOSE_DOC = 'Amazon Data Firehose Developer Guide, Grant Firehose access to an Amazon S3 destination';
const STREAM_OBJECT = '2026/12/05/04/stream-1-2026-12-05-04-00-00-abc';

describe('Amazon Data Firehose into a kms() EncryptedBucket (the stream\'s role)', () => {
  const roleCalls = (role: PrincipalUnderTest, t: Target, write: WriteId): ChainCall[] => {
    const base = { principal: role.arn, identity: role.identity, resourceAccount: TEST_ACCOUNT, doc: FIREHOSE_DOC };
    const kmsContext = kmsViaS3Context({ bucketArn: t.arn, object: STREAM_OBJECT, bucketKeys: true });
    return [
      { ...base, step: `PutObject (${write})`, action: 's3:PutObject', resource: `${t.arn}/${STREAM_OBJECT}`, resourcePolicy: t.policy,
        context: s3Context({ mode: t.mode, write, bucketKeyArn: t.keyArn }) },
      { ...base, step: 'S3 generates the data key as the role', action: 'kms:GenerateDataKey', resource: t.keyArn!, resourcePolicy: t.keyPolicy, context: kmsContext },
      { ...base, step: 'S3 decrypts (multipart) as the role', action: 'kms:Decrypt', resource: t.keyArn!, resourcePolicy: t.keyPolicy, context: kmsContext },
    ];
  };

  test('without a stream key: no header, the bucket default applies', async () => {
    expect(await chainFailures({ name: 'firehose', calls: roleCalls(app.streamRole, app.streamBucket, 'none') })).toEqual([]);
  });

  test('with the bucket\'s key as the stream key: aws:kms and the key ARN', async () => {
    expect(await chainFailures({ name: 'firehose', calls: roleCalls(app.keyedRole, app.streamKeyed, 'kmsBucketKey') })).toEqual([]);
  });

  test('negatives: the role against the neighbour bucket and key, a direct KMS call of the role without a stream key', async () => {
    const [put, generate] = roleCalls(app.streamRole, app.neighbour, 'none');
    const [, own] = roleCalls(app.streamRole, app.streamBucket, 'none');
    await expectDenied([
      put, generate,
      { ...own, step: 'direct GenerateDataKey', context: directKmsContext({ bucketArn: app.streamBucket.arn, object: STREAM_OBJECT, bucketKeys: true }) },
    ]);
  });
});

const ELB_DOC = 'Elastic Load Balancing User Guide for Application Load Balancers, Enable access logs (bucket requirements)';

describe('Application Load Balancer access logs into an s3Managed() EncryptedBucket', () => {
  const elb = (t: Target, object: string): ChainCall => ({
    step: `ELB PutObject ${object}`, doc: ELB_DOC, principal: ELB_ACCOUNT_ROOT,
    identity: [{ name: 'ElbDeliveryOwnPolicy', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:PutObject', Resource: '*' }] } }],
    action: 's3:PutObject', resource: `${t.arn}/${object}`, resourceAccount: TEST_ACCOUNT, resourcePolicy: t.policy,
    context: s3Context({ mode: t.mode, write: 'none', bucketKeyArn: t.keyArn }),
  });

  test('the load balancer delivers a log file', async () => {
    expect(await chainFailures({ name: 'elb', calls: [elb(app.elbBucket, `alb/AWSLogs/${TEST_ACCOUNT}/elasticloadbalancing/file.log.gz`)] })).toEqual([]);
  });

  test('negatives: into the neighbour bucket', async () => {
    await expectDenied([elb(app.neighbour, `alb/AWSLogs/${TEST_ACCOUNT}/elasticloadbalancing/file.log.gz`)]);
  });
});

/** The Allow statements of a key policy for one service principal. */
function serviceStatements(policy: PolicyDocument, service: string): PolicyStatementJson[] {
  return [policy.Statement].flat().filter((s) => s.Effect === 'Allow' && JSON.stringify((s as any).Principal) === JSON.stringify({ Service: service }));
}

// ---------------------------------------------------------------------------------------------
// Refused at synth
// ---------------------------------------------------------------------------------------------

/** Runs the validations of every construct in the tree (what synthesis does before it writes a template). */
function validate(scope: IConstruct): void {
  for (const c of scope.node.findAll()) c.node.validate();
}

function refusal(build: (stack: Stack) => void, context: Record<string, unknown> = LOGGING_POLICY_FLAG): () => void {
  const stack = new Stack(new App({ context }), 'Refused', { env: ENV });
  build(stack);
  return () => validate(stack);
}

const flowLogInto = (stack: Stack, bucket: s3.IBucket) => new ec2.FlowLog(stack, 'FlowLog', {
  resourceType: ec2.FlowLogResourceType.fromNetworkInterfaceId('eni-0123456789abcdef0'), destination: ec2.FlowLogDestination.toS3(bucket),
});

describe('flagged at synth', () => {
  test('a flow log into a bucket whose imported key the library cannot edit: an acknowledgeable warning with the statement', () => {
    const stack = new Stack(new App({ context: LOGGING_POLICY_FLAG }), 'Flagged', { env: ENV });
    const key = kms.Key.fromKeyArn(stack, 'Imported', `arn:${TEST_PARTITION}:kms:${TEST_REGION}:${TEST_ACCOUNT}:key/11111111-2222-3333-4444-555555555555`);
    const bucket = new EncryptedBucket(stack, 'B', { serverSideEncryption: ServerSideEncryption.kms({ key }) });
    flowLogInto(stack, bucket);
    const warnings = Annotations.fromStack(stack).findWarning('/Flagged/B', Match.stringLikeRegexp('serviceKeyPolicyNotEditable'));
    expect(warnings).toHaveLength(1);
    expect(String(warnings[0].entry.data)).toMatch(/delivery.logs.amazonaws.com writes into this bucket.*"Action":\["kms:GenerateDataKey\*"\].*"aws:SourceAccount":"111111111111"/);
  });
});

describe('refused at synth, with the fix', () => {
  test.each<[string, (stack: Stack) => void, RegExp, Record<string, unknown>?]>([
    ['a flow log into kmsManaged()', (s) => flowLogInto(s, new EncryptedBucket(s, 'B', { serverSideEncryption: ServerSideEncryption.kmsManaged() })),
      /VPC flow log 'Refused\/FlowLog'.*kmsManaged\(\).*Send flow logs to an EncryptedBucket with ServerSideEncryption.kms\(\)/],
    ['a flow log into strict mode', (s) => flowLogInto(s, new EncryptedBucket(s, 'B', { requireEncryptionHeaders: true })),
      /requireEncryptionHeaders is true.*DenyUnencryptedObjectUploads/],
    ['a flow log into customerProvided()', (s) => flowLogInto(s, new EncryptedBucket(s, 'B', { serverSideEncryption: ServerSideEncryption.customerProvided() })),
      /customerProvided\(\) bucket: log delivery sends no SSE-C key/],
    ['a flow log without aws-cdk-lib\'s log delivery statement', (s) => flowLogInto(s, new EncryptedBucket(s, 'B')),
      /does not allow delivery.logs.amazonaws.com to write.*"@aws-cdk\/aws-s3:createDefaultLoggingPolicy": true/, {}],
    ['an inventory into kmsManaged()', (s) => {
      const dest = new EncryptedBucket(s, 'Dest', { serverSideEncryption: ServerSideEncryption.kmsManaged() });
      new EncryptedBucket(s, 'Src', { inventories: [{ destination: { bucket: dest } }] });
    }, /inventory or analytics export of bucket 'Refused\/Src'.*kmsManaged\(\)/],
    ['a trail into kms()', (s) => new cloudtrail.Trail(s, 'Trail', { bucket: new EncryptedBucket(s, 'B') }),
      /CloudTrail trail 'Refused\/Trail'.*serverSideEncryption is KMS.*ServerSideEncryption.s3Managed\(\)/],
    ['a trail with its own key into s3Managed()', (s) => new cloudtrail.Trail(s, 'Trail', {
      bucket: new EncryptedBucket(s, 'B', { serverSideEncryption: ServerSideEncryption.s3Managed() }), encryptionKey: new EncryptionKey(s, 'TrailKey'),
    }), /with the trail's encryptionKey.*DenyIncorrectEncryptionHeader/],
    ['a delivery stream with another key into kms()', (s) => new firehose.DeliveryStream(s, 'Stream', {
      destination: new firehose.S3Bucket(new EncryptedBucket(s, 'B'), { encryptionKey: new EncryptionKey(s, 'StreamKey'), loggingConfig: new firehose.DisableLogging() }),
    }), /Data Firehose delivery stream 'Refused\/Stream'.*own encryptionKey.*Pass encryptionKey: bucket.encryptionKey/],
    ['a delivery stream without a key into strict mode', (s) => new firehose.DeliveryStream(s, 'Stream', {
      destination: new firehose.S3Bucket(new EncryptedBucket(s, 'B', { requireEncryptionHeaders: true }), { loggingConfig: new firehose.DisableLogging() }),
    }), /without an encryption key, and requireEncryptionHeaders is true/],
    ['load balancer logs into kmsManaged()', (s) => {
      const vpc = new ec2.Vpc(s, 'Vpc', { maxAzs: 2, natGateways: 0, subnetConfiguration: [{ name: 'public', subnetType: ec2.SubnetType.PUBLIC }] });
      new elbv2.ApplicationLoadBalancer(s, 'Alb', { vpc }).logAccessLogs(new EncryptedBucket(s, 'B', { serverSideEncryption: ServerSideEncryption.kmsManaged() }));
    }, /load balancer 'Refused\/Alb'.*KMS_MANAGED.*SSE-S3 is the only default encryption/],
  ])('%s', (...[, build, message, context]) => {
    expect(refusal(build, context)).toThrow(message);
  });
});
