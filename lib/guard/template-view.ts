import * as fs from 'fs';
import * as path from 'path';
import { BucketResourceTest } from '../policy-matchers';
import { isPlainRecord } from '../private/validate';
import { BucketView, classifyKeyName, isLiteralBucketArn, KeyView, PolicyView, RuleView, statementsOf } from './bucket-view';
import { bucketTypeOf, TemplateResource } from './checks/bucket-type-encryption';
import { logDeliveryReason } from './log-delivery';

/*
 * What EncryptionValidationPlugin reads from the synthesized templates: each AWS::S3::Bucket,
 * its encryption rules, the keys they name and its bucket policies, as the view that the checks
 * read (bucket-view.ts); and each directory, table and vector bucket as the template states it,
 * the view that their check reads (checks/bucket-type-encryption.ts). A value that another template exports (a cross-stack reference, written
 * as Fn::ImportValue) is followed to the template that defines it.
 */

/** A bucket resource of a template. */
export interface TemplateBucket {
  /** The absolute path of its template. */
  readonly templatePath: string;
  readonly logicalId: string;
}

/** Which buckets the plugin's options name, by template and logical id. */
export interface BucketIntent {
  /** Whether the bucket is meant for SSE-C. */
  customerProvided(bucket: TemplateBucket): boolean;
  /** Whether the bucket is listed as a log delivery bucket. */
  listedForLogDelivery(bucket: TemplateBucket): boolean;
}

interface Template {
  readonly path: string;
  readonly resources: Record<string, any>;
}

/** A resource of one of the templates. */
interface Located {
  readonly template: Template;
  readonly logicalId: string;
}

/** The templates of one synthesis, read once. */
export class TemplateSet {
  private readonly templates: Template[];
  /** Exported values by export name. */
  private readonly exports = new Map<string, { template: Template; value: unknown }>();
  /** Bucket policies by the bucket they target (`<template path>#<logical id>`, or `name:<bucket name>`). */
  private readonly policies = new Map<string, Located[]>();
  /** Buckets by where they deliver their server access logs (same keys). */
  private readonly logSources = new Map<string, Located[]>();

  constructor(templatePaths: readonly string[]) {
    this.templates = templatePaths.map((templatePath) => {
      const json = JSON.parse(fs.readFileSync(templatePath, 'utf8'));
      const template: Template = { path: templatePath, resources: isPlainRecord(json?.Resources) ? json.Resources : {} };
      for (const output of Object.values(isPlainRecord(json?.Outputs) ? json.Outputs : {}) as any[]) {
        const name = output?.Export?.Name;
        if (typeof name === 'string') this.exports.set(name, { template, value: output.Value });
      }
      return template;
    });
    for (const template of this.templates) {
      for (const [logicalId, resource] of Object.entries(template.resources)) {
        if (resource?.Type === 'AWS::S3::BucketPolicy') {
          const target = this.bucketKey(template, resource.Properties?.Bucket);
          if (target) append(this.policies, target, { template, logicalId });
        } else if (resource?.Type === 'AWS::S3::Bucket' && isPlainRecord(resource.Properties?.LoggingConfiguration)) {
          const destination = resource.Properties.LoggingConfiguration.DestinationBucketName;
          const target = destination === undefined ? `${template.path}#${logicalId}` : this.bucketKey(template, destination);
          if (target) append(this.logSources, target, { template, logicalId });
        }
      }
    }
  }

  /** Every AWS::S3::Bucket of the templates, in template order. */
  public buckets(): TemplateBucket[] {
    return this.templates.flatMap((template) => Object.entries(template.resources)
      .filter(([, resource]) => resource?.Type === 'AWS::S3::Bucket')
      .map(([logicalId]) => ({ templatePath: template.path, logicalId })));
  }

  /** Every directory, table and vector bucket of the templates, in template order, with its type and Properties. */
  public bucketsOfOtherTypes(): Array<{ bucket: TemplateBucket; resource: TemplateResource }> {
    return this.templates.flatMap((template) => Object.entries(template.resources)
      .filter(([, resource]) => typeof resource?.Type === 'string' && bucketTypeOf(resource.Type) !== undefined)
      .map(([logicalId, resource]) => ({
        bucket: { templatePath: template.path, logicalId },
        resource: { type: resource.Type, properties: resource.Properties },
      })));
  }

  /** The view of one bucket, for the checks. */
  public view(bucket: TemplateBucket, intent: BucketIntent): BucketView {
    const template = this.templates.find((t) => t.path === bucket.templatePath)!;
    const properties = template.resources[bucket.logicalId]?.Properties ?? {};
    const encryption = readEncryption(properties.BucketEncryption);
    const name = typeof properties.BucketName === 'string' ? properties.BucketName : undefined;
    const policy = this.policyView(template, bucket.logicalId, name);
    return {
      resourceType: 'AWS::S3::Bucket',
      encryption,
      keys: encryption.readable ? encryption.rules.map((rule) => this.keyView(template, rule.key)) : [],
      policy,
      customerProvided: intent.customerProvided(bucket),
      logDeliveryReason: () => {
        if (intent.listedForLogDelivery(bucket)) return 'it is listed in logDeliveryBuckets';
        return logDeliveryReason(policy.statements(), () => {
          const key = `${template.path}#${bucket.logicalId}`;
          const source = [...this.logSources.get(key) ?? [], ...name ? this.logSources.get(`name:${name}`) ?? [] : []][0];
          if (!source) return undefined;
          return source.template.path === template.path && source.logicalId === bucket.logicalId ? 'itself' : source.logicalId;
        });
      },
      policyNotFixedReason: () => undefined,
    };
  }

