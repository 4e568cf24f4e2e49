/**
 * The decision matrix of the organization's resource control policy (OrganizationEncryptionPolicy):
 * which requests to a member account's buckets each policy configuration must deny.
 *
 * Like cases.ts (whose writes, transports and key-id readings it reuses), this file is pure data:
 * every expected verdict is written down from the S3/IAM semantics, never from the library's
 * output, and it imports neither the library nor the evaluator.
 *
 * An RCP knows no bucket. What a bucket changes is only what S3 puts in the key-id condition key
 * under the "effective key" readings (its default key, for a write that names none), so every
 * write runs against member buckets with each kind of default encryption, and under every reading.
 */
import { KEY_ID_READINGS, KeyIdReading, KeyRef, ModeName, Transport, TRANSPORTS, WRITES, WriteRequest } from './cases';
import { OTHER_ACCOUNT, TEST_ACCOUNT } from './resolve';

/** The member account's central key account (a `keyAccounts` entry). */
export const KEY_ACCOUNT = '333333333333';

/**
 * The break-glass roles that `exemptPrincipalArns` names: a name pattern within the member
 * account. A wildcard account is refused: `aws:PrincipalArn` matches principals of every account.
 */
export const BREAK_GLASS_PATTERN = `arn:aws:iam::${TEST_ACCOUNT}:role/BreakGlass*`;

/** One OrganizationEncryptionPolicy configuration under test. */
export interface RcpConfig {
  readonly id: string;
  readonly allowedAlgorithms?: string[];
  readonly keyAccounts?: string[];
  readonly minimumTlsVersion?: number;
  readonly requireEncryptionHeaders?: boolean;
  readonly exemptPrincipalArns?: string[];
}

export const RCP_CONFIGS: readonly RcpConfig[] = [
  { id: 'Baseline' },
  { id: 'KmsCentralKeys', allowedAlgorithms: ['aws:kms'], keyAccounts: [KEY_ACCOUNT] },
  { id: 'KmsOrDsseTls13', allowedAlgorithms: ['aws:kms', 'aws:kms:dsse'], minimumTlsVersion: 1.3 },
  { id: 'Strict', requireEncryptionHeaders: true },
  {
    id: 'StrictCentralKeysBreakGlass', allowedAlgorithms: ['aws:kms'], keyAccounts: [KEY_ACCOUNT], minimumTlsVersion: 1.2,
    requireEncryptionHeaders: true, exemptPrincipalArns: [BREAK_GLASS_PATTERN],
  },
];

/** A bucket of a member account, by its default encryption. */
export interface MemberBucket {
  readonly id: string;
  /** The mode of its default encryption (decides which key S3 fills in for a write that names none). */
  readonly mode: ModeName;
  /** The account of its default KMS key, for the modes with a customer managed key. */
  readonly keyAccount?: string;
}

export const MEMBER_BUCKETS: readonly MemberBucket[] = [
  { id: 'SseS3Default', mode: 's3Managed' },
  { id: 'OwnKeyDefault', mode: 'kms', keyAccount: TEST_ACCOUNT },
  { id: 'AwsManagedKeyDefault', mode: 'kmsManaged' },
  { id: 'CentralKeyDefault', mode: 'kms', keyAccount: KEY_ACCOUNT },
  // A default key of an account outside keyAccounts: the RCP cannot see a bucket's default
  // encryption, so writes that name no key pass; the bucket policy and the guard own that setting.
  { id: 'OtherAccountKeyDefault', mode: 'kms', keyAccount: OTHER_ACCOUNT },
];

/**
 * Who calls: a role of the member account; a role of another account (allowed by the bucket's
 * own policy: an RCP applies to every caller of the account's resources); a member role whose
 * name the break-glass exemption matches; a role of an account outside the organization with the
 * same name as the break-glass role (let in by the bucket policy too: it must not be exempt);
 * S3 server access log delivery, an AWS service principal.
 */
export type RcpPrincipal = 'memberRole' | 'otherAccountRole' | 'breakGlassRole' | 'foreignBreakGlassRole' | 'logDelivery';
export const RCP_PRINCIPALS: readonly RcpPrincipal[] = ['memberRole', 'otherAccountRole', 'breakGlassRole', 'foreignBreakGlassRole', 'logDelivery'];

export type RcpAction = WriteRequest['action'] | 's3:GetObject' | 's3:ListBucket';

export interface RcpCase {
  readonly name: string;
  readonly rcp: RcpConfig;
  readonly bucket: MemberBucket;
  readonly action: RcpAction;
  readonly write?: WriteRequest;
  readonly transport: Transport;
  readonly principal: RcpPrincipal;
  readonly reading: KeyIdReading;
  /** Undefined when allowed; otherwise why the RCP denies it. */
  readonly deniedBecause?: string;
}

/** The account that owns a key a write names (or S3 fills in). */
export function keyAccountOf(key: KeyRef, bucket: MemberBucket): string {
  switch (key) {
    case 'bucket': return bucket.keyAccount!;
    case 'other': return TEST_ACCOUNT; // another key of the bucket's account
    case 'otherAccount': return OTHER_ACCOUNT;
    case 'awsManaged': return TEST_ACCOUNT; // aws/s3 always belongs to the bucket's account
  }
}

