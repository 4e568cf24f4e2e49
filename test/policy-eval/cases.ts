/**
 * The bucket-policy decision matrix: which requests each bucket configuration must allow or deny.
 *
 * Every expected verdict here is written down from the S3/IAM semantics (REQUEST-CONTEXT.md beside
 * this file, and the rules stated above each table), never from the library's output: the tests then prove that the
 * synthesized bucket policies, read by an independent IAM policy evaluator, agree. The README's
 * decision table is generated from this same list (`npm run docs`).
 *
 * This file is pure data: it imports neither the library nor the evaluator.
 */

/** The encryption modes, as the user picks them. */
export type ModeName = 's3Managed' | 'kms' | 'kmsWithKey' | 'kmsManaged' | 'dsseKms' | 'customerProvided';

/** What a mode means for uploads: the rules below depend only on this. */
type Family = 'SSE_S3' | 'SSE_KMS_CUSTOMER_KEY' | 'SSE_KMS_AWS_MANAGED' | 'DSSE_KMS' | 'SSE_C';

const FAMILY: Record<ModeName, Family> = {
  s3Managed: 'SSE_S3',
  kms: 'SSE_KMS_CUSTOMER_KEY',
  kmsWithKey: 'SSE_KMS_CUSTOMER_KEY',
  kmsManaged: 'SSE_KMS_AWS_MANAGED',
  dsseKms: 'DSSE_KMS',
  customerProvided: 'SSE_C',
};

/** Whether the bucket encrypts with a customer managed key of its own (so "the bucket's key" exists). */
export function hasBucketKey(mode: ModeName): boolean {
  return FAMILY[mode] === 'SSE_KMS_CUSTOMER_KEY' || FAMILY[mode] === 'DSSE_KMS';
}

/** One EncryptedBucket configuration under test. */
export interface BucketConfig {
  /** Construct id of the bucket in the test stack (also names the config in test titles). */
  readonly id: string;
  /** How the README names the configuration. */
  readonly title: string;
  readonly mode: ModeName;
  readonly requireEncryptionHeaders?: boolean;
  readonly minimumTlsVersion?: number;
}

export const CONFIGS: readonly BucketConfig[] = [
  { id: 'S3Managed', title: '`s3Managed()`', mode: 's3Managed' },
  { id: 'Kms', title: '`kms()`', mode: 'kms' },
  { id: 'KmsWithKey', title: '`kms({ key })`', mode: 'kmsWithKey' },
  { id: 'KmsManaged', title: '`kmsManaged()`', mode: 'kmsManaged' },
  { id: 'DsseKms', title: '`dsseKms()`', mode: 'dsseKms' },
  { id: 'CustomerProvided', title: '`customerProvided()`', mode: 'customerProvided' },

  { id: 'S3ManagedStrict', title: '`s3Managed()`', mode: 's3Managed', requireEncryptionHeaders: true },
  { id: 'KmsStrict', title: '`kms()`', mode: 'kms', requireEncryptionHeaders: true },
  { id: 'KmsManagedStrict', title: '`kmsManaged()`', mode: 'kmsManaged', requireEncryptionHeaders: true },
  { id: 'DsseKmsStrict', title: '`dsseKms()`', mode: 'dsseKms', requireEncryptionHeaders: true },
  { id: 'CustomerProvidedStrict', title: '`customerProvided()`', mode: 'customerProvided', requireEncryptionHeaders: true },

  { id: 'KmsTls12', title: '`minimumTLSVersion: 1.2`', mode: 'kms', minimumTlsVersion: 1.2 },
  { id: 'KmsTls13', title: '`minimumTLSVersion: 1.3`', mode: 'kms', minimumTlsVersion: 1.3 },
  { id: 'CustomerProvidedTls13', title: '`customerProvided()`, `minimumTLSVersion: 1.3`', mode: 'customerProvided', minimumTlsVersion: 1.3 },
];

/** Which key a write request names, or S3 fills in. */
export type KeyRef = 'bucket' | 'other' | 'otherAccount' | 'awsManaged';

/** The actions that write encryption, each with its own condition keys. */
export type WriteAction = 's3:PutObject' | 's3:ReplicateObject' | 's3:UpdateObjectEncryption';

