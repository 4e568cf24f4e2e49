/**
 * Shared building blocks of the integration test apps (test/integ/integ.*.ts).
 *
 * Each app deploys one encryption mode into a test stack with a small test-client Lambda, and an
 * `IntegTest` whose assertion stack invokes that Lambda once per case: the Lambda sends one request
 * to S3 (with the headers, transport and upload style that the case names) and reports what S3
 * answered. The assertions compare that report with the expected outcome.
 *
 * This file is not an integration test itself (integ-runner only picks up files named `integ.*`).
 */
import * as fs from 'fs';
import * as path from 'path';
import { ExpectedResult, IApiCall, IntegTest, Match } from '@aws-cdk/integ-tests-alpha';
import { App, Aws, CfnOutput, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { EncryptedBucket, EncryptedBucketProps, EncryptionKey } from '../../lib';

/** Every stack and log group of the integration tests starts with this. */
export const INTEG_PREFIX = 'S3EncryptionInteg';

/**
 * The context every integration app is synthesized with, whoever runs it (integ-runner, the CDK
 * CLI, or the snapshot test in jest): the project's feature flags from cdk.json, and no path
 * metadata, asset metadata, version reporting or stack traces (as integ-runner and the CLI
 * do), so that the cloud assembly is the same on every machine.
 */
export function integContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'cdk.json'), 'utf8'));
  return {
    ...cdkJson.context,
    'aws:cdk:enable-path-metadata': false,
    'aws:cdk:enable-asset-metadata': false,
    'aws:cdk:version-reporting': false,
    // No creation stack traces: they hold absolute paths of this machine.
    'aws:cdk:disable-stack-trace': true,
    'aws:cdk:disable-creation-stack-traces': true,
  };
}

/** How a request names the server-side encryption it wants. */
export interface SseRequest {
  /** `x-amz-server-side-encryption`. */
  readonly algorithm?: string;
  /** Sends `x-amz-server-side-encryption-aws-kms-key-id` for this key (a name given to `TestClient.useKey`). */
  readonly key?: string;
  /** How the key is named in the header: its full ARN (the default), its bare key id, or its alias name. */
  readonly keyForm?: 'arn' | 'id' | 'alias';
  /** Sends SSE-C headers (a new random 256-bit key per request) on every request of the upload. */
  readonly customerKey?: boolean;
}

/** One request for the test client. */
export interface ClientRequest {
  /**
   * - `put`: PutObject, then HeadObject (and, for SSE-C, GetObject) to see how the object is stored;
   * - `multipart`: CreateMultipartUpload (with the `sse` headers), two 5 MiB UploadParts and
   *   CompleteMultipartUpload (these carry only SSE-C headers, as S3 allows), then as for `put`;
   * - `list`: ListObjectsV2 (MaxKeys 1), over HTTPS or plain HTTP;
   * - `update-encryption`: PutObject without headers, then UpdateObjectEncryption to the SSE-KMS
   *   key that `sse.key` names (by full ARN; `aws/s3` is looked up with DescribeKey), then as for
   *   `put`. Reports `NotInRuntimeSdk` if the Lambda runtime's SDK has no such command yet;
   * - `get`: GetObject of `object` (written by an earlier case), reading the whole body.
   */
  readonly action: 'put' | 'multipart' | 'list' | 'update-encryption' | 'get';
  /** The object key to read (`get` only): the id of the case that wrote it. */
  readonly object?: string;
  /** The bucket (a name given to `TestClient.useBucket`). @default 'Data' */
  readonly bucket?: string;
  readonly sse?: SseRequest;
  /** Send the request over plain HTTP instead of HTTPS (`list` only). */
  readonly overHttp?: boolean;
  /** After an upload, also report whether the object's KMS key is the key behind this alias. */
  readonly compareKeyWithAlias?: string;
}

/**
 * The report of an allowed request: `{ case, outcome: 'allowed', algorithm?, keyArn?, bucketKey,
 * customerAlgorithm?, readBack?, keyMatchesAlias?, observed }`; of a refused one:
 * `{ case, outcome: <S3 error code>, step, deniedBy?, message, observed }`, where `deniedBy` is
 * what S3's access-denied message names (`resource-based policy` for the bucket policy).
 * test/integ-client.test.ts runs it against a fake S3.
 */
