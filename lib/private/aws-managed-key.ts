import { ArnFormat, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct, IConstruct } from 'constructs';

/** The construct id of the per-stack lookup (stable: changing it replaces the custom resource). */
export const AWS_MANAGED_KEY_LOOKUP_ID = 'CdkS3EncryptionAwsManagedS3Key';

/** The CloudFormation type of the lookup, so that readers of a template can tell what it is. */
export const AWS_MANAGED_KEY_LOOKUP_TYPE = 'Custom::AwsManagedS3KeyArn';

/** The response field that holds the key ARN. */
const KEY_ARN_FIELD = 'KeyMetadata.Arn';

/**
 * The names under which S3 may put the AWS managed key `aws/s3` of a stack's account and region
 * into the key-id condition key: its key ARN and its alias ARN.
 *
 * The key ARN differs per account and region and is known only there, so it is looked up at
 * deploy time: KMS `DescribeKey` on `alias/aws/s3` returns it (and creates the AWS managed key if
 * the account has none yet). The lookup is one custom resource per stack, however many buckets
 * use it; it runs on create and on update only.
 */
export function awsManagedS3KeyArns(scope: IConstruct): string[] {
  const stack = Stack.of(scope);
  const existing = stack.node.tryFindChild(AWS_MANAGED_KEY_LOOKUP_ID);
  const lookup = existing instanceof AwsManagedS3KeyLookup ? existing : new AwsManagedS3KeyLookup(stack, AWS_MANAGED_KEY_LOOKUP_ID);
  return [lookup.keyArn, lookup.aliasArn];
}

/** Looks up the ARN of `aws/s3` in the stack's account and region when the stack deploys. */
class AwsManagedS3KeyLookup extends Construct {
  public readonly keyArn: string;
  public readonly aliasArn: string;

  constructor(scope: Stack, id: string) {
    super(scope, id);
    const aliasName = 'alias/aws/s3';
    const describe: cr.AwsSdkCall = {
      service: 'KMS',
      action: 'describeKey',
      parameters: { KeyId: aliasName },
      physicalResourceId: cr.PhysicalResourceId.fromResponse(KEY_ARN_FIELD),
      outputPaths: [KEY_ARN_FIELD],
    };
    const lookup = new cr.AwsCustomResource(this, 'Lookup', {
      resourceType: AWS_MANAGED_KEY_LOOKUP_TYPE,
      onUpdate: describe,
      // DescribeKey is authorized on the key the alias points to; the aws/s3 key policy lets the
      // account's principals describe it.
      policy: cr.AwsCustomResourcePolicy.fromStatements([new iam.PolicyStatement({
        actions: ['kms:DescribeKey'],
        resources: [scope.formatArn({ service: 'kms', resource: 'key', resourceName: '*', arnFormat: ArnFormat.SLASH_RESOURCE_NAME })],
      })]),
      // The SDK in the Lambda runtime has DescribeKey; installing the latest one would need the
      // network at deploy time.
      installLatestAwsSdk: false,
      // Its logs hold nothing worth keeping once the stack is gone.
      logGroup: new logs.LogGroup(this, 'Logs', { retention: logs.RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY }),
    });
    this.keyArn = lookup.getResponseField(KEY_ARN_FIELD);
    this.aliasArn = scope.formatArn({ service: 'kms', resource: 'alias', resourceName: 'aws/s3', arnFormat: ArnFormat.SLASH_RESOURCE_NAME });
  }
}