export type WriteId =
  // s3:PutObject: PutObject, POST, CopyObject, and each step of a multipart upload
  | 'none' | 'aes256'
  | 'kmsBucketKey' | 'kmsNoKey' | 'kmsOtherKey' | 'kmsOtherAccountKey' | 'kmsAwsManagedKey'
  | 'dsseBucketKey' | 'dsseNoKey' | 'dsseOtherKey'
  | 'sseC' | 'uploadPart' | 'uploadPartSseC' | 'completeMultipart' | 'completeMultipartSseC'
  // s3:ReplicateObject: a replica keeps the source's encryption
  | 'replicaKmsBucketKey' | 'replicaKmsOtherKey' | 'replicaKmsAwsManagedKey' | 'replicaDsseBucketKey'
  | 'replicaAes256' | 'replicaNoHeaders' | 'replicaSseC'
  // s3:UpdateObjectEncryption: re-encrypts an object in place under the named SSE-KMS key (full ARN)
  | 'updateToBucketKey' | 'updateToOtherKey' | 'updateToOtherAccountKey' | 'updateToAwsManagedKey';

/** One write request, described by what the client sends; request-context.ts turns it into condition keys. */
export interface WriteRequest {
  readonly id: WriteId;
  readonly action: WriteAction;
  /** Markdown label for the README. */
  readonly label: string;
  /** `x-amz-server-side-encryption` value, if sent (for UpdateObjectEncryption: the type it names). */
  readonly sse?: 'AES256' | 'aws:kms' | 'aws:kms:dsse';
  /** The key named in `x-amz-server-side-encryption-aws-kms-key-id` (always by full ARN here). */
  readonly kmsKey?: KeyRef;
  /** Whether the SSE-C headers are sent (customer algorithm `AES256`). */
  readonly sseC?: boolean;
  /**
   * How S3 encrypts it when the request names nothing: `default` (the bucket's default
   * encryption: header-less PutObject, POST, CopyObject, CreateMultipartUpload), `upload` (the
   * encryption its multipart upload was created with: UploadPart, CompleteMultipartUpload, here
   * created without headers, so again the bucket default), or `source` (a replica keeps the
   * source's encryption). Only the "effective key" readings use it.
   */
  readonly unnamed: 'default' | 'upload' | 'source';
}

const put = (w: Omit<WriteRequest, 'action' | 'unnamed'> & { unnamed?: WriteRequest['unnamed'] }): WriteRequest =>
  ({ action: 's3:PutObject', unnamed: 'default', ...w });
const replica = (w: Omit<WriteRequest, 'action' | 'unnamed'>): WriteRequest => ({ action: 's3:ReplicateObject', unnamed: 'source', ...w });
const update = (w: Omit<WriteRequest, 'action' | 'unnamed' | 'sse'>): WriteRequest =>
  ({ action: 's3:UpdateObjectEncryption', unnamed: 'source', sse: 'aws:kms', ...w });

