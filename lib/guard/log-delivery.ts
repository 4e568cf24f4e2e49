import { RegionInfo } from 'aws-cdk-lib/region-info';

/*
 * Buckets that EncryptionGuard must not hold to `requireKms`: log delivery targets, which AWS
 * requires (Application Load Balancer access logs) or documents (S3 server access logs) to use
 * SSE-S3.
 */

/** Service principals that deliver logs which must be encrypted with SSE-S3. */
const SSE_S3_LOG_SERVICES: Record<string, string> = {
  'logging.s3.amazonaws.com': 'S3 server access logs',
  'logdelivery.elasticloadbalancing.amazonaws.com': 'Elastic Load Balancing access logs',
};

/** The accounts through which Elastic Load Balancing delivers access logs in older regions. */
let elbAccounts: Set<string> | undefined;
function elbLogAccounts(): Set<string> {
  elbAccounts ??= new Set(RegionInfo.regions.map((r) => r.elbv2Account).filter((a): a is string => typeof a === 'string'));
  return elbAccounts;
}

/**
 * Why this bucket receives AWS service logs that must be SSE-S3, or undefined: its bucket policy
 * allows `s3:PutObject` to S3 or Elastic Load Balancing log delivery, or it is the
 * `LoggingConfiguration` destination of another bucket (or of itself). `statements` are its bucket
 * policy's, resolved; `logSource` names the first bucket whose server access logs it receives
 * (`itself`), or undefined.
 */
export function logDeliveryReason(statements: unknown[], logSource: () => string | undefined): string | undefined {
  for (const statement of statements as any[]) {
    if (statement?.Effect !== 'Allow' || !asArray(statement.Action).some((a) => a === 's3:PutObject' || a === 's3:*')) continue;
    for (const service of asArray(statement.Principal?.Service)) {
      if (typeof service === 'string' && SSE_S3_LOG_SERVICES[service]) {
        return `its bucket policy admits ${SSE_S3_LOG_SERVICES[service]} (${service})`;
      }
    }
    for (const principal of asArray(statement.Principal?.AWS)) {
      const account = /:iam::(\d{12}):root/.exec(JSON.stringify(principal))?.[1];
      if (account && elbLogAccounts().has(account)) {
        return `its bucket policy admits Elastic Load Balancing access logs (account ${account})`;
      }
    }
  }
  const source = logSource();
  return source === undefined ? undefined : `it receives the S3 server access logs of ${source}`;
}

function asArray(value: unknown): unknown[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}