/**
 * Why the RCP denies the request, or undefined when it does not. From the semantics:
 * - transport (every principal, exempt or not): plain HTTP; TLS below `minimumTlsVersion`;
 * - principals matching `exemptPrincipalArns` are exempt from every rule below; only the member
 *   account's break-glass role is: a same-named role of an account outside the organization is not;
 * - an upload or replica with SSE-C headers;
 * - with `allowedAlgorithms`: a write (upload, replica, re-encryption) that names another
 *   algorithm; a write that names none is never judged by it;
 * - with `keyAccounts`: a write that names a key (a request can name a key only together with an
 *   algorithm) of an account that is neither the bucket's nor a key account. A key S3 picks for a
 *   write that names none (the bucket default, or `aws/s3` for `aws:kms` alone) is never judged:
 *   the RCP cannot see the bucket's default, and `aws/s3` is always an own-account key;
 * - strict mode: an upload (`s3:PutObject`, so also UploadPart and CompleteMultipartUpload, which
 *   never carry the header) without the algorithm header and without SSE-C headers, unless an AWS
 *   service principal makes it.
 */
export function rcpDenial(rcp: RcpConfig, bucket: MemberBucket, action: RcpAction, write: WriteRequest | undefined,
  transport: Transport, principal: RcpPrincipal): string | undefined {
  if (!transport.secure) return 'plain HTTP';
  if (rcp.minimumTlsVersion !== undefined && transport.tlsVersion! < rcp.minimumTlsVersion) return `TLS below ${rcp.minimumTlsVersion}`;
  if (!write) return undefined;
  if (principal === 'breakGlassRole' && rcp.exemptPrincipalArns?.includes(BREAK_GLASS_PATTERN)) return undefined;

  if (write.sseC) return 'SSE-C';
  if (rcp.allowedAlgorithms && write.sse !== undefined && !rcp.allowedAlgorithms.includes(write.sse)) {
    return `algorithm ${write.sse} not allowed`;
  }
  if (rcp.keyAccounts && write.kmsKey !== undefined) {
    const account = keyAccountOf(write.kmsKey, bucket);
    if (account !== TEST_ACCOUNT && !rcp.keyAccounts.includes(account)) return 'key of an account outside keyAccounts';
  }
  if (rcp.requireEncryptionHeaders && action === 's3:PutObject' && write.sse === undefined && !write.sseC &&
      principal !== 'logDelivery') {
    return 'no SSE header (strict)';
  }
  return undefined;
}

/** Transports for a configuration: TLS 1.1 only where a minimum is set (AWS endpoints refuse it before any policy). */
function transportsFor(rcp: RcpConfig): Transport[] {
  return TRANSPORTS.filter((t) => t.tlsVersion === undefined || t.tlsVersion >= 1.2 || rcp.minimumTlsVersion !== undefined);
}

/**
 * The whole matrix:
 * - every write of cases.ts (uploads, multipart steps, replicas, re-encryptions) against every
 *   member bucket, by the member role, the other account's role and the break-glass role, over
 *   TLS at the configuration's floor (TLS 1.2 or its minimum);
 * - transport: a header-less upload, GetObject and ListBucket over each transport, by the member
 *   role and the break-glass role, against one bucket;
 * - log delivery: the service principal's header-less (and `AES256`) uploads into each bucket;
 * - each of these under every reading of the key-id condition key, with the same expected verdict.
 */
export function allRcpCases(): RcpCase[] {
  const cases: RcpCase[] = [];
  const readings = Object.keys(KEY_ID_READINGS) as KeyIdReading[];
  const add = (rcp: RcpConfig, bucket: MemberBucket, action: RcpAction, write: WriteRequest | undefined,
    transport: Transport, principal: RcpPrincipal) => {
    const deniedBecause = rcpDenial(rcp, bucket, action, write, transport, principal);
    for (const reading of readings) {
      const what = write ? `${action} [${write.id}]` : action;
      cases.push({
        name: `${rcp.id}: ${what} into ${bucket.id} over ${transport.label} by ${principal}, key id ${reading} -> ` +
          (deniedBecause ? `denied (${deniedBecause})` : 'allowed'),
        rcp, bucket, action, write, transport, principal, reading, deniedBecause,
      });
    }
  };
  const tls12 = TRANSPORTS.find((t) => t.id === 'tls1.2')!;
  const tls13 = TRANSPORTS.find((t) => t.id === 'tls1.3')!;
  for (const rcp of RCP_CONFIGS) {
    const floor = rcp.minimumTlsVersion === 1.3 ? tls13 : tls12;
    for (const bucket of MEMBER_BUCKETS) {
      for (const write of WRITES) {
        if (write.kmsKey === 'bucket' && bucket.keyAccount === undefined) continue; // the bucket has no key of its own
        for (const principal of ['memberRole', 'otherAccountRole', 'breakGlassRole'] as const) {
          add(rcp, bucket, write.action, write, floor, principal);
        }
        // The look-alike of the break-glass role, where an exemption exists, against one bucket.
        if (rcp.exemptPrincipalArns && bucket.id === 'OwnKeyDefault') {
          add(rcp, bucket, write.action, write, floor, 'foreignBreakGlassRole');
        }
      }
      for (const write of WRITES.filter((w) => w.id === 'none' || w.id === 'aes256')) {
        for (const transport of [tls12, tls13].filter((t) => t.tlsVersion! >= (rcp.minimumTlsVersion ?? 1.2))) {
          add(rcp, bucket, write.action, write, transport, 'logDelivery');
        }
      }
    }
    const bucket = MEMBER_BUCKETS.find((b) => b.id === 'OwnKeyDefault')!;
    for (const transport of transportsFor(rcp)) {
      for (const principal of ['memberRole', 'breakGlassRole'] as const) {
        if (transport !== floor) { // at the floor, the write part above has it already
          add(rcp, bucket, 's3:PutObject', WRITES.find((w) => w.id === 'none'), transport, principal);
        }
        add(rcp, bucket, 's3:GetObject', undefined, transport, principal);
        add(rcp, bucket, 's3:ListBucket', undefined, transport, principal);
      }
    }
  }
  return cases;
}