export const WRITES: readonly WriteRequest[] = [
  put({ id: 'none', label: 'no encryption header (the bucket default applies)' }),
  put({ id: 'aes256', label: '`AES256`', sse: 'AES256' }),
  put({ id: 'kmsBucketKey', label: '`aws:kms` + the bucket\'s key ARN', sse: 'aws:kms', kmsKey: 'bucket' }),
  put({ id: 'kmsNoKey', label: '`aws:kms`, no key id (S3 uses `aws/s3`)', sse: 'aws:kms' }),
  put({ id: 'kmsOtherKey', label: '`aws:kms` + another key\'s ARN (same account)', sse: 'aws:kms', kmsKey: 'other' }),
  put({ id: 'kmsOtherAccountKey', label: '`aws:kms` + the ARN of another account\'s key', sse: 'aws:kms', kmsKey: 'otherAccount' }),
  put({ id: 'kmsAwsManagedKey', label: '`aws:kms` + the ARN of `aws/s3`', sse: 'aws:kms', kmsKey: 'awsManaged' }),
  put({ id: 'dsseBucketKey', label: '`aws:kms:dsse` + the bucket\'s key ARN', sse: 'aws:kms:dsse', kmsKey: 'bucket' }),
  put({ id: 'dsseNoKey', label: '`aws:kms:dsse`, no key id', sse: 'aws:kms:dsse' }),
  put({ id: 'dsseOtherKey', label: '`aws:kms:dsse` + another key\'s ARN', sse: 'aws:kms:dsse', kmsKey: 'other' }),
  put({ id: 'sseC', label: 'SSE-C (customer algorithm `AES256`)', sseC: true }),
  // UploadPart and CompleteMultipartUpload are authorized as s3:PutObject too, but never carry the SSE header.
  put({ id: 'uploadPart', label: 'UploadPart of a multipart upload (never carries the SSE header)', unnamed: 'upload' }),
  // SSE-C headers go on every request, each UploadPart included.
  put({ id: 'uploadPartSseC', label: 'UploadPart with SSE-C headers', sseC: true, unnamed: 'upload' }),
  put({ id: 'completeMultipart', label: 'CompleteMultipartUpload (never carries the SSE header)', unnamed: 'upload' }),
  put({ id: 'completeMultipartSseC', label: 'CompleteMultipartUpload with SSE-C headers', sseC: true, unnamed: 'upload' }),

  replica({ id: 'replicaKmsBucketKey', label: 'replica, `aws:kms` + the bucket\'s key ARN', sse: 'aws:kms', kmsKey: 'bucket' }),
  replica({ id: 'replicaKmsOtherKey', label: 'replica, `aws:kms` + another key\'s ARN', sse: 'aws:kms', kmsKey: 'other' }),
  replica({ id: 'replicaKmsAwsManagedKey', label: 'replica, `aws:kms` + the ARN of `aws/s3`', sse: 'aws:kms', kmsKey: 'awsManaged' }),
  replica({ id: 'replicaDsseBucketKey', label: 'replica, `aws:kms:dsse` + the bucket\'s key ARN', sse: 'aws:kms:dsse', kmsKey: 'bucket' }),
  replica({ id: 'replicaAes256', label: 'replica, `AES256`', sse: 'AES256' }),
  replica({ id: 'replicaNoHeaders', label: 'replica without encryption keys' }),
  replica({ id: 'replicaSseC', label: 'replica of an SSE-C object', sseC: true }),

  update({ id: 'updateToBucketKey', label: 'to the bucket\'s key', kmsKey: 'bucket' }),
  update({ id: 'updateToAwsManagedKey', label: 'to `aws/s3`', kmsKey: 'awsManaged' }),
  update({ id: 'updateToOtherKey', label: 'to another key (same account)', kmsKey: 'other' }),
  update({ id: 'updateToOtherAccountKey', label: 'to another account\'s key', kmsKey: 'otherAccount' }),
];

/** The PutObject-family writes (the README's upload tables). */
export const UPLOADS: readonly WriteRequest[] = WRITES.filter((w) => w.action === 's3:PutObject');

export interface Transport {
  readonly id: 'http' | 'tls1.1' | 'tls1.2' | 'tls1.3';
  readonly label: string;
  readonly secure: boolean;
  /** s3:TlsVersion (absent over plain HTTP). */
  readonly tlsVersion?: number;
}

export const TRANSPORTS: readonly Transport[] = [
  { id: 'http', label: 'plain HTTP', secure: false },
  { id: 'tls1.1', label: 'TLS 1.1', secure: true, tlsVersion: 1.1 },
  { id: 'tls1.2', label: 'TLS 1.2', secure: true, tlsVersion: 1.2 },
  { id: 'tls1.3', label: 'TLS 1.3', secure: true, tlsVersion: 1.3 },
];

/** AWS endpoints refuse TLS below 1.2 since February 2024, before any policy is read. */
const LOWEST_TLS_OF_AWS_ENDPOINTS = 1.2;

export type Action = WriteAction | 's3:GetObject' | 's3:ListBucket';
export const ACTIONS: readonly Action[] = ['s3:PutObject', 's3:ReplicateObject', 's3:UpdateObjectEncryption', 's3:GetObject', 's3:ListBucket'];

/**
 * `sameAccount`: a role of the bucket's account whose IAM policy allows the action.
 * `otherAccount`: a role of another account whose own IAM policy allows the action.
 */
export type PrincipalKind = 'sameAccount' | 'otherAccount';
export const PRINCIPALS: readonly PrincipalKind[] = ['sameAccount', 'otherAccount'];