export const TEST_CLIENT_CODE = `'use strict';
// Test client of the cdk-s3-encryption integration tests: sends one request to S3 and reports what
// S3 answered. Uses the AWS SDK for JavaScript v3 of the Lambda Node.js runtime.
const crypto = require('crypto');
const s3 = require('@aws-sdk/client-s3');
const { KMSClient, DescribeKeyCommand } = require('@aws-sdk/client-kms');

// Checksums only where S3 requires them, so that multipart parts need no checksum bookkeeping.
const checksums = { requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' };
const overHttps = new s3.S3Client(checksums);
const overHttp = new s3.S3Client({
  ...checksums,
  endpoint: 'http://s3.' + process.env.AWS_REGION + '.' + process.env.URL_SUFFIX,
  forcePathStyle: true,
});
const PART = Buffer.alloc(5 * 1024 * 1024, 'p');

exports.handler = async (event) => {
  const bucket = env('BUCKET_' + (event.bucket || 'Data'));
  const report = event.action === 'list' ? await list(bucket, event.overHttp)
    : event.action === 'update-encryption' ? await updateEncryption(event, bucket)
    : event.action === 'get' ? await get(bucket, event.object)
    : await upload(event, bucket);
  return { case: event.case, ...report };
};

// kmsDenied: whether S3's refusal names kms:Decrypt, i.e. S3 let the request through and KMS
// refused to decrypt the object's data key for this caller.
async function get(bucket, object) {
  try {
    const got = await overHttps.send(new s3.GetObjectCommand({ Bucket: bucket, Key: object }));
    await got.Body.transformToByteArray();
    return { outcome: 'allowed', observed: 'allowed' };
  } catch (e) {
    const report = refused(e, 'GetObject');
    report.kmsDenied = /kms:Decrypt/.test(String(e.message || e));
    return report;
  }
}

async function list(bucket, http) {
  try {
    await (http ? overHttp : overHttps).send(new s3.ListObjectsV2Command({ Bucket: bucket, MaxKeys: 1 }));
    return { outcome: 'allowed', observed: 'allowed' };
  } catch (e) {
    return refused(e, 'ListObjectsV2');
  }
}

async function upload(event, bucket) {
  const sse = event.sse || {};
  const ssec = sse.customerKey ? customerKeyHeaders(crypto.randomBytes(32)) : {};
  const headers = { ...ssec };
  if (sse.algorithm) headers.ServerSideEncryption = sse.algorithm;
  if (sse.key) headers.SSEKMSKeyId = keyName(sse.key, sse.keyForm);
  const object = { Bucket: bucket, Key: event.case };
  const body = event.action === 'multipart' ? Buffer.concat([PART, PART]) : Buffer.from('cdk-s3-encryption ' + event.case);
  let step = event.action === 'multipart' ? 'CreateMultipartUpload' : 'PutObject';
  let uploadId;
  try {
    if (event.action === 'multipart') {
      uploadId = (await overHttps.send(new s3.CreateMultipartUploadCommand({ ...object, ...headers }))).UploadId;
      const parts = [];
      for (const partNumber of [1, 2]) {
        step = 'UploadPart ' + partNumber;
        const part = await overHttps.send(new s3.UploadPartCommand({ ...object, ...ssec, UploadId: uploadId, PartNumber: partNumber, Body: PART }));
        parts.push({ ETag: part.ETag, PartNumber: partNumber });
      }
      step = 'CompleteMultipartUpload';
      await overHttps.send(new s3.CompleteMultipartUploadCommand({ ...object, ...ssec, UploadId: uploadId, MultipartUpload: { Parts: parts } }));
    } else {
      await overHttps.send(new s3.PutObjectCommand({ ...object, ...headers, Body: body }));
    }
  } catch (e) {
    if (uploadId) {
      await overHttps.send(new s3.AbortMultipartUploadCommand({ ...object, UploadId: uploadId })).catch(() => undefined);
    }
    return refused(e, step);
  }
  return stored(event, object, ssec, body);
}

async function updateEncryption(event, bucket) {
  const object = { Bucket: bucket, Key: event.case };
  const body = Buffer.from('cdk-s3-encryption ' + event.case);
  let step = 'PutObject';
  try {
    await overHttps.send(new s3.PutObjectCommand({ ...object, Body: body }));
    step = 'UpdateObjectEncryption';
    if (typeof s3.UpdateObjectEncryptionCommand !== 'function') {
      return { outcome: 'NotInRuntimeSdk', step, observed: 'NotInRuntimeSdk at ' + step };
    }
    const keyArn = event.sse.key === 'aws/s3'
      ? (await new KMSClient({}).send(new DescribeKeyCommand({ KeyId: 'alias/aws/s3' }))).KeyMetadata.Arn
      : keyName(event.sse.key, 'arn');
    await overHttps.send(new s3.UpdateObjectEncryptionCommand({ ...object, ObjectEncryption: { SSEKMS: { KMSKeyArn: keyArn } } }));
  } catch (e) {
    return refused(e, step);
  }
  return stored(event, object, {}, body);
}

async function stored(event, object, ssec, body) {
  const head = await overHttps.send(new s3.HeadObjectCommand({ ...object, ...ssec }));
  const report = { outcome: 'allowed', bucketKey: head.BucketKeyEnabled === true };
  if (head.ServerSideEncryption) report.algorithm = head.ServerSideEncryption;
  if (head.SSEKMSKeyId) report.keyArn = head.SSEKMSKeyId;
  if (head.SSECustomerAlgorithm) {
    report.customerAlgorithm = head.SSECustomerAlgorithm;
    const got = await overHttps.send(new s3.GetObjectCommand({ ...object, ...ssec }));
    const read = Buffer.from(await got.Body.transformToByteArray());
    report.readBack = read.equals(body) ? 'same' : 'different';
  }
  if (event.compareKeyWithAlias) {
    const described = await new KMSClient({}).send(new DescribeKeyCommand({ KeyId: event.compareKeyWithAlias }));
    report.keyMatchesAlias = described.KeyMetadata.Arn === head.SSEKMSKeyId;
  }
  report.observed = ['allowed', report.algorithm, report.keyArn, report.customerAlgorithm && 'SSE-C']
    .filter(Boolean).join(' ');
  return report;
}

function refused(e, step) {
  const message = String(e.message || e);
  const deny = /explicit deny in an? (.+? policy)/.exec(message);
  const report = { outcome: e.name || 'Error', step, message: message.slice(0, 400) };
  if (deny) report.deniedBy = deny[1];
  report.observed = report.outcome + ' at ' + step + (deny ? ' (explicit deny in a ' + deny[1] + ')' : '');
  return report;
}

function customerKeyHeaders(key) {
  return {
    SSECustomerAlgorithm: 'AES256',
    SSECustomerKey: key.toString('base64'),
    SSECustomerKeyMD5: crypto.createHash('md5').update(key).digest('base64'),
  };
}

function keyName(name, form) {
  const arn = env('KEY_' + name);
  if (form === 'id') return arn.split('/').pop();
  if (form === 'alias') return env('ALIAS_' + name);
  return arn;
}

function env(name) {
  const value = process.env[name];
  if (!value) throw new Error('environment variable ' + name + ' is not set');
  return value;
}
`;

