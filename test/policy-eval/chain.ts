/**
 * Request chains: a composition proven as deployed.
 *
 * A bucket policy proven one request at a time says nothing about whether a composition works:
 * CloudFront reading through origin access control, S3 replicating with a role, a Lambda function
 * writing, each makes several calls (to S3, and from S3 to KMS), and each call is decided by
 * several policies together. A chain writes those calls down, each backed by the AWS document that
 * says the service makes it, and evaluates every call with the independent evaluator against
 * every policy that decides it:
 *
 * - the caller's identity policies, read from the synthesized template (none for a service
 *   principal or an anonymous caller);
 * - the resource policy: the bucket policy for an S3 call, the key policy for a KMS call. For a
 *   KMS key the evaluator applies KMS's own rule: an identity policy counts only where the key
 *   policy trusts the principal's account, and a service principal gets nothing but what the key
 *   policy names.
 *
 * A chain holds only if every call is allowed, under every reading of the request context that
 * REQUEST-CONTEXT.md keeps (`KEY_ID_READINGS`). Least-privilege negatives are single calls that
 * must be denied under every reading (`allowedUnder(call)` is then empty): the same principal
 * against a neighbour bucket or key, a direct KMS call that does not come through S3.
 *
 * Usage (test/chains.test.ts has the cases):
 *
 *   const template = Template.fromStack(stack).toJSON();           // synthesize once
 *   const resolver = new TemplateResolver(template);                // resolve.ts
 *   const chain: Chain = { name: 'Lambda writer', calls: [
 *     { step: 'PutObject without encryption headers', doc: 'Amazon S3 API Reference, PutObject',
 *       principal: role.arn, identity: role.identity,              // fixture.ts identityPoliciesOf
 *       action: 's3:PutObject', resource: `${bucketArn}/a.txt`, resourceAccount: TEST_ACCOUNT,
 *       resourcePolicy: bucketPolicy, context: s3Context({ mode: 'kms', write: 'none', bucketKeyArn: keyArn }) },
 *     { step: 'S3 generates the data key', doc: '...', principal: role.arn, identity: role.identity,
 *       action: 'kms:GenerateDataKey', resource: keyArn, resourceAccount: TEST_ACCOUNT,
 *       resourcePolicy: keyPolicy, context: kmsViaS3Context({ bucketArn, object: 'a.txt', bucketKeys: true }) },
 *   ] };
 *   expect(await chainFailures(chain)).toEqual([]);
 *   expect(await allowedUnder({ ...chain.calls[1], context: {} })).toEqual([]);   // a direct KMS call
 *
 * Evaluations are cached by their input: a call shared by several chains, or the same under
 * several readings, is evaluated once.
 */
import type { EvaluationResult } from '@cloud-copilot/iam-simulate';
import { KEY_ID_READINGS, KeyIdReading, ModeName, TRANSPORTS, WriteId, WRITES } from './cases';
import { S3_ARN_CONTEXT_KEY, evaluateKms } from './encryption-context';
import { evaluate, EvalRequest, PolicyDocument } from './evaluate';
import { requestContext } from './request-context';
import { TEST_ACCOUNT, TEST_REGION } from './resolve';

export const READINGS = Object.keys(KEY_ID_READINGS) as KeyIdReading[];

/** Condition keys of a call, fixed or depending on how S3 fills the key-id key. */
export type CallContext = Record<string, string | string[]> | ((reading: KeyIdReading) => Record<string, string | string[]>);

/** One call that a client or an AWS service makes in a composition. */
export interface ChainCall {
  /** What the call is, in words (appears in failures). */
  readonly step: string;
  /** The AWS document, by title, that says the service makes this call with this context. */
  readonly doc: string;
  /** The caller: a role ARN, a service principal (`cloudfront.amazonaws.com`), or `anonymous`. */
  readonly principal: string;
  /** The caller's identity policies (empty for a service principal or anonymous caller). */
  readonly identity: ReadonlyArray<{ readonly name: string; readonly policy: PolicyDocument }>;
  readonly action: string;
  readonly resource: string;
  /** The account that owns the resource. */
  readonly resourceAccount: string;
  /** The bucket policy (S3 calls) or key policy (KMS calls). */
  readonly resourcePolicy?: PolicyDocument;
  readonly context: CallContext;
}

export interface Chain {
  readonly name: string;
  readonly calls: readonly ChainCall[];
}

export interface CallOutcome {
  readonly step: string;
  readonly reading: KeyIdReading;
  readonly result: EvaluationResult;
}

/** Whether a principal is a service principal, which no identity policy can speak for. */
export function isServicePrincipal(principal: string): boolean {
  return /^[a-z0-9.-]+\.amazonaws\.com(\.cn)?$/.test(principal);
}

const cache = new Map<string, Promise<EvaluationResult>>();