/**
 * The readings of how S3 fills `s3:x-amz-server-side-encryption-aws-kms-key-id` (see
 * REQUEST-CONTEXT.md). Every case runs under each, and its expected verdict must not depend on it.
 */
export type KeyIdReading = 'headerOnly' | 'effectiveKeyArn' | 'effectiveKeyAliasArn';

export const KEY_ID_READINGS: Readonly<Record<KeyIdReading, string>> = {
  headerOnly: 'the key id is in the context only when the request names one',
  effectiveKeyArn: 'the key id is the ARN of the key S3 will use (the bucket default, or `aws/s3` for `aws:kms` without a key id)',
  effectiveKeyAliasArn: 'as effectiveKeyArn, but `aws/s3` appears as its alias ARN',
};

export interface Verdict {
  readonly allowed: boolean;
  /** Why it is denied (or a note on why it is allowed). */
  readonly why?: string;
}

const ok = (why?: string): Verdict => ({ allowed: true, why });
const no = (why: string): Verdict => ({ allowed: false, why });

const WRONG_ALGORITHM = 'wrong algorithm';
const OTHER_KEY = 'another key';
const NO_KEY_ID = 'no key id: S3 would use `aws/s3`';
const SSE_C_BLOCKED = 'SSE-C not allowed';
const NOT_SSE_C = 'not SSE-C';
const NO_SSE_C_KEY = 'no SSE-C key';
const NOT_AWS_MANAGED = 'a key other than `aws/s3`';
const NO_REENCRYPTION = 'this mode allows no re-encryption';
const DSSE_REENCRYPTION = 'would strip the second layer';

/**
 * Which writes each mode lets through (over TLS, by a principal that IAM allows), from the
 * semantics:
 * - a write that names no algorithm gets the bucket's default encryption (an upload) or keeps
 *   the source's (a replica), so it is fine in every mode but SSE-C;
 * - a write naming another algorithm than the mode's, or another key than the bucket's, is denied;
 * - `aws:kms`/`aws:kms:dsse` without a key id lands under the AWS managed key `aws/s3`, not the
 *   bucket's key: denied where the bucket has a customer managed key, fine for `kmsManaged()`;
 * - SSE-C headers are denied in every mode but SSE-C, which denies everything else;
 * - UploadPart and CompleteMultipartUpload never carry the SSE header, but carry the SSE-C headers;
 * - UpdateObjectEncryption can only produce single-layer SSE-KMS: allowed to the bucket's own key
 *   (`aws/s3` for `kmsManaged()`), denied everywhere else.
 * A request naming "the bucket's key" exists only for modes with a customer managed key.
 */
