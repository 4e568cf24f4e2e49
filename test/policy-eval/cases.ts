/**
 * The bucket-policy decision matrix: which requests each bucket configuration must allow or deny.
 *
 * Every expected verdict here is written down from the S3/IAM semantics (the project's
 * AWS-SEMANTICS notes), never from the library's output: the tests then prove that the
 * synthesized bucket policies, read by an independent IAM policy evaluator, agree. The README's
 * decision table is generated from this same list (`npm run docs`).
 *
 * This file is pure data: it imports neither the library nor the evaluator.
 */
import { TEST_ACCOUNT, TEST_PARTITION, TEST_REGION } from './resolve';

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

  { id: 'KmsTls12', title: '`minimumTlsVersion: 1.2`', mode: 'kms', minimumTlsVersion: 1.2 },
  { id: 'KmsTls13', title: '`minimumTlsVersion: 1.3`', mode: 'kms', minimumTlsVersion: 1.3 },
  { id: 'CustomerProvidedTls13', title: '`customerProvided()`, `minimumTlsVersion: 1.3`', mode: 'customerProvided', minimumTlsVersion: 1.3 },
];

export type UploadId =
  | 'none' | 'aes256'
  | 'kmsBucketKey' | 'kmsNoKey' | 'kmsOtherKey'
  | 'dsseBucketKey' | 'dsseNoKey' | 'dsseOtherKey'
  | 'sseC' | 'uploadPart' | 'uploadPartSseC';

/** The encryption headers of one upload request (every upload is authorized as s3:PutObject). */
export interface UploadVariant {
  readonly id: UploadId;
  /** Markdown label for the README. */
  readonly label: string;
  /** `x-amz-server-side-encryption` value, if sent. */
  readonly sse?: 'AES256' | 'aws:kms' | 'aws:kms:dsse';
  /** `x-amz-server-side-encryption-aws-kms-key-id`: the ARN of the bucket's key, or of another key. */
  readonly kmsKey?: 'bucket' | 'other';
  /** Whether the SSE-C headers are sent (customer algorithm `AES256`). */
  readonly sseC?: boolean;
}

export const UPLOADS: readonly UploadVariant[] = [
  { id: 'none', label: 'no encryption header (the bucket default applies)' },
  { id: 'aes256', label: '`AES256`', sse: 'AES256' },
  { id: 'kmsBucketKey', label: '`aws:kms` + the bucket\'s key ARN', sse: 'aws:kms', kmsKey: 'bucket' },
  { id: 'kmsNoKey', label: '`aws:kms`, no key id', sse: 'aws:kms' },
  { id: 'kmsOtherKey', label: '`aws:kms` + another key\'s ARN', sse: 'aws:kms', kmsKey: 'other' },
  { id: 'dsseBucketKey', label: '`aws:kms:dsse` + the bucket\'s key ARN', sse: 'aws:kms:dsse', kmsKey: 'bucket' },
  { id: 'dsseNoKey', label: '`aws:kms:dsse`, no key id', sse: 'aws:kms:dsse' },
  { id: 'dsseOtherKey', label: '`aws:kms:dsse` + another key\'s ARN', sse: 'aws:kms:dsse', kmsKey: 'other' },
  { id: 'sseC', label: 'SSE-C (customer algorithm `AES256`)', sseC: true },
  // UploadPart is authorized as s3:PutObject too, but S3 never puts the SSE header on it.
  { id: 'uploadPart', label: 'UploadPart of a multipart upload (carries no SSE header)' },
  // SSE-C headers go on every request, each UploadPart included.
  { id: 'uploadPartSseC', label: 'UploadPart with SSE-C headers', sseC: true },
];

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

export type Action = 's3:PutObject' | 's3:GetObject' | 's3:ListBucket';
export const ACTIONS: readonly Action[] = ['s3:PutObject', 's3:GetObject', 's3:ListBucket'];

/**
 * `sameAccount`: a role of the bucket's account whose IAM policy allows the action.
 * `otherAccount`: a role of another account whose own IAM policy allows the action.
 */
export type PrincipalKind = 'sameAccount' | 'otherAccount';
export const PRINCIPALS: readonly PrincipalKind[] = ['sameAccount', 'otherAccount'];

export interface Verdict {
  readonly allowed: boolean;
  /** Why it is denied (or a note on why it is allowed). */
  readonly why?: string;
  /** Set when AWS's real behaviour is not certain; says what is uncertain. */
  readonly uncertain?: string;
}

