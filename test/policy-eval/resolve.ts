import { createHash } from 'crypto';

/**
 * Turns the intrinsics of a synthesized CloudFormation template into the literal values that
 * CloudFormation would give them in one fixed test account and region, so that an IAM policy
 * evaluator can read the policies.
 *
 * It knows only what the policies of this library need; anything else throws, so that a
 * template change can never be evaluated as something it is not.
 */

/** The account that owns every resource of the test stacks. */
export const TEST_ACCOUNT = '111111111111';
/** An account that owns nothing in the test stacks. */
export const OTHER_ACCOUNT = '222222222222';
export const TEST_REGION = 'eu-west-1';
export const TEST_PARTITION = 'aws';

/**
 * The AWS managed key `aws/s3` of the test account and region, as KMS DescribeKey on
 * `alias/aws/s3` would return it there.
 */
export const AWS_MANAGED_KEY_ARN = `arn:${TEST_PARTITION}:kms:${TEST_REGION}:${TEST_ACCOUNT}:key/aaaaaaaa-5353-4b4b-8c8c-000000000353`;
/** The alias ARN of `aws/s3` in the test account and region. */
export const AWS_MANAGED_KEY_ALIAS_ARN = `arn:${TEST_PARTITION}:kms:${TEST_REGION}:${TEST_ACCOUNT}:alias/aws/s3`;

export interface TestEnvironment {
  readonly account: string;
  readonly region: string;
  readonly partition: string;
}

export const TEST_ENV: TestEnvironment = { account: TEST_ACCOUNT, region: TEST_REGION, partition: TEST_PARTITION };

/** A minimal view of a synthesized template. */
export interface CfnTemplate {
  readonly Resources: Record<string, { readonly Type: string; readonly Properties?: Record<string, any> }>;
}

export class UnresolvableError extends Error {
  constructor(message: string) {
    super(`cannot resolve template value: ${message}`);
    this.name = 'UnresolvableError';
  }
}

export class TemplateResolver {
  constructor(public readonly template: CfnTemplate, private readonly env: TestEnvironment = TEST_ENV) {
    if (!template || typeof template.Resources !== 'object' || template.Resources === null) {
      throw new UnresolvableError('the template has no Resources section');
    }
  }