const WRITE_RULES: Record<Family, Partial<Record<WriteId, Verdict>>> = {
  SSE_S3: {
    none: ok(), aes256: ok(),
    kmsNoKey: no(WRONG_ALGORITHM), kmsOtherKey: no(WRONG_ALGORITHM), kmsOtherAccountKey: no(WRONG_ALGORITHM),
    kmsAwsManagedKey: no(WRONG_ALGORITHM), dsseNoKey: no(WRONG_ALGORITHM), dsseOtherKey: no(WRONG_ALGORITHM),
    sseC: no(SSE_C_BLOCKED), uploadPart: ok(), uploadPartSseC: no(SSE_C_BLOCKED),
    completeMultipart: ok(), completeMultipartSseC: no(SSE_C_BLOCKED),
    replicaKmsOtherKey: no(WRONG_ALGORITHM), replicaKmsAwsManagedKey: no(WRONG_ALGORITHM),
    replicaAes256: ok(), replicaNoHeaders: ok(), replicaSseC: no(SSE_C_BLOCKED),
    updateToAwsManagedKey: no(NO_REENCRYPTION), updateToOtherKey: no(NO_REENCRYPTION), updateToOtherAccountKey: no(NO_REENCRYPTION),
  },
  SSE_KMS_CUSTOMER_KEY: {
    none: ok(), aes256: no(WRONG_ALGORITHM),
    kmsBucketKey: ok(), kmsNoKey: no(NO_KEY_ID), kmsOtherKey: no(OTHER_KEY), kmsOtherAccountKey: no(OTHER_KEY),
    kmsAwsManagedKey: no(OTHER_KEY),
    dsseBucketKey: no(WRONG_ALGORITHM), dsseNoKey: no(WRONG_ALGORITHM), dsseOtherKey: no(WRONG_ALGORITHM),
    sseC: no(SSE_C_BLOCKED), uploadPart: ok(), uploadPartSseC: no(SSE_C_BLOCKED),
    completeMultipart: ok(), completeMultipartSseC: no(SSE_C_BLOCKED),
    replicaKmsBucketKey: ok(), replicaKmsOtherKey: no(OTHER_KEY), replicaKmsAwsManagedKey: no(OTHER_KEY),
    replicaDsseBucketKey: no(WRONG_ALGORITHM), replicaAes256: no(WRONG_ALGORITHM), replicaNoHeaders: ok(),
    replicaSseC: no(SSE_C_BLOCKED),
    updateToBucketKey: ok(), updateToAwsManagedKey: no(OTHER_KEY), updateToOtherKey: no(OTHER_KEY),
    updateToOtherAccountKey: no(OTHER_KEY),
  },
  SSE_KMS_AWS_MANAGED: {
    none: ok(), aes256: no(WRONG_ALGORITHM),
    kmsNoKey: ok(), kmsOtherKey: no(NOT_AWS_MANAGED), kmsOtherAccountKey: no(NOT_AWS_MANAGED), kmsAwsManagedKey: ok(),
    dsseNoKey: no(WRONG_ALGORITHM), dsseOtherKey: no(WRONG_ALGORITHM),
    sseC: no(SSE_C_BLOCKED), uploadPart: ok(), uploadPartSseC: no(SSE_C_BLOCKED),
    completeMultipart: ok(), completeMultipartSseC: no(SSE_C_BLOCKED),
    replicaKmsOtherKey: no(NOT_AWS_MANAGED), replicaKmsAwsManagedKey: ok(),
    replicaAes256: no(WRONG_ALGORITHM), replicaNoHeaders: ok(), replicaSseC: no(SSE_C_BLOCKED),
    updateToAwsManagedKey: ok(), updateToOtherKey: no(NOT_AWS_MANAGED), updateToOtherAccountKey: no(NOT_AWS_MANAGED),
  },
  DSSE_KMS: {
    none: ok(), aes256: no(WRONG_ALGORITHM),
    kmsBucketKey: no(WRONG_ALGORITHM), kmsNoKey: no(WRONG_ALGORITHM), kmsOtherKey: no(WRONG_ALGORITHM),
    kmsOtherAccountKey: no(WRONG_ALGORITHM), kmsAwsManagedKey: no(WRONG_ALGORITHM),
    dsseBucketKey: ok(), dsseNoKey: no(NO_KEY_ID), dsseOtherKey: no(OTHER_KEY),
    sseC: no(SSE_C_BLOCKED), uploadPart: ok(), uploadPartSseC: no(SSE_C_BLOCKED),
    completeMultipart: ok(), completeMultipartSseC: no(SSE_C_BLOCKED),
    replicaKmsBucketKey: no(WRONG_ALGORITHM), replicaKmsOtherKey: no(WRONG_ALGORITHM), replicaKmsAwsManagedKey: no(WRONG_ALGORITHM),
    replicaDsseBucketKey: ok(), replicaAes256: no(WRONG_ALGORITHM), replicaNoHeaders: ok(), replicaSseC: no(SSE_C_BLOCKED),
    updateToBucketKey: no(DSSE_REENCRYPTION), updateToAwsManagedKey: no(DSSE_REENCRYPTION), updateToOtherKey: no(DSSE_REENCRYPTION),
    updateToOtherAccountKey: no(DSSE_REENCRYPTION),
  },
  SSE_C: {
    none: no(NO_SSE_C_KEY), aes256: no(NOT_SSE_C),
    kmsNoKey: no(NOT_SSE_C), kmsOtherKey: no(NOT_SSE_C), kmsOtherAccountKey: no(NOT_SSE_C), kmsAwsManagedKey: no(NOT_SSE_C),
    dsseNoKey: no(NOT_SSE_C), dsseOtherKey: no(NOT_SSE_C),
    sseC: ok(), uploadPart: no(NO_SSE_C_KEY), uploadPartSseC: ok(), completeMultipart: no(NO_SSE_C_KEY), completeMultipartSseC: ok(),
    replicaKmsOtherKey: no(NOT_SSE_C), replicaKmsAwsManagedKey: no(NOT_SSE_C), replicaAes256: no(NOT_SSE_C),
    replicaNoHeaders: no(NO_SSE_C_KEY), replicaSseC: ok(),
    updateToAwsManagedKey: no(NO_REENCRYPTION), updateToOtherKey: no(NO_REENCRYPTION), updateToOtherAccountKey: no(NO_REENCRYPTION),
  },
};