/**
 * A Lambda function that sends the requests of the test cases, with inline code (no asset) and
 * only the permissions that the buckets and keys it is told about need.
 */
export class TestClient extends Construct {
  public readonly function: lambda.Function;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.function = new lambda.Function(this, 'Function', {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline(TEST_CLIENT_CODE),
      timeout: Duration.minutes(1),
      memorySize: 256,
      environment: { URL_SUFFIX: Aws.URL_SUFFIX },
      logGroup: new logs.LogGroup(this, 'Logs', {
        retention: logs.RetentionDays.ONE_WEEK,
        removalPolicy: RemovalPolicy.DESTROY,
      }),
    });
  }

  /**
   * Lets the client read and upload to the bucket (the bucket's grants carry the KMS permissions
   * for its key) and name it `name` in requests.
   */
  public useBucket(name: string, bucket: s3.IBucket): void {
    this.function.addEnvironment(`BUCKET_${name}`, bucket.bucketName);
    bucket.grantRead(this.function);
    bucket.grantPut(this.function);
  }

  /**
   * Lets requests name the key as `name` in their encryption headers. Grants nothing: the
   * permissions to use a bucket's key come with the bucket's grants.
   */
  public useKey(name: string, key: kms.IKey, aliasName?: string): void {
    this.function.addEnvironment(`KEY_${name}`, key.keyArn);
    if (aliasName) {
      this.function.addEnvironment(`ALIAS_${name}`, aliasName);
    }
  }

  /** Lets the client read the bucket (`bucket.grantRead`, with its scoped KMS permissions) as `name`. */
  public readBucket(name: string, bucket: s3.IBucket): void {
    this.function.addEnvironment(`BUCKET_${name}`, bucket.bucketName);
    bucket.grantRead(this.function);
  }

  /**
   * Lets the client call s3:GetObject on the bucket's objects as `name`, with no KMS permission:
   * whatever S3 then refuses, KMS refused.
   */
  public getObjectsWithoutKms(name: string, bucket: s3.IBucket): void {
    this.function.addEnvironment(`BUCKET_${name}`, bucket.bucketName);
    this.function.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [bucket.arnForObjects('*')] }));
  }

  /** Lets the client re-encrypt the bucket's objects in place (for `update-encryption`). */
  public allowUpdateObjectEncryption(bucket: s3.IBucket): void {
    this.function.addToRolePolicy(new iam.PolicyStatement({
      actions: ['s3:UpdateObjectEncryption'],
      resources: [bucket.arnForObjects('*')],
    }));
  }

  /** Lets the client look up the key behind an alias (for `compareKeyWithAlias`). */
  public allowDescribeKeyByAlias(aliasName: string): void {
    this.function.addToRolePolicy(new iam.PolicyStatement({
      actions: ['kms:DescribeKey'],
      resources: [Stack.of(this).formatArn({ service: 'kms', resource: 'key', resourceName: '*' })],
      conditions: { StringEquals: { 'kms:RequestAlias': aliasName } },
    }));
  }
}

