import { App, Stack, StackProps } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';

/** A fresh App and Stack for one test. Set `env` for tests that need a concrete region. */
export function newStack(props: StackProps = {}): Stack {
  const app = new App();
  return new Stack(app, 'TestStack', props);
}

/** The statements of the template's only bucket policy (throws when there is not exactly one). */
export function bucketPolicyStatements(template: Template): Array<Record<string, any>> {
  const policies = template.findResources('AWS::S3::BucketPolicy');
  const ids = Object.keys(policies);
  if (ids.length !== 1) {
    throw new Error(`expected exactly one bucket policy, found ${ids.length}`);
  }
  return policies[ids[0]].Properties.PolicyDocument.Statement;
}

/** The statement with this Sid, or undefined. */
export function statementBySid(template: Template, sid: string): Record<string, any> | undefined {
  return bucketPolicyStatements(template).find((s) => s.Sid === sid);
}