/** The evaluator's verdict on one call under one reading. */
export function evaluateCall(call: ChainCall, reading: KeyIdReading): Promise<EvaluationResult> {
  if (isServicePrincipal(call.principal) && call.identity.length > 0) {
    throw new Error(`${call.step}: a service principal (${call.principal}) has no identity policies`);
  }
  const context = typeof call.context === 'function' ? call.context(reading) : call.context;
  const request: EvalRequest = {
    principal: call.principal,
    action: call.action,
    resource: call.resource,
    resourceAccount: call.resourceAccount,
    context,
  };
  const policies = { identity: call.identity, resource: call.resourcePolicy };
  const key = JSON.stringify([request, policies]);
  let verdict = cache.get(key);
  if (!verdict) {
    verdict = call.action.toLowerCase().startsWith('kms:') ? evaluateKms(request, policies) : evaluate(request, policies);
    cache.set(key, verdict);
  }
  return verdict;
}

/** Every call of the chain under every reading. */
export async function runChain(chain: Chain, readings: readonly KeyIdReading[] = READINGS): Promise<CallOutcome[]> {
  if (chain.calls.length === 0) throw new Error(`${chain.name}: a chain without calls proves nothing`);
  const outcomes: CallOutcome[] = [];
  for (const reading of readings) {
    for (const call of chain.calls) {
      outcomes.push({ step: call.step, reading, result: await evaluateCall(call, reading) });
    }
  }
  return outcomes;
}

/** The calls of the chain that are not allowed, as "reading: step -> verdict"; empty when the chain holds. */
export async function chainFailures(chain: Chain, readings: readonly KeyIdReading[] = READINGS): Promise<string[]> {
  return (await runChain(chain, readings))
    .filter((o) => o.result !== 'Allowed')
    .map((o) => `${o.reading}: ${o.step} -> ${o.result}`);
}

/** The readings under which the call is allowed; empty when it is denied under every one (a negative). */
export async function allowedUnder(call: ChainCall, readings: readonly KeyIdReading[] = READINGS): Promise<KeyIdReading[]> {
  const allowed: KeyIdReading[] = [];
  for (const reading of readings) {
    if (await evaluateCall(call, reading) === 'Allowed') allowed.push(reading);
  }
  return allowed;
}

// ---------------------------------------------------------------------------------------------
// Request contexts
// ---------------------------------------------------------------------------------------------

export interface S3ContextOptions {
  /** The bucket's mode (decides the key S3 fills in under the effective-key readings). */
  readonly mode: ModeName;
  /** The write request, by its id in cases.ts (`none`: no encryption header); none for a read. */
  readonly write?: WriteId;
  /** The ARN that `kmsKey: 'bucket'` stands for: the bucket's key (for a replica: the replica key). */
  readonly bucketKeyArn?: string;
  /** Plain HTTP instead of TLS 1.2. @default false */
  readonly http?: boolean;
  /** Further keys the request carries (such as aws:SourceArn of a service). */
  readonly extra?: Record<string, string | string[]>;
}

/** The condition keys of an S3 request, under each reading (request-context.ts). */
export function s3Context(options: S3ContextOptions): (reading: KeyIdReading) => Record<string, string | string[]> {
  const transport = TRANSPORTS.find((t) => t.id === (options.http ? 'http' : 'tls1.2'))!;
  const write = options.write === undefined ? undefined : WRITES.find((w) => w.id === options.write);
  if (options.write !== undefined && !write) throw new Error(`no write request ${options.write} in cases.ts`);
  return (reading) => ({
    ...requestContext({ transport, write, reading, config: { id: `chain(${options.mode})`, mode: options.mode } }, options.bucketKeyArn),
    ...options.extra,
  });
}

export interface KmsViaS3Options {
  /** The bucket whose object S3 encrypts or decrypts. */
  readonly bucketArn: string;
  /** The object key. */
  readonly object: string;
  /**
   * Whether the bucket uses S3 Bucket Keys: S3 then names the bucket in the encryption context,
   * otherwise the object (S3 User Guide, "Reducing the cost of SSE-KMS with Amazon S3 Bucket Keys").
   */
  readonly bucketKeys: boolean;
  /** The bucket's region. @default TEST_REGION */
  readonly region?: string;
  /** The endpoint suffix of the partition. @default amazonaws.com */
  readonly urlSuffix?: string;
  /** The account of the principal S3 calls KMS for. @default TEST_ACCOUNT */
  readonly callerAccount?: string;
}

/**
 * The condition keys of a KMS call that S3 makes on a principal's behalf: `kms:ViaService` (the S3
 * endpoint of the bucket's region), `kms:CallerAccount`, and the S3 encryption context
 * (AWS KMS Developer Guide, "kms:ViaService" and "kms:EncryptionContext:context-key"; S3 User
 * Guide, "Using server-side encryption with AWS KMS keys (SSE-KMS)", encryption context).
 */
export function kmsViaS3Context(options: KmsViaS3Options): Record<string, string> {
  return {
    'kms:ViaService': `s3.${options.region ?? TEST_REGION}.${options.urlSuffix ?? 'amazonaws.com'}`,
    'kms:CallerAccount': options.callerAccount ?? TEST_ACCOUNT,
    [S3_ARN_CONTEXT_KEY]: options.bucketKeys ? options.bucketArn : `${options.bucketArn}/${options.object}`,
  };
}

/** The same KMS call made directly (not through S3): no kms:ViaService, the caller's own context. */
export function directKmsContext(options: KmsViaS3Options): Record<string, string> {
  const { 'kms:ViaService': _via, ...rest } = kmsViaS3Context(options);
  return rest;
}