/** What an upload that S3 stored reports (a subset: other fields are not compared). */
export function storedAs(expected: {
  algorithm?: string;
  keyArn?: string;
  bucketKey?: boolean;
  customerAlgorithm?: string;
  readBack?: 'same';
  keyMatchesAlias?: boolean;
}): Record<string, unknown> {
  return { outcome: 'allowed', ...expected };
}

/** A request that S3 allowed (for `list`). */
export const ALLOWED: Record<string, unknown> = { outcome: 'allowed' };

/** A GetObject that S3 let through and KMS refused (the caller may not decrypt the object's data key). */
export const DENIED_BY_KMS: Record<string, unknown> = { outcome: 'AccessDenied', step: 'GetObject', kmsDenied: true };

/** A request that the bucket policy refused: S3 names an explicit deny in a resource-based policy. */
export function deniedByBucketPolicy(step?: string): Record<string, unknown> {
  return { outcome: 'AccessDenied', deniedBy: 'resource-based policy', ...(step ? { step } : {}) };
}

/**
 * One integration test: an app, the test stack with a `TestClient`, and the `IntegTest`.
 *
 * Keys and buckets made here are destroyed with the stack (buckets are emptied first), so a run
 * leaves no buckets behind and keys only in their 7-day pending-deletion window.
 */
export class EncryptionIntegTest {
  public readonly app: App;
  public readonly stack: Stack;
  public readonly client: TestClient;
  public readonly integ: IntegTest;

  /** @param name names the stacks: `S3EncryptionInteg<name>` (and its assertion stack). */
  constructor(name: string) {
    this.app = new App({ postCliContext: integContext() });
    this.stack = new Stack(this.app, `${INTEG_PREFIX}${name}`, {
      description: `cdk-s3-encryption integration test ${name}: safe to delete`,
    });
    this.client = new TestClient(this.stack, 'TestClient');
    this.integ = new IntegTest(this.app, `${INTEG_PREFIX}${name}Test`, {
      testCases: [this.stack],
      // Each case uploads its own objects: there is nothing to gain from deploying the previous
      // snapshot first, and it would double the run time.
      stackUpdateWorkflow: false,
    });
  }

  /** A customer managed key that is deleted (after 7 days) when the test stack is destroyed. */
  public key(id: string, alias?: string): EncryptionKey {
    return new EncryptionKey(this.stack, id, {
      alias,
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
  }

  /** An `EncryptedBucket` that is emptied and deleted with the test stack, usable by the client as `name`. */
  public bucket(name: string, props: EncryptedBucketProps): EncryptedBucket {
    const bucket = new EncryptedBucket(this.stack, `${name}Bucket`, {
      ...props,
      removalPolicy: RemovalPolicy.DESTROY,
      autoDeleteObjects: true,
    });
    this.client.useBucket(name, bucket);
    return bucket;
  }

  /** Another test client in the test stack, with no permissions until given some. */
  public addClient(id: string): TestClient {
    return new TestClient(this.stack, id);
  }

  /**
   * A case with a known answer: the client's report for `request` must contain `expected`.
   * The case id names the object that the request writes.
   *
   * @param options.client the client that sends the request (default: `this.client`)
   * @param options.after a case that must run first (one that writes the object this one reads)
   */
  public expect(caseId: string, request: ClientRequest, expected: Record<string, unknown>,
    options: { client?: TestClient; after?: IApiCall } = {}): IApiCall {
    const call = this.invoke(caseId, request, options.client);
    call.expect(ExpectedResult.objectLike({
      Payload: Match.serializedJson(Match.objectLike({ case: caseId, ...expected })),
    }));
    options.after?.next(call);
    return call;
  }

  /**
   * A case that the documents leave open: the assertion only checks that the outcome is one of
   * `outcomes`, and the assertion stack outputs what S3 did as `Observed<CaseId>`.
   */
  public record(caseId: string, request: ClientRequest, outcomes: string[]): void {
    const call = this.invoke(caseId, request);
    call.assertAtPath('Payload.outcome', ExpectedResult.stringLikeRegexp(`^(${outcomes.join('|')})$`));
    new CfnOutput(Stack.of(call), `Observed${pascalCase(caseId)}`, {
      description: `What S3 did in case ${caseId}`,
      value: call.getAttString('Payload.observed'),
    });
  }

  private invoke(caseId: string, request: ClientRequest, client: TestClient = this.client) {
    return this.integ.assertions.invokeFunction({
      functionName: client.function.functionName,
      payload: JSON.stringify({ case: caseId, ...request }),
    });
  }
}

function pascalCase(id: string): string {
  return id.split(/[^A-Za-z0-9]+/).map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('');
}