  /** Deep-resolves every intrinsic in `value`. Throws on anything it does not understand. */
  public resolve(value: unknown, path = '$'): any {
    if (typeof value === 'string') {
      if (/\$\{Token\[|#\{Token\[|\[TOKEN\./.test(value)) {
        throw new UnresolvableError(`unresolved CDK token in string ${JSON.stringify(value)} at ${path}`);
      }
      return value;
    }
    if (typeof value === 'number' || typeof value === 'boolean') {
      return value;
    }
    if (value === null || value === undefined) {
      throw new UnresolvableError(`${value} at ${path}`);
    }
    if (Array.isArray(value)) {
      return value.map((item, i) => this.resolve(item, `${path}[${i}]`));
    }
    if (typeof value !== 'object') {
      throw new UnresolvableError(`a ${typeof value} at ${path}`);
    }

    const keys = Object.keys(value);
    const intrinsic = keys.find((k) => k === 'Ref' || k.startsWith('Fn::'));
    if (intrinsic !== undefined) {
      if (keys.length !== 1) {
        throw new UnresolvableError(`an object mixes the intrinsic ${intrinsic} with other keys (${keys.join(', ')}) at ${path}`);
      }
      const arg = (value as Record<string, unknown>)[intrinsic];
      switch (intrinsic) {
        case 'Ref': return this.ref(arg, path);
        case 'Fn::GetAtt': return this.getAtt(arg, path);
        case 'Fn::Join': return this.join(arg, path);
        case 'Fn::Sub': return this.sub(arg, path);
        default: throw new UnresolvableError(`unsupported intrinsic ${intrinsic} at ${path}`);
      }
    }
    const out: Record<string, unknown> = {};
    for (const key of keys) {
      out[key] = this.resolve((value as Record<string, unknown>)[key], `${path}.${key}`);
    }
    return out;
  }

  /** The resource with this logical id, checked to be of `type`. */
  public resource(logicalId: string, type?: string): { Type: string; Properties?: Record<string, any> } {
    const res = this.template.Resources[logicalId];
    if (!res) {
      throw new UnresolvableError(`no resource with logical id ${JSON.stringify(logicalId)}`);
    }
    if (type !== undefined && res.Type !== type) {
      throw new UnresolvableError(`${logicalId} is a ${res.Type}, not a ${type}`);
    }
    return res;
  }

  /** The physical name (what `Ref` returns) that the fixed environment gives a resource. */
  public physicalId(logicalId: string): string {
    const res = this.resource(logicalId);
    switch (res.Type) {
      case 'AWS::S3::Bucket':
        // Bucket names are lowercase; a given BucketName wins, as in CloudFormation.
        return res.Properties?.BucketName !== undefined ? this.resolveString(res.Properties.BucketName, logicalId) : logicalId.toLowerCase();
      case 'AWS::KMS::Key':
        return fakeUuid(logicalId);
      case 'AWS::IAM::Role':
        return res.Properties?.RoleName !== undefined ? this.resolveString(res.Properties.RoleName, logicalId) : logicalId;
      case 'AWS::IAM::Policy':
        return logicalId;
      case 'AWS::KMS::Alias':
        return this.resolveString(res.Properties?.AliasName, `${logicalId}.AliasName`);
      case 'Custom::AwsManagedS3KeyArn':
        return logicalId; // attributes are all that is read of it
      case 'AWS::S3Express::DirectoryBucket':
        // A generated directory bucket name keeps the required --<zone id>--x-s3 suffix.
        return res.Properties?.BucketName !== undefined ? this.resolveString(res.Properties.BucketName, logicalId)
          : `${logicalId.toLowerCase()}--${this.resolveString(res.Properties?.LocationName, `${logicalId}.LocationName`)}--x-s3`;
      default:
        throw new UnresolvableError(`Ref to a ${res.Type} (${logicalId}) is not supported`);
    }
  }

  /** The value of `Fn::GetAtt [logicalId, attribute]` in the fixed environment. */
  public attribute(logicalId: string, attribute: string): string {
    const res = this.resource(logicalId);
    const { account, region, partition } = this.env;
    // Looked up only by the attributes that need it (Ref of a table or vector bucket is not modelled).
    const physical = (): string => this.physicalId(logicalId);
    const attrs: Record<string, Record<string, () => string>> = {
      'AWS::S3::Bucket': {
        Arn: () => `arn:${partition}:s3:::${physical()}`,
        DomainName: () => `${physical()}.s3.amazonaws.com`,
        RegionalDomainName: () => `${physical()}.s3.${region}.amazonaws.com`,
      },
      'AWS::KMS::Key': {
        Arn: () => `arn:${partition}:kms:${region}:${account}:key/${physical()}`,
        KeyId: () => physical(),
      },
      'AWS::IAM::Role': {
        Arn: () => `arn:${partition}:iam::${account}:role/${physical()}`,
      },
      'AWS::S3Express::DirectoryBucket': {
        Arn: () => `arn:${partition}:s3express:${region}:${account}:bucket/${physical()}`,
      },
      'AWS::S3Tables::TableBucket': {
        TableBucketArn: () => `arn:${partition}:s3tables:${region}:${account}:bucket/` +
          this.resolveString(res.Properties?.TableBucketName, `${logicalId}.TableBucketName`),
      },
      'AWS::S3Vectors::VectorBucket': {
        VectorBucketArn: () => `arn:${partition}:s3vectors:${region}:${account}:bucket/` + (res.Properties?.VectorBucketName !== undefined
          ? this.resolveString(res.Properties.VectorBucketName, `${logicalId}.VectorBucketName`) : logicalId.toLowerCase()),
      },
      // The deploy-time lookup of aws/s3 (a custom resource that calls KMS DescribeKey).
      'Custom::AwsManagedS3KeyArn': {
        'KeyMetadata.Arn': () => {
          if (account !== TEST_ACCOUNT || region !== TEST_REGION || partition !== TEST_PARTITION) {
            throw new UnresolvableError('the ARN of aws/s3 is known only for the test account and region');
          }
          return AWS_MANAGED_KEY_ARN;
        },
      },
    };
    const getter = attrs[res.Type]?.[attribute];
    if (!getter) {
      throw new UnresolvableError(`Fn::GetAtt ${logicalId}.${attribute} (a ${res.Type}) is not supported`);
    }
    return getter();
  }

  private ref(arg: unknown, path: string): string {
    if (typeof arg !== 'string') {
      throw new UnresolvableError(`Ref takes a string (got ${JSON.stringify(arg)}) at ${path}`);
    }
    if (arg.startsWith('AWS::')) {
      return this.pseudo(arg, path);
    }
    return this.physicalId(arg);
  }

  private pseudo(name: string, path: string): string {
    switch (name) {
      case 'AWS::AccountId': return this.env.account;
      case 'AWS::Region': return this.env.region;
      case 'AWS::Partition': return this.env.partition;
      case 'AWS::URLSuffix': return 'amazonaws.com';
      default: throw new UnresolvableError(`unsupported pseudo parameter ${name} at ${path}`);
    }
  }

  private getAtt(arg: unknown, path: string): string {
    let parts: unknown[];
    if (typeof arg === 'string') {
      const dot = arg.indexOf('.');
      parts = dot < 0 ? [arg] : [arg.slice(0, dot), arg.slice(dot + 1)];
    } else if (Array.isArray(arg)) {
      parts = arg;
    } else {
      throw new UnresolvableError(`Fn::GetAtt takes [logicalId, attribute] (got ${JSON.stringify(arg)}) at ${path}`);
    }
    if (parts.length !== 2 || typeof parts[0] !== 'string' || typeof parts[1] !== 'string') {
      throw new UnresolvableError(`Fn::GetAtt takes [logicalId, attribute] (got ${JSON.stringify(arg)}) at ${path}`);
    }
    return this.attribute(parts[0], parts[1]);
  }

  private join(arg: unknown, path: string): string {
    if (!Array.isArray(arg) || arg.length !== 2 || typeof arg[0] !== 'string' || !Array.isArray(arg[1])) {
      throw new UnresolvableError(`Fn::Join takes [delimiter, [values]] (got ${JSON.stringify(arg)}) at ${path}`);
    }
    const [delimiter, items] = arg as [string, unknown[]];
    return items.map((item, i) => this.resolveString(item, `${path}.Fn::Join[${i}]`)).join(delimiter);
  }

  private sub(arg: unknown, path: string): string {
    let body: unknown;
    let vars: Record<string, unknown> = {};
    if (typeof arg === 'string') {
      body = arg;
    } else if (Array.isArray(arg) && arg.length === 2 && typeof arg[1] === 'object' && arg[1] !== null && !Array.isArray(arg[1])) {
      [body, vars] = arg as [unknown, Record<string, unknown>];
    } else {
      throw new UnresolvableError(`Fn::Sub takes a string or [string, {variables}] (got ${JSON.stringify(arg)}) at ${path}`);
    }
    if (typeof body !== 'string') {
      throw new UnresolvableError(`the Fn::Sub body must be a literal string (got ${JSON.stringify(body)}) at ${path}`);
    }
    return body.replace(/\$\{([^}]*)\}/g, (_match, name: string) => {
      if (name.startsWith('!')) {
        return `\${${name.slice(1)}}`; // ${!Literal} stands for the text ${Literal}
      }
      if (Object.prototype.hasOwnProperty.call(vars, name)) {
        return this.resolveString(vars[name], `${path}.Fn::Sub.${name}`);
      }
      if (name.startsWith('AWS::')) {
        return this.pseudo(name, path);
      }
      const dot = name.indexOf('.');
      if (dot >= 0) {
        return this.attribute(name.slice(0, dot), name.slice(dot + 1));
      }
      if (name === '') {
        throw new UnresolvableError(`empty \${} in Fn::Sub at ${path}`);
      }
      return this.physicalId(name);
    });
  }

  private resolveString(value: unknown, path: string): string {
    const resolved = this.resolve(value, path);
    if (typeof resolved !== 'string') {
      throw new UnresolvableError(`expected a string at ${path} (got ${JSON.stringify(resolved)})`);
    }
    return resolved;
  }
}

/** A stable, UUID-shaped key id derived from a logical id. */
function fakeUuid(seed: string): string {
  const h = createHash('sha256').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}
