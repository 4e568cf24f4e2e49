import { Annotations, CfnResource, Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AppIndex } from '../../guard/app-index';
import { CompositionFacts } from './facts';
import { asArray } from './util';

/** The id of the warning on a bucket served by CloudFront to plain-HTTP viewers. */
export const CLOUDFRONT_HTTP_VIEWER_WARNING = '@cdk-s3-encryption/bucket:cloudFrontHttpViewer';

/**
 * CloudFront behaviours that serve this bucket to plain-HTTP viewers.
 *
 * For an S3 REST origin, CloudFront talks to S3 with the protocol the viewer used; the origin
 * protocol cannot be set (CloudFront Developer Guide, "Require HTTPS for communication between
 * CloudFront and your Amazon S3 origin"). So with the viewer protocol policy `allow-all` (the
 * default of `cloudfront.Distribution`), a request from an `http://` viewer reaches S3 with
 * `aws:SecureTransport` false, and the bucket's DenyInsecureTransport statement answers 403.
 *
 * A warning, not an error: HTTPS viewers are served, the HTTP ones get a 403 (nothing is exposed),
 * and an error would break the synthesis of every app that serves a bucket with the default
 * behaviour. The warning names the fix; `cdk synth --strict` turns it into a failure.
 *
 * Distributions in the bucket's stack are read (a distribution in another stack names the bucket
 * through an import, which is not matched).
 */
export function checkCloudFrontViewers(bucket: s3.Bucket, facts: CompositionFacts): void {
  const stack = Stack.of(bucket);
  const distributions = AppIndex.of(bucket).resourcesOfType('AWS::CloudFront::Distribution').filter((d) => Stack.of(d) === stack);
  if (distributions.length === 0) return;
  const domains = new Set([bucket.bucketRegionalDomainName, bucket.bucketDomainName, bucket.bucketDualStackDomainName]
    .map((name) => JSON.stringify(stack.resolve(name))));
  const found: string[] = [];
  for (const distribution of distributions) {
    const config = distributionConfig(distribution);
    const origins = asArray(config?.Origins)
      .filter((o: any) => o?.S3OriginConfig !== undefined && domains.has(JSON.stringify(o.DomainName)))
      .map((o: any) => o.Id);
    if (origins.length === 0) continue;
    const behaviours: Array<[string, any]> = [
      ['the default behavior', config.DefaultCacheBehavior],
      ...asArray(config.CacheBehaviors).map((b: any): [string, any] => [`the behavior for ${JSON.stringify(b?.PathPattern)}`, b]),
    ];
    for (const [name, behaviour] of behaviours) {
      if (origins.includes(behaviour?.TargetOriginId) && (behaviour.ViewerProtocolPolicy ?? 'allow-all') === 'allow-all') {
        found.push(`${name} of the distribution '${(distribution.node.scope ?? distribution).node.path}'`);
      }
    }
  }
  if (found.length === 0) return;
  Annotations.of(bucket).addWarningV2(CLOUDFRONT_HTTP_VIEWER_WARNING, `${facts.owner} is served by CloudFront to plain-HTTP ` +
    `viewers (${found.join(', ')}: viewer protocol policy allow-all, the default). CloudFront reaches an S3 origin with the ` +
    'protocol the viewer used, so every http:// request arrives without TLS and the bucket policy denies it ' +
    '(DenyInsecureTransport): those viewers get 403 Forbidden. Set viewerProtocolPolicy: ' +
    'cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS (or HTTPS_ONLY) on the behavior. Acknowledge with ' +
    `Annotations.of(bucket).acknowledgeWarning('${CLOUDFRONT_HTTP_VIEWER_WARNING}') if HTTP viewers may be refused.`);
}

/** The resolved DistributionConfig of a distribution (CloudFormation names), once per synthesis. */
function distributionConfig(distribution: CfnResource): any {
  let config = CONFIGS.get(distribution);
  if (config === undefined) {
    // The L1 renders its properties with CloudFormation names here (an internal of CfnResource,
    // as `_cfnProperties` in util.ts); it has no public accessor for the rendered form.
    const rendered = (distribution as unknown as { _toCloudFormation(): any })._toCloudFormation();
    const resources = Stack.of(distribution).resolve(rendered)?.Resources ?? {};
    config = (Object.values(resources)[0] as any)?.Properties?.DistributionConfig ?? null;
    CONFIGS.set(distribution, config);
    queueMicrotask(() => CONFIGS.delete(distribution));
  }
  return config;
}

const CONFIGS = new WeakMap<CfnResource, any>();
