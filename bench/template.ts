/** Reads synthesized templates: sizes, policy bytes, resource counts, and an equivalence check. */

export type Template = {
  Resources?: Record<string, { Type: string; Properties?: Record<string, any>; [k: string]: unknown }>;
  [section: string]: unknown;
};

/** CloudFormation's limit of resources per stack. */
export const MAX_RESOURCES_PER_STACK = 500;
/** CloudFormation's limit of a template body uploaded through S3 (what `cdk deploy` does above 50 KiB). */
export const MAX_TEMPLATE_BYTES_FROM_S3 = 1_000_000;
/** CloudFormation's limit of a template body passed inline. */
export const MAX_TEMPLATE_BYTES_INLINE = 51_200;

export function resourceCount(template: Template): number {
  return Object.keys(template.Resources ?? {}).length;
}

export function resourcesOfType(template: Template, type: string): Array<{ id: string; properties: Record<string, any> }> {
  return Object.entries(template.Resources ?? {})
    .filter(([, r]) => r.Type === type)
    .map(([id, r]) => ({ id, properties: r.Properties ?? {} }));
}

/** Minified JSON bytes, the way a policy size limit counts them. */
export function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value), 'utf8');
}

/**
 * Resolves the intrinsics of a policy to the longest values they take when deployed, so its size
 * can be compared with the service limit: a bucket name of 63 characters, a full key ARN, a
 * 12-digit account, a 14-character region.
 */
export function resolveWorstCase(value: unknown, template: Template): unknown {
  const typeOf = (id: string) => template.Resources?.[id]?.Type;
  const resolve = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(resolve);
    if (v === null || typeof v !== 'object') return v;
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o);
    if (keys.length === 1) {
      const [k] = keys;
      if (k === 'Ref') return ref(String(o.Ref));
      if (k === 'Fn::GetAtt') {
        const [id, attr] = o[k] as [string, string];
        return getAtt(id, attr);
      }
      if (k === 'Fn::Join') {
        const [sep, parts] = o[k] as [string, unknown[]];
        return (resolve(parts) as unknown[]).map(String).join(sep);
      }
    }
    return Object.fromEntries(keys.map((key) => [key, resolve(o[key])]));
  };
  const ref = (id: string): string => {
    switch (id) {
      case 'AWS::Partition': return 'aws';
      case 'AWS::AccountId': return '123456789012';
      case 'AWS::Region': return 'ap-southeast-2';
      case 'AWS::URLSuffix': return 'amazonaws.com';
      default:
        if (typeOf(id) === 'AWS::S3::Bucket') return 'b'.repeat(63);
        if (typeOf(id) === 'AWS::KMS::Key') return '12345678-1234-1234-1234-123456789012';
        throw new Error(`resolveWorstCase: cannot resolve Ref ${id}`);
    }
  };
  const getAtt = (id: string, attr: string): string => {
    if (typeOf(id) === 'AWS::S3::Bucket' && attr === 'Arn') return `arn:aws:s3:::${'b'.repeat(63)}`;
    if (typeOf(id) === 'AWS::KMS::Key' && attr === 'Arn') {
      return 'arn:aws:kms:ap-southeast-2:123456789012:key/12345678-1234-1234-1234-123456789012';
    }
    throw new Error(`resolveWorstCase: cannot resolve Fn::GetAtt ${id}.${attr}`);
  };
  return resolve(value);
}

export interface PolicySizes {
  /** Largest bucket policy, minified, as written in the template (with intrinsics). */
  readonly bucketPolicyTemplateBytes: number;
  /** Largest bucket policy, minified, with intrinsics resolved to their longest deployed values. */
  readonly bucketPolicyDeployedBytes: number;
  /** The key policy, minified, as written in the template. */
  readonly keyPolicyTemplateBytes: number;
  /** The key policy, minified, resolved to its deployed value. */
  readonly keyPolicyDeployedBytes: number;
  /** The key policy itself, to prove that it does not change with the number of buckets. */
  readonly keyPolicy: string;
}

export function policySizes(template: Template): PolicySizes {
  const bucketPolicies = resourcesOfType(template, 'AWS::S3::BucketPolicy').map((p) => p.properties.PolicyDocument);
  const keys = resourcesOfType(template, 'AWS::KMS::Key');
  if (keys.length !== 1) {
    throw new Error(`expected exactly one KMS key, found ${keys.length}`);
  }
  const keyPolicy = keys[0].properties.KeyPolicy;
  const max = (xs: number[]) => xs.reduce((a, b) => Math.max(a, b), 0);
  return {
    bucketPolicyTemplateBytes: max(bucketPolicies.map(jsonBytes)),
    bucketPolicyDeployedBytes: max(bucketPolicies.map((p) => jsonBytes(resolveWorstCase(p, template)))),
    keyPolicyTemplateBytes: jsonBytes(keyPolicy),
    keyPolicyDeployedBytes: jsonBytes(resolveWorstCase(keyPolicy, template)),
    keyPolicy: JSON.stringify(keyPolicy),
  };
}

/** Lambda functions and custom resources: what a construct must not add in a default configuration. */
export function lambdaBackedResources(template: Template): string[] {
  return Object.entries(template.Resources ?? {})
    .filter(([, r]) => r.Type.startsWith('Custom::') || r.Type === 'AWS::CloudFormation::CustomResource' ||
      r.Type.startsWith('AWS::Lambda::') || r.Type === 'AWS::Serverless::Function')
    .map(([id, r]) => `${id} (${r.Type})`);
}

/**
 * The differences between two templates, ignoring the CDKMetadata resource (it names the
 * constructs used, so it always differs between a library and hand-written code). Object keys
 * are compared regardless of order, arrays in order. At most `limit` differences are returned.
 */
export function templateDifferences(a: Template, b: Template, limit = 10): string[] {
  const diffs: string[] = [];
  const strip = (t: Template): Template => {
    const resources = Object.fromEntries(Object.entries(t.Resources ?? {}).filter(([, r]) => r.Type !== 'AWS::CDK::Metadata'));
    return { ...t, Resources: resources };
  };
  const walk = (x: unknown, y: unknown, at: string) => {
    if (diffs.length >= limit) return;
    if (Array.isArray(x) && Array.isArray(y)) {
      if (x.length !== y.length) diffs.push(`${at}: array of ${x.length} vs ${y.length} items`);
      for (let i = 0; i < Math.min(x.length, y.length); i++) walk(x[i], y[i], `${at}[${i}]`);
      return;
    }
    if (x && y && typeof x === 'object' && typeof y === 'object' && !Array.isArray(x) && !Array.isArray(y)) {
      const xo = x as Record<string, unknown>;
      const yo = y as Record<string, unknown>;
      for (const k of new Set([...Object.keys(xo), ...Object.keys(yo)])) {
        if (!(k in xo)) diffs.push(`${at}.${k}: only in the second`);
        else if (!(k in yo)) diffs.push(`${at}.${k}: only in the first`);
        else walk(xo[k], yo[k], `${at}.${k}`);
      }
      return;
    }
    if (x !== y) diffs.push(`${at}: ${JSON.stringify(x)} vs ${JSON.stringify(y)}`);
  };
  walk(strip(a), strip(b), '$');
  return diffs;
}