/** Why strict mode denies every multipart upload. */
export const STRICT_MULTIPART = 'UploadPart and CompleteMultipartUpload never carry the SSE header (S3 does not accept it on ' +
  'them), so strict mode denies them: multipart uploads fail, including those of the AWS CLI and SDKs for large files';

/**
 * The verdict for a write, over TLS, by a principal whose IAM policy allows it; undefined when
 * the request does not apply to the mode (it names "the bucket's key" and the mode has none).
 */
export function expectedWrite(config: BucketConfig, write: WriteRequest): Verdict | undefined {
  const family = FAMILY[config.mode];
  const base = WRITE_RULES[family][write.id];
  if (base === undefined) {
    if (write.kmsKey === 'bucket' && !hasBucketKey(config.mode)) return undefined;
    throw new Error(`no rule for ${write.id} in ${family}`);
  }
  // Strict mode (requireEncryptionHeaders) also denies uploads without the SSE header. In SSE-C
  // mode it changes nothing: SSE-C uploads send no SSE header, and everything else is denied already.
  // It is about uploads: replicas and re-encryptions are judged as without it.
  if (config.requireEncryptionHeaders && family !== 'SSE_C' && write.action === 's3:PutObject' &&
      write.sse === undefined && !write.sseC) {
    return no(write.unnamed === 'upload' ? 'no SSE header (strict): multipart uploads fail' : 'no SSE header (strict)');
  }
  return base;
}

/** The verdict of the transport rules alone, for any action. */
export function expectedTransport(config: BucketConfig, transport: Transport): Verdict {
  if (!transport.secure) return no('plain HTTP');
  if (config.minimumTlsVersion !== undefined && transport.tlsVersion! < config.minimumTlsVersion) {
    return no(`TLS below ${config.minimumTlsVersion}`);
  }
  return ok();
}

export type EvaluationVerdict = 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied';

export interface PolicyCase {
  readonly name: string;
  readonly config: BucketConfig;
  readonly action: Action;
  /** For the write actions only. */
  readonly write?: WriteRequest;
  readonly transport: Transport;
  readonly principal: PrincipalKind;
  /** How S3 fills the key-id condition key in this run. */
  readonly reading: KeyIdReading;
  /** The verdict for a same-account principal whose IAM policy allows the action. */
  readonly verdict: Verdict;
  /** What the evaluator must answer. */
  readonly expected: EvaluationVerdict;
}

/**
 * The whole matrix. Every configuration is evaluated for:
 * - each write request that applies to its mode (s3:PutObject, s3:ReplicateObject, s3:UpdateObjectEncryption),
 * - s3:GetObject and s3:ListBucket (which carry no encryption keys: the bucket policy constrains
 *   them only through transport),
 * - each transport (TLS 1.1 only where minimumTlsVersion is set: without it, AWS endpoints
 *   refuse TLS 1.1 before any policy is read, so the policy's answer would mean nothing),
 * - both principals,
 * - each reading of the key-id condition key, with the same expected verdict under all of them.
 */
