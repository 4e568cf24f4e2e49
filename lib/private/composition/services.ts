import { Annotations, Aspects, Aws, CfnResource, IResolvable, Lazy, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { IConstruct } from 'constructs';
import { EncryptionMode, MODE_FACTS } from '../../encryption-mode';
import { EncryptionValidationError } from '../../errors';
import { AppIndex } from '../../guard/app-index';
import { ServerSideEncryption } from '../../server-side-encryption';

/*
 * AWS services that write into an EncryptedBucket, or into an SNS topic or SQS queue encrypted
 * with an EncryptionKey. A service principal gets no IAM delegation on a KMS key: the key POLICY
 * must let it use the key, scoped to its source (aws:SourceAccount, aws:SourceArn). Each service
 * found in the finished tree is either completed here (the statement its guide names is added to
 * the key policy, once per key, with the sources of every writer) or refused at synth with the fix.
 * test/policy-eval/REQUEST-CONTEXT.md ("AWS services that write into an encrypted bucket") holds
 * the calls each service makes, with the sources.
 *
 * | service (how aws-cdk-lib writes it)                     | s3Managed() | kms(), dsseKms()               | kmsManaged() | customerProvided() | strict mode |
 * |---------------------------------------------------------|-------------|--------------------------------|--------------|--------------------|-------------|
 * | VPC Flow Logs (`AWS::EC2::FlowLog`, type s3)            | works       | key policy completed           | error        | error              | error       |
 * | S3 Inventory, analytics exports (source bucket's config) | works       | key policy completed           | error        | error              | error       |
 * | CloudTrail (`AWS::CloudTrail::Trail`)                   | works without a trail key | error        | error        | error              | error       |
 * | Data Firehose S3 destination (`AWS::KinesisFirehose::DeliveryStream`) | works without a stream key | works (a stream key must be the bucket's) | works without a stream key | error | works only with a stream key that is the bucket's |
 * | ELB access and connection logs (`AWS::ElasticLoadBalancingV2::LoadBalancer`) | works | (aws-cdk-lib refuses) | error | error      | error       |
 *
 * Event notifications into an SNS topic or SQS queue encrypted with an EncryptionKey: the key
 * policy gets one statement for s3.amazonaws.com, scoped to the source buckets; aws-cdk-lib's
 * unscoped statement for the same principal is not added.
 */

/** The id of the warning on a key whose policy cannot be edited, for a service that must use it. */
export const SERVICE_KEY_POLICY_WARNING = '@cdk-s3-encryption/bucket:serviceKeyPolicyNotEditable';

/** The Sids of the statements this file adds to a key policy. */
export enum ServiceKeySid {
  FLOW_LOGS = 'AllowVpcFlowLogsDelivery',
  S3_REPORTS = 'AllowS3InventoryAndAnalyticsExports',
  S3_NOTIFICATIONS = 'AllowS3EventNotifications',
}

/** What the checks need to know about an EncryptedBucket. */
export interface ServiceFacts {
  readonly owner: string;
  readonly sse: Pick<ServerSideEncryption, 'mode'>;
  readonly requireEncryptionHeaders: boolean;
  readonly key?: kms.IKey;
}

// ---------------------------------------------------------------------------------------------
// Finding the writers
// ---------------------------------------------------------------------------------------------

const FLOW_LOG = 'AWS::EC2::FlowLog';
const BUCKET = 'AWS::S3::Bucket';
const TRAIL = 'AWS::CloudTrail::Trail';
const DELIVERY_STREAM = 'AWS::KinesisFirehose::DeliveryStream';
const LOAD_BALANCER = 'AWS::ElasticLoadBalancingV2::LoadBalancer';
const NOTIFICATIONS = 'Custom::S3BucketNotifications';
const TOPIC = 'AWS::SNS::Topic';
const QUEUE = 'AWS::SQS::Queue';

function resourcesOf(scope: IConstruct, type: string): CfnResource[] {
  return AppIndex.of(scope).resourcesOfType(type);
}

const RESOLVED = new WeakMap<CfnResource, Record<string, any>>();

/**
 * The properties of an L1 resource (generated L1s and generic resources alike), resolved once per
 * synthesis: aws-cdk-lib gives several of them as lazy values (a bucket's inventories, a
 * notification configuration). Property names stay as the L1 has them (camelCase for generated
 * L1s, as in the template for custom resources).
 */
function propsOf(resource: CfnResource): Record<string, any> {
  let props = RESOLVED.get(resource);
  if (!props) {
    // `cfnProperties` is protected on CfnResource: it is what the resource renders.
    const raw = (resource as unknown as { cfnProperties?: unknown }).cfnProperties;
    const resolved = typeof raw === 'object' && raw !== null ? Stack.of(resource).resolve(raw) : undefined;
    props = typeof resolved === 'object' && resolved !== null ? resolved as Record<string, any> : {};
    RESOLVED.set(resource, props);
    queueMicrotask(() => RESOLVED.delete(resource));
  }
  return props;
}

/**
 * Whether `value`, a property of `from` as propsOf resolved it, refers to `target` (a Ref or a
 * GetAtt, alone or inside a Join) in the same stack.
 */
function refersTo(from: CfnResource, value: unknown, target: CfnResource): boolean {
  if (value === undefined || value === null) return false;
  if (Stack.of(from) !== Stack.of(target)) return false;
  const id = Stack.of(target).resolve(target.logicalId);
  const text = JSON.stringify(value);
  return text.includes(`{"Ref":"${id}"}`) || text.includes(`{"Fn::GetAtt":["${id}",`);
}

/** A flow log, trail, ... that writes into the bucket, with what the checks read of it. */
interface Writer {
  readonly resource: CfnResource;
  readonly props: Record<string, any>;
}

function writersInto(bucket: s3.Bucket): Record<'flowLogs' | 'reportSources' | 'trails' | 'streams' | 'loadBalancers', Writer[]> {
  const cfnBucket = bucket.node.defaultChild as s3.CfnBucket;
  const find = (type: string, test: (r: CfnResource, p: Record<string, any>) => boolean): Writer[] =>
    resourcesOf(bucket, type).map((resource) => ({ resource, props: propsOf(resource) })).filter((w) => test(w.resource, w.props));
  return {
    flowLogs: find(FLOW_LOG, (r, p) => p.logDestinationType === 's3' && refersTo(r, p.logDestination, cfnBucket)),
    reportSources: reportSourcesOf(cfnBucket).map((resource) => ({ resource, props: {} })),
    trails: find(TRAIL, (r, p) => refersTo(r, p.s3BucketName, cfnBucket)),
    streams: find(DELIVERY_STREAM, (r, p) => s3Destinations(p).some((d) => refersTo(r, d?.bucketArn, cfnBucket))),
    loadBalancers: find(LOAD_BALANCER, (r, p) => asArray(p.loadBalancerAttributes).some((a: any) =>
      /^(access|connection)_logs\.s3\.bucket$/.test(String(a?.key)) && refersTo(r, a?.value, cfnBucket))),
  };
}

const REPORT_SOURCES = new WeakMap<IConstruct, Map<string, s3.CfnBucket[]>>();

/**
 * The buckets whose inventory or analytics exports go to this bucket (same stack). Every bucket's
 * configurations are read once per synthesis, into an index by the logical id they refer to.
 */
function reportSourcesOf(target: s3.CfnBucket): s3.CfnBucket[] {
  const root = target.node.root;
  let index = REPORT_SOURCES.get(root);
  if (!index) {
    const built = new Map<string, s3.CfnBucket[]>();
    for (const source of resourcesOf(target, BUCKET) as s3.CfnBucket[]) {
      const text = JSON.stringify(reportDestinations(source));
      for (const match of text.matchAll(/\{"(?:Ref|Fn::GetAtt)":\[?"([^"]+)"/g)) {
        const key = `${Stack.of(source).node.path}|${match[1]}`;
        const list = built.get(key) ?? [];
        if (!list.includes(source)) list.push(source);
        built.set(key, list);
      }
    }
    index = built;
    REPORT_SOURCES.set(root, index);
    queueMicrotask(() => REPORT_SOURCES.delete(root));
  }
  // Most apps export no report: no logical id to resolve then.
  if (index.size === 0) return [];
  const stack = Stack.of(target);
  return index.get(`${stack.node.path}|${stack.resolve(target.logicalId)}`) ?? [];
}

/**
 * The destination bucket ARNs of a bucket's inventory and storage class analysis exports
 * (resolved: aws-cdk-lib gives its inventories as a lazy value). Only these two properties are
 * resolved, and only where they are set: every bucket of the app is asked.
 */
function reportDestinations(bucket: s3.CfnBucket): unknown[] {
  const stack = Stack.of(bucket);
  const resolved = (value: unknown) => value === undefined ? [] : asArray(stack.resolve(value));
  const inventories = resolved(bucket.inventoryConfigurations).map((c: any) => c?.destination?.bucketArn);
  const analytics = resolved(bucket.analyticsConfigurations).map((c: any) => c?.storageClassAnalysis?.dataExport?.destination?.bucketArn);
  return [...inventories, ...analytics];
}

function s3Destinations(p: Record<string, any>): any[] {
  return [p.extendedS3DestinationConfiguration, p.s3DestinationConfiguration].filter((d) => d !== undefined);
}

function asArray(value: unknown): any[] {
  if (value === undefined || value === null || Token.isUnresolved(value)) return [];
  return Array.isArray(value) ? value : [value];
}

function pathOf(resource: CfnResource): string {
  return (resource.node.scope ?? resource).node.path;
}

// ---------------------------------------------------------------------------------------------
// The bucket side: checks at synth, and the key policy completed before
// ---------------------------------------------------------------------------------------------

/**
 * Registers, for an EncryptedBucket, the completion of its key policy: an Aspect, so it runs on
 * the finished tree before the template is written. The refusals are checkServiceWriters, one of
 * the synth-time checks of index.ts.
 */
export function completeServiceKeyPolicies(bucket: s3.Bucket, facts: ServiceFacts): void {
  Aspects.of(bucket).add({
    visit: (node) => {
      if (node === bucket) completeBucketKeyPolicy(bucket, facts);
    },
  });
}

function completeBucketKeyPolicy(bucket: s3.Bucket, facts: ServiceFacts): void {
  const key = facts.key;
  if (!key || MODE_FACTS[facts.sse.mode].key !== 'customerManaged' || facts.requireEncryptionHeaders) return;
  const writers = writersInto(bucket);
  for (const w of writers.flowLogs) {
    const stack = Stack.of(w.resource);
    // VPC User Guide, "Amazon S3 bucket permissions for flow logs": log delivery writes as
    // delivery.logs.amazonaws.com, from arn:<partition>:logs:<region>:<account>:*.
    addServiceUse(bucket, facts, key, ServiceKeySid.FLOW_LOGS, 'delivery.logs.amazonaws.com', ['kms:GenerateDataKey*'],
      stack.account, stack.formatArn({ service: 'logs', resource: '*' }));
  }
  for (const w of writers.reportSources) {
    const source = w.resource as s3.CfnBucket;
    // S3 User Guide, "Configuring Amazon S3 Inventory": S3 writes the report as s3.amazonaws.com.
    // The source refers to this bucket, which refers to the key: the key policy cannot refer to
    // the source (a dependency cycle), only name it.
    addServiceUse(bucket, facts, key, ServiceKeySid.S3_REPORTS, 's3.amazonaws.com', ['kms:GenerateDataKey'],
      Stack.of(source).account, sourceBucketArn(source, false));
  }
}

/**
 * The ARN of a source bucket for `aws:SourceArn` in a key policy: built from its name when the name
 * is literal; a reference to the bucket when `mayRefer` (no dependency cycle); otherwise any bucket
 * (`arn:<partition>:s3:::*`), which leaves the statement limited by `aws:SourceAccount` alone.
 */
function sourceBucketArn(source: s3.CfnBucket, mayRefer: boolean): string {
  const name = source.bucketName;
  if (typeof name === 'string' && !Token.isUnresolved(name)) return `arn:${Aws.PARTITION}:s3:::${name}`;
  return mayRefer ? source.attrArn : `arn:${Aws.PARTITION}:s3:::*`;
}

/**
 * One statement per key and service; each writer adds its account and source ARN to it. The
 * condition values are lazy, so buckets that share a key share the statement.
 */
function addServiceUse(bucket: s3.Bucket, facts: ServiceFacts, key: kms.IKey, sid: ServiceKeySid, service: string,
  actions: string[], account: string, sourceArn: string): void {
  const statement = serviceStatement(key, sid, service, actions);
  if (!statement) {
    warnKeyNotEditable(bucket, facts, service, actions, account, sourceArn);
    return;
  }
  statement.accounts.add(account);
  statement.sourceArns.add(sourceArn);
}

interface ServiceStatement {
  readonly accounts: Set<string>;
  readonly sourceArns: Set<string>;
}

const STATEMENTS = new WeakMap<kms.IKey, Map<string, ServiceStatement>>();

/** The statement `sid` of the key's policy, added on first use; undefined if the key policy cannot be edited. */
function serviceStatement(key: kms.IKey, sid: string, service: string, actions: string[]): ServiceStatement | undefined {
  let byKey = STATEMENTS.get(key);
  if (!byKey) {
    byKey = new Map();
    STATEMENTS.set(key, byKey);
  }
  const known = byKey.get(sid);
  if (known) return known;
  const entry: ServiceStatement = { accounts: new Set(), sourceArns: new Set() };
  const sorted = (values: Set<string>): IResolvable => Lazy.uncachedAny({ produce: () => single([...values]) });
  const added = key.addToResourcePolicy(new iam.PolicyStatement({
    sid,
    effect: iam.Effect.ALLOW,
    principals: [new iam.ServicePrincipal(service)],
    actions,
    resources: ['*'],
    conditions: {
      StringEquals: { 'aws:SourceAccount': sorted(entry.accounts) },
      ArnLike: { 'aws:SourceArn': sorted(entry.sourceArns) },
    },
  }), true); // an imported key: statementAdded false, no error
  if (!added.statementAdded) return undefined;
  byKey.set(sid, entry);
  return entry;
}

function single(values: string[]): string | string[] {
  return values.length === 1 ? values[0] : values;
}

function warnKeyNotEditable(bucket: s3.Bucket, facts: ServiceFacts, service: string, actions: string[], account: string,
  sourceArn: string): void {
  const stack = Stack.of(bucket);
  const statement = JSON.stringify({
    Effect: 'Allow', Principal: { Service: service }, Action: actions, Resource: '*',
    Condition: { StringEquals: { 'aws:SourceAccount': stack.resolve(account) }, ArnLike: { 'aws:SourceArn': stack.resolve(sourceArn) } },
  });
  Annotations.of(bucket).addWarningV2(SERVICE_KEY_POLICY_WARNING, `${facts.owner}: ${service} writes into this bucket, and ` +
    'the library cannot edit the policy of its key (an imported key). Every delivery fails unless the key policy holds this ' +
    `statement: ${statement}. Add it to the key policy, then acknowledge with ` +
    `Annotations.of(bucket).acknowledgeWarning('${SERVICE_KEY_POLICY_WARNING}').`);
}

/** The refusals: each service into a bucket whose policy or key it cannot get through. */
export function checkServiceWriters(bucket: s3.Bucket, facts: ServiceFacts): void {
  const writers = writersInto(bucket);
  const mode = facts.sse.mode;
  const owner = facts.owner;
  const strict = facts.requireEncryptionHeaders;
  const sseC = mode === EncryptionMode.CUSTOMER_PROVIDED;
  const awsManaged = MODE_FACTS[mode].key === 'awsManaged';
  const fail = (message: string): never => {
    throw new EncryptionValidationError(`${owner}: ${message}`);
  };

  for (const w of writers.flowLogs) {
    const what = `the VPC flow log '${pathOf(w.resource)}' delivers into this bucket`;
    const fix = 'Send flow logs to an EncryptedBucket with ServerSideEncryption.kms() (the library then lets ' +
      'delivery.logs.amazonaws.com use its key, limited to the flow log\'s account) or s3Managed(), without requireEncryptionHeaders.';
    if (sseC) fail(`${what}, but it is a ServerSideEncryption.customerProvided() bucket: log delivery sends no SSE-C key, so every delivery is denied. ${fix}`);
    if (strict) fail(`${what}, but requireEncryptionHeaders is true: AWS does not document that log delivery sends an encryption header, and the bucket policy denies every upload without one (DenyUnencryptedObjectUploads). ${fix}`);
    if (awsManaged) fail(`${what}, but serverSideEncryption is ServerSideEncryption.kmsManaged(): delivery.logs.amazonaws.com cannot use the AWS managed key aws/s3, whose key policy cannot be edited. ${fix}`);
    if (!allowsService(bucket, 'delivery.logs.amazonaws.com')) {
      fail(`${what}, but the bucket policy does not allow delivery.logs.amazonaws.com to write: aws-cdk-lib adds that statement only ` +
        'with the feature flag @aws-cdk/aws-s3:createDefaultLoggingPolicy, and without it the flow log service replaces the ' +
        'bucket policy when the flow log is created (dropping this bucket\'s encryption statements) or fails. Set ' +
        '"@aws-cdk/aws-s3:createDefaultLoggingPolicy": true in the context of cdk.json.');
    }
  }

  for (const w of writers.reportSources) {
    const what = `the inventory or analytics export of bucket '${pathOf(w.resource)}' is written into this bucket`;
    const fix = 'Export into an EncryptedBucket with ServerSideEncryption.kms() (the library then lets s3.amazonaws.com use ' +
      'its key, limited to the source bucket) or s3Managed(), without requireEncryptionHeaders.';
    if (sseC) fail(`${what}, but it is a ServerSideEncryption.customerProvided() bucket: S3 sends no SSE-C key, so every export is denied. ${fix}`);
    if (strict) fail(`${what}, but requireEncryptionHeaders is true: the export is written with the destination's default encryption, and the bucket policy denies every upload without a header (DenyUnencryptedObjectUploads). ${fix}`);
    if (awsManaged) fail(`${what}, but serverSideEncryption is ServerSideEncryption.kmsManaged(): s3.amazonaws.com cannot use the AWS managed key aws/s3, whose key policy cannot be edited. ${fix}`);
  }

  for (const w of writers.trails) {
    const trailKey = w.props.kmsKeyId;
    const what = `the CloudTrail trail '${pathOf(w.resource)}' delivers into this bucket`;
    const fix = 'Send the trail to an EncryptedBucket with ServerSideEncryption.s3Managed(), without requireEncryptionHeaders, ' +
      'and without the trail\'s encryptionKey.';
    if (mode !== EncryptionMode.S3_MANAGED) {
      fail(`${what}, but serverSideEncryption is ${mode}: CloudTrail writes its log files either with SSE-S3 or, when the ` +
        'trail names a KMS key, with SSE-KMS under that key through its own key policy statements, which this library does ' +
        `not write; neither can pass this bucket's policy with its key. ${fix}`);
    }
    if (trailKey !== undefined) {
      fail(`${what} with the trail's encryptionKey, but the bucket is ServerSideEncryption.s3Managed(): CloudTrail then ` +
        `writes SSE-KMS objects, which the bucket policy denies (DenyIncorrectEncryptionHeader). ${fix}`);
    }
    if (strict) fail(`${what}, but requireEncryptionHeaders is true: AWS does not document that CloudTrail sends an encryption header, and the bucket policy denies every upload without one (DenyUnencryptedObjectUploads). ${fix}`);
  }

  for (const w of writers.streams) {
    const what = `the Data Firehose delivery stream '${pathOf(w.resource)}' delivers into this bucket`;
    if (sseC) fail(`${what}, but it is a ServerSideEncryption.customerProvided() bucket: Firehose sends no SSE-C key, so every delivery is denied. Deliver into a bucket in another mode.`);
    for (const d of s3Destinations(w.props)) {
      if (!refersTo(w.resource, d?.bucketArn, bucket.node.defaultChild as s3.CfnBucket)) continue;
      const streamKey = d?.encryptionConfiguration?.kmsEncryptionConfig?.awskmsKeyArn;
      if (streamKey === undefined) {
        if (strict) {
          fail(`${what} without an encryption key, and requireEncryptionHeaders is true: Firehose then sends no encryption ` +
            'header, and the bucket policy denies every upload without one (DenyUnencryptedObjectUploads). ' +
            (mode === EncryptionMode.KMS ? 'Pass encryptionKey: bucket.encryptionKey on the destination (firehose_destinations.S3Bucket), or remove requireEncryptionHeaders.' : 'Remove requireEncryptionHeaders.'));
        }
        continue;
      }
      if (mode !== EncryptionMode.KMS || !facts.key || !sameKey(w.resource, streamKey, facts.key)) {
        fail(`${what} with its own encryptionKey, so Firehose writes SSE-KMS objects under that key, which the bucket policy ` +
          `denies (DenyIncorrectEncryptionHeader or DenyIncorrectEncryptionKey): the bucket is ${mode}. ` +
          (mode === EncryptionMode.KMS ? 'Pass encryptionKey: bucket.encryptionKey, or remove encryptionKey (the bucket\'s default encryption applies).'
            : 'Remove encryptionKey from the destination: the bucket\'s default encryption applies.'));
      }
    }
  }

  for (const w of writers.loadBalancers) {
    const what = `the load balancer '${pathOf(w.resource)}' sends its access or connection logs into this bucket`;
    const fix = 'Send load balancer logs to an EncryptedBucket with ServerSideEncryption.s3Managed() and without ' +
      'requireEncryptionHeaders: SSE-S3 is the only default encryption Elastic Load Balancing supports for its log bucket.';
    if (mode !== EncryptionMode.S3_MANAGED) fail(`${what}, but serverSideEncryption is ${mode}. ${fix}`);
    if (strict) fail(`${what}, but requireEncryptionHeaders is true: AWS does not document that log delivery sends an encryption header, and the bucket policy denies every upload without one (DenyUnencryptedObjectUploads). ${fix}`);
  }
}

/** Whether the bucket policy has an Allow of s3:PutObject for this service principal. */
function allowsService(bucket: s3.Bucket, service: string): boolean {
  // Effect is plain text before resolution: resolve only the Allow statements.
  const allows = asArray(bucket.policy?.document.toJSON()?.Statement).filter((s: any) => s?.Effect !== 'Deny');
  const statements = asArray(Stack.of(bucket).resolve(allows));
  return statements.some((s: any) => s?.Effect === 'Allow' &&
    asArray(s.Principal?.Service).includes(service) && asArray(s.Action).includes('s3:PutObject'));
}

function sameKey(from: CfnResource, value: unknown, key: kms.IKey): boolean {
  const cfnKey = key.node.defaultChild;
  if (cfnKey instanceof kms.CfnKey && refersTo(from, value, cfnKey)) return true;
  const stack = Stack.of(from);
  return JSON.stringify(stack.resolve(value)) === JSON.stringify(stack.resolve(key.keyArn));
}

// ---------------------------------------------------------------------------------------------
// The key side: S3 event notifications into encrypted SNS topics and SQS queues
// ---------------------------------------------------------------------------------------------

/**
 * Registers, for an EncryptionKey, the statement that lets S3 publish event notifications into
 * the topics and queues the key encrypts, limited to the source buckets (S3 User Guide,
 * "Walkthrough: Configuring a bucket for notifications (SNS topic or SQS queue)"). The key's
 * addToResourcePolicy holds back aws-cdk-lib's unscoped statement for the same use
 * (holdUnscopedNotificationStatement), which this replaces.
 */
export function addNotificationKeyPolicy(key: kms.Key): void {
  Aspects.of(key).add({
    visit: (node) => {
      if (node !== key) return;
      const sources = notificationSources(key);
      const held = HELD.get(key) ?? [];
      HELD.delete(key);
      if (sources.length === 0) {
        // Nothing in the app to scope it to: keep aws-cdk-lib's statement as it was.
        RELEASING.add(key);
        try {
          for (const statement of held) key.addToResourcePolicy(statement);
        } finally {
          RELEASING.delete(key);
        }
        return;
      }
      const entry = serviceStatement(key, ServiceKeySid.S3_NOTIFICATIONS, 's3.amazonaws.com', ['kms:GenerateDataKey', 'kms:Decrypt']);
      const cfnKey = key.node.defaultChild as kms.CfnKey;
      for (const source of sources) {
        // A source encrypted with this very key refers to it: the key policy can only name it.
        const encryptedWithKey = refersTo(source, Stack.of(source).resolve(source.bucketEncryption), cfnKey);
        entry?.accounts.add(Stack.of(source).account);
        entry?.sourceArns.add(sourceBucketArn(source, !encryptedWithKey));
      }
    },
  });
}

const HELD = new WeakMap<kms.IKey, iam.PolicyStatement[]>();
const RELEASING = new WeakSet<kms.IKey>();

/**
 * Holds back aws-cdk-lib's statement for S3 event notifications (s3.amazonaws.com,
 * `kms:GenerateDataKey*`/`kms:GenerateDataKey` and `kms:Decrypt` on `*`, no condition): the
 * Aspect above replaces it with one scoped to the source buckets. Returns whether it was held.
 */
export function holdUnscopedNotificationStatement(key: kms.IKey, statement: iam.PolicyStatement): boolean {
  if (RELEASING.has(key)) return false;
  // What the statement must be, read without resolving it (resolving every statement added to a
  // key cost more than the rest of the check): an Allow with no Sid and no condition on `*`, for
  // one service principal.
  const principals = statement.principals;
  if (statement.effect !== iam.Effect.ALLOW || statement.sid !== undefined || Object.keys(statement.conditions).length > 0 ||
    statement.resources.length !== 1 || statement.resources[0] !== '*' ||
    principals.length !== 1 || !(principals[0] instanceof iam.ServicePrincipal)) return false;
  const json = Stack.of(key).resolve(statement.toStatementJson());
  const actions = asArray(json.Action).slice().sort();
  const isIt = json.Effect === 'Allow' && json.Condition === undefined && json.Sid === undefined &&
    JSON.stringify(json.Principal) === JSON.stringify({ Service: 's3.amazonaws.com' }) && JSON.stringify(json.Resource) === '"*"' &&
    (JSON.stringify(actions) === JSON.stringify(['kms:Decrypt', 'kms:GenerateDataKey*']) ||
      JSON.stringify(actions) === JSON.stringify(['kms:Decrypt', 'kms:GenerateDataKey']));
  if (!isIt) return false;
  const held = HELD.get(key) ?? [];
  held.push(statement);
  HELD.set(key, held);
  return true;
}

/** The buckets (same stack) whose event notifications go to a topic or queue encrypted with this key. */
function notificationSources(key: kms.Key): s3.CfnBucket[] {
  const cfnKey = key.node.defaultChild as kms.CfnKey;
  const targets = [...resourcesOf(key, TOPIC), ...resourcesOf(key, QUEUE)]
    .filter((r) => refersTo(r, propsOf(r).kmsMasterKeyId, cfnKey));
  if (targets.length === 0) return [];
  const buckets = resourcesOf(key, BUCKET) as s3.CfnBucket[];
  const sources = new Set<s3.CfnBucket>();
  for (const n of resourcesOf(key, NOTIFICATIONS)) {
    const p = propsOf(n);
    const config = p.NotificationConfiguration;
    const arns = [
      ...asArray(config?.TopicConfigurations).map((c: any) => c?.TopicArn),
      ...asArray(config?.QueueConfigurations).map((c: any) => c?.QueueArn),
    ];
    if (!arns.some((arn) => targets.some((t) => refersTo(n, arn, t)))) continue;
    const source = buckets.find((b) => refersTo(n, p.BucketName, b));
    if (source) sources.add(source);
  }
  return [...sources];
}