const ok = (why?: string): Verdict => ({ allowed: true, why });
const no = (why: string): Verdict => ({ allowed: false, why });

const WRONG_ALGORITHM = 'wrong algorithm';
const OTHER_KEY = 'another key';
const NO_KEY_ID = 'no key id: S3 would use `aws/s3`';
const SSE_C_BLOCKED = 'SSE-C not allowed';
const NOT_SSE_C = 'not SSE-C';
const NAMES_A_KEY = 'names a key: only `aws/s3` is wanted';

/**
 * Which uploads each mode lets through (over TLS, by a principal that IAM allows), from the
 * semantics:
 * - an upload without the header gets the bucket's default encryption, so it is fine in every
 *   mode but SSE-C (where S3 needs the client's key on every request);
 * - a header naming another algorithm than the mode's, or another key than the bucket's, is denied;
 * - `aws:kms`/`aws:kms:dsse` without a key id would land under the AWS managed key `aws/s3`, not
 *   the bucket's key: denied where the bucket has a customer managed key;
 * - SSE-C headers are denied in every mode but SSE-C, which denies everything else;
 * - UploadPart never carries the SSE header (S3 rejects it there), but carries the SSE-C headers.
 * A variant naming "the bucket's key" exists only for modes with a customer managed key.
 */
const UPLOAD_RULES: Record<Family, Partial<Record<UploadId, Verdict>>> = {
  SSE_S3: {
    none: ok(),
    aes256: ok(),
    kmsNoKey: no(WRONG_ALGORITHM),
    kmsOtherKey: no(WRONG_ALGORITHM),
    dsseNoKey: no(WRONG_ALGORITHM),
    dsseOtherKey: no(WRONG_ALGORITHM),
    sseC: no(SSE_C_BLOCKED),
    uploadPart: ok(),
    uploadPartSseC: no(SSE_C_BLOCKED),
  },
  SSE_KMS_CUSTOMER_KEY: {
    none: ok(),
    aes256: no(WRONG_ALGORITHM),
    kmsBucketKey: ok(),
    kmsNoKey: no(NO_KEY_ID),
    kmsOtherKey: no(OTHER_KEY),
    dsseBucketKey: no(WRONG_ALGORITHM),
    dsseNoKey: no(WRONG_ALGORITHM),
    dsseOtherKey: no(WRONG_ALGORITHM),
    sseC: no(SSE_C_BLOCKED),
    uploadPart: ok(),
    uploadPartSseC: no(SSE_C_BLOCKED),
  },
  SSE_KMS_AWS_MANAGED: {
    none: ok(),
    aes256: no(WRONG_ALGORITHM),
    kmsNoKey: ok(),
    kmsOtherKey: no(NAMES_A_KEY),
    dsseNoKey: no(WRONG_ALGORITHM),
    dsseOtherKey: no(WRONG_ALGORITHM),
    sseC: no(SSE_C_BLOCKED),
    uploadPart: ok(),
    uploadPartSseC: no(SSE_C_BLOCKED),
  },
  DSSE_KMS: {
    none: ok(),
    aes256: no(WRONG_ALGORITHM),
    kmsBucketKey: no(WRONG_ALGORITHM),
    kmsNoKey: no(WRONG_ALGORITHM),
    kmsOtherKey: no(WRONG_ALGORITHM),
    dsseBucketKey: ok(),
    dsseNoKey: no(NO_KEY_ID),
    dsseOtherKey: no(OTHER_KEY),
    sseC: no(SSE_C_BLOCKED),
    uploadPart: ok(),
    uploadPartSseC: no(SSE_C_BLOCKED),
  },
  SSE_C: {
    none: no('no SSE-C key'),
    aes256: no(NOT_SSE_C),
    kmsNoKey: no(NOT_SSE_C),
    kmsOtherKey: no(NOT_SSE_C),
    dsseNoKey: no(NOT_SSE_C),
    dsseOtherKey: no(NOT_SSE_C),
    sseC: ok(),
    uploadPart: no('no SSE-C key'),
    uploadPartSseC: ok(),
  },
};

export const UPLOAD_PART_UNCERTAIN = 'UNCERTAIN in AWS: UploadPart never carries the SSE header, so the policy as ' +
  'evaluated denies it, as a 2015 report says AWS does; AWS does not document this, so test multipart uploads before ' +
  'turning strict mode on';

/**
 * The verdict for an upload, over TLS, by a principal whose IAM policy allows it;
 * undefined when the variant does not apply to the mode.
 */