  /** The statements of the bucket policies that target the bucket, each compared with the ARNs as its template writes them. */
  private policyView(template: Template, logicalId: string, name: string | undefined): PolicyView {
    const located = [...this.policies.get(`${template.path}#${logicalId}`) ?? [], ...name ? this.policies.get(`name:${name}`) ?? [] : []];
    const statements = located.map(({ template: policyTemplate, logicalId: policyId }) => ({
      statements: statementsOf(policyTemplate.resources[policyId]?.Properties?.PolicyDocument),
      isBucketResource: ((resource, objects) => {
        if (name !== undefined && isLiteralBucketArn(resource, name, objects)) return true;
        const arn = objects ? objectsArnPart(resource) : resource;
        return arn !== undefined && this.arnTarget(policyTemplate, arn) === `${template.path}#${logicalId}`;
      }) as BucketResourceTest,
    }));
    return {
      statements: () => statements.flatMap((s) => s.statements),
      some: (matches) => statements.some((s) => s.statements.some((statement) => matches(statement, s.isBucketResource))),
    };
  }

  /** The key a rule's resolved KMSMasterKeyID names, followed into the template that defines it. */
  private keyView(template: Template, key: unknown): KeyView {
    const followed = this.follow(template, key);
    const { kind, logicalId } = classifyKeyName(followed.value);
    if (logicalId === undefined) return { kind };
    const resource = followed.template.resources[logicalId];
    if (resource?.Type === 'AWS::KMS::Alias') return { kind: 'alias' };
    if (resource?.Type !== 'AWS::KMS::Key') return { kind: 'unknown' };
    const rotation = resource.Properties?.EnableKeyRotation;
    return {
      kind,
      defined: {
        name: `${logicalId} in ${path.basename(followed.template.path)}`,
        enableKeyRotation: rotation,
        rotationUnresolved: isPlainRecord(rotation),
        policyStatements: () => statementsOf(resource.Properties?.KeyPolicy),
      },
    };
  }

  /** A value, or the value another template exports under the name that `Fn::ImportValue` gives. */
  private follow(template: Template, value: unknown): { template: Template; value: unknown } {
    const name = isPlainRecord(value) ? value['Fn::ImportValue'] : undefined;
    const exported = typeof name === 'string' ? this.exports.get(name) : undefined;
    return exported ?? { template, value };
  }

  /** The bucket that a policy's Bucket property names: by Ref (perhaps through an import), or by literal name. */
  private bucketKey(template: Template, value: unknown): string | undefined {
    if (typeof value === 'string') return `name:${value}`;
    const followed = this.follow(template, value);
    const ref = isPlainRecord(followed.value) ? followed.value.Ref : undefined;
    return typeof ref === 'string' ? `${followed.template.path}#${ref}` : undefined;
  }

  /** The bucket whose ARN a value is (`Fn::GetAtt <bucket>.Arn`, perhaps through an import). */
  private arnTarget(template: Template, value: unknown): string | undefined {
    const followed = this.follow(template, value);
    const getAtt = isPlainRecord(followed.value) ? followed.value['Fn::GetAtt'] : undefined;
    return Array.isArray(getAtt) && getAtt[1] === 'Arn' && typeof getAtt[0] === 'string'
      ? `${followed.template.path}#${getAtt[0]}` : undefined;
  }
}

/** The encryption rules of a template's BucketEncryption property. */
function readEncryption(value: unknown): { readable: boolean; rules: RuleView[] } {
  if (value === undefined) return { readable: true, rules: [] };
  const rules = isPlainRecord(value) ? value.ServerSideEncryptionConfiguration : undefined;
  if (!Array.isArray(rules)) return { readable: false, rules: [] };
  return {
    readable: true,
    rules: rules.map((rule: any) => {
      const blocked = rule?.BlockedEncryptionTypes?.EncryptionType;
      return {
        algorithm: rule?.ServerSideEncryptionByDefault?.SSEAlgorithm,
        key: rule?.ServerSideEncryptionByDefault?.KMSMasterKeyID,
        blocked: Array.isArray(blocked) ? blocked : undefined,
      };
    }),
  };
}

/** `X` of a `Resource` entry that is `X` joined with `/*` (how CDK writes `${bucket.bucketArn}/*`). */
function objectsArnPart(resource: unknown): unknown {
  const join = isPlainRecord(resource) ? resource['Fn::Join'] : undefined;
  if (!Array.isArray(join) || join[0] !== '' || !Array.isArray(join[1]) || join[1].length !== 2 || join[1][1] !== '/*') return undefined;
  return join[1][0];
}

function append<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const values = map.get(key);
  if (values) values.push(value);
  else map.set(key, [value]);
}