export function allCases(): PolicyCase[] {
  const cases: PolicyCase[] = [];
  for (const config of CONFIGS) {
    const transports = TRANSPORTS.filter((t) =>
      t.tlsVersion === undefined || t.tlsVersion >= LOWEST_TLS_OF_AWS_ENDPOINTS || config.minimumTlsVersion !== undefined);
    for (const action of ACTIONS) {
      const writes: Array<WriteRequest | undefined> = WRITES.some((w) => w.action === action)
        ? WRITES.filter((w) => w.action === action) : [undefined];
      for (const write of writes) {
        const writeVerdict = write ? expectedWrite(config, write) : ok();
        if (writeVerdict === undefined) continue;
        for (const transport of transports) {
          const transportVerdict = expectedTransport(config, transport);
          const verdict: Verdict = !transportVerdict.allowed ? transportVerdict : writeVerdict;
          for (const principal of PRINCIPALS) {
            for (const reading of Object.keys(KEY_ID_READINGS) as KeyIdReading[]) {
              cases.push({
                name: caseName(config, action, write, transport, principal, reading, verdict),
                config, action, write, transport, principal, reading, verdict,
                expected: evaluationVerdict(verdict, principal),
              });
            }
          }
        }
      }
    }
  }
  return cases;
}

/**
 * A Deny anywhere wins. Otherwise a same-account principal is allowed by its IAM policy alone;
 * a principal of another account also needs an Allow in the bucket policy, and these bucket
 * policies hold only Deny statements, so it is implicitly denied.
 */
function evaluationVerdict(verdict: Verdict, principal: PrincipalKind): EvaluationVerdict {
  if (!verdict.allowed) return 'ExplicitlyDenied';
  return principal === 'sameAccount' ? 'Allowed' : 'ImplicitlyDenied';
}

function caseName(config: BucketConfig, action: Action, write: WriteRequest | undefined, transport: Transport,
  principal: PrincipalKind, reading: KeyIdReading, verdict: Verdict): string {
  const what = write ? `${action} [${write.id}]` : action;
  const outcome = verdict.allowed ? 'allowed' : `denied (${verdict.why})`;
  return `${config.id}: ${what} over ${transport.label} by ${principal} role, key id ${reading} -> ${outcome}`;
}

/** Which key S3 encrypts a write with when the request names none, by mode: the bucket default. */
export function defaultKeyOf(mode: ModeName): KeyRef | undefined {
  switch (FAMILY[mode]) {
    case 'SSE_KMS_CUSTOMER_KEY':
    case 'DSSE_KMS':
      return 'bucket';
    case 'SSE_KMS_AWS_MANAGED':
      return 'awsManaged';
    default:
      return undefined;
  }
}

/**
 * Who may use a bucket's customer managed key through S3 (`kms()`, `kms({ key })`, `dsseKms()`),
 * from the semantics: S3 calls KMS as the requesting principal (kms:ViaService
 * s3.<region>.amazonaws.com); writers need kms:GenerateDataKey, readers kms:Decrypt, multipart
 * writers both. A same-account principal needs an Allow in its IAM policy, which the key policy
 * honours by trusting the account; another account's principal also needs the key policy to name
 * it, and these key policies trust only their own account.
 */
export type KeyUser = 'writer' | 'reader' | 'bystander' | 'otherAccount';
export type KmsAction = 'kms:GenerateDataKey' | 'kms:Decrypt';

export const KEY_USERS: Record<KeyUser, string> = {
  writer: 'a role granted `bucket.grantWrite(role)`',
  reader: 'a role granted `bucket.grantRead(role)`',
  bystander: 'a role of the bucket\'s account without a grant',
  otherAccount: 'a role of another account whose own IAM policy allows `kms:*` on the key',
};

export const KMS_ACTIONS: Record<KmsAction, string> = {
  'kms:GenerateDataKey': '`kms:GenerateDataKey` (uploads)',
  'kms:Decrypt': '`kms:Decrypt` (downloads, and multipart uploads)',
};

export const KEY_EXPECTED: Record<KeyUser, Record<KmsAction, EvaluationVerdict>> = {
  writer: { 'kms:GenerateDataKey': 'Allowed', 'kms:Decrypt': 'Allowed' },
  reader: { 'kms:GenerateDataKey': 'ImplicitlyDenied', 'kms:Decrypt': 'Allowed' },
  bystander: { 'kms:GenerateDataKey': 'ImplicitlyDenied', 'kms:Decrypt': 'ImplicitlyDenied' },
  otherAccount: { 'kms:GenerateDataKey': 'ImplicitlyDenied', 'kms:Decrypt': 'ImplicitlyDenied' },
};

/** The modes whose key the key matrix covers: every mode with a customer managed key. */
export const KEY_MODES: readonly ModeName[] = (Object.keys(FAMILY) as ModeName[]).filter(hasBucketKey);