export function expectedUpload(config: BucketConfig, upload: UploadVariant): Verdict | undefined {
  const family = FAMILY[config.mode];
  const base = UPLOAD_RULES[family][upload.id];
  if (base === undefined) return undefined;
  // Strict mode (requireEncryptionHeaders) also denies uploads without the SSE header. In SSE-C
  // mode it changes nothing: SSE-C uploads send no SSE header, and everything else is denied already.
  if (config.requireEncryptionHeaders && family !== 'SSE_C' && upload.sse === undefined && !upload.sseC) {
    return upload.id === 'uploadPart'
      ? { allowed: false, why: 'no SSE header (strict)', uncertain: UPLOAD_PART_UNCERTAIN }
      : no('no SSE header (strict)');
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
  /** For s3:PutObject only. */
  readonly upload?: UploadVariant;
  readonly transport: Transport;
  readonly principal: PrincipalKind;
  /** The verdict for a same-account principal whose IAM policy allows the action. */
  readonly verdict: Verdict;
  /** What the evaluator must answer. */
  readonly expected: EvaluationVerdict;
}

/**
 * The whole matrix. Every configuration is evaluated for:
 * - s3:PutObject with each upload variant that applies to its mode,
 * - s3:GetObject and s3:ListBucket (which carry no upload headers: the bucket policy constrains
 *   them only through transport),
 * - each transport (TLS 1.1 only where minimumTlsVersion is set: without it, AWS endpoints
 *   refuse TLS 1.1 before any policy is read, so the policy's answer would mean nothing),
 * - both principals.
 */
export function allCases(): PolicyCase[] {
  const cases: PolicyCase[] = [];
  for (const config of CONFIGS) {
    const transports = TRANSPORTS.filter((t) =>
      t.tlsVersion === undefined || t.tlsVersion >= LOWEST_TLS_OF_AWS_ENDPOINTS || config.minimumTlsVersion !== undefined);
    for (const action of ACTIONS) {
      const uploads: Array<UploadVariant | undefined> = action === 's3:PutObject' ? [...UPLOADS] : [undefined];
      for (const upload of uploads) {
        const uploadVerdict = upload ? expectedUpload(config, upload) : ok();
        if (uploadVerdict === undefined) continue;
        for (const transport of transports) {
          const transportVerdict = expectedTransport(config, transport);
          const verdict: Verdict = !transportVerdict.allowed ? transportVerdict : uploadVerdict;
          for (const principal of PRINCIPALS) {
            cases.push({
              name: caseName(config, action, upload, transport, principal, verdict),
              config, action, upload, transport, principal, verdict,
              expected: evaluationVerdict(verdict, principal),
            });
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

function caseName(config: BucketConfig, action: Action, upload: UploadVariant | undefined, transport: Transport,
  principal: PrincipalKind, verdict: Verdict): string {
  const what = upload ? `${action} [${upload.id}]` : action;
  const outcome = verdict.allowed ? 'allowed' : `denied (${verdict.why})`;
  const note = verdict.uncertain ? ` -- ${verdict.uncertain}` : '';
  return `${config.id}: ${what} over ${transport.label} by ${principal} role -> ${outcome}${note}`;
}

/** The ARN of a KMS key that is not the bucket's, in the bucket's account and region. */
export const OTHER_KEY_ARN = `arn:${TEST_PARTITION}:kms:${TEST_REGION}:${TEST_ACCOUNT}:key/00000000-1111-2222-3333-444444444444`;

/** The request context that S3 builds for this case. */
export function requestContext(c: PolicyCase, bucketKeyArn: string | undefined): Record<string, string> {
  const context: Record<string, string> = { 'aws:SecureTransport': String(c.transport.secure) };
  if (c.transport.tlsVersion !== undefined) {
    context['s3:TlsVersion'] = c.transport.tlsVersion.toFixed(1);
  }
  const u = c.upload;
  if (u?.sse) {
    context['s3:x-amz-server-side-encryption'] = u.sse;
  }
  if (u?.kmsKey === 'bucket') {
    if (!bucketKeyArn) throw new Error(`${c.config.id} has no key of its own`);
    context['s3:x-amz-server-side-encryption-aws-kms-key-id'] = bucketKeyArn;
  } else if (u?.kmsKey === 'other') {
    context['s3:x-amz-server-side-encryption-aws-kms-key-id'] = OTHER_KEY_ARN;
  }
  if (u?.sseC) {
    context['s3:x-amz-server-side-encryption-customer-algorithm'] = 'AES256';
  }
  return context;
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
