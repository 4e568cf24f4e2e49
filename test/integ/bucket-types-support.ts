/**
 * Building blocks of the integration tests of directory, table and vector buckets
 * (integ.directory-bucket.ts, integ.table-bucket.ts, integ.vector-bucket.ts).
 *
 * Each deploys one bucket type with a customer managed key into a test stack with a small client
 * Lambda that sends one AWS SDK call per invocation (the SDK v3 of the Lambda runtime: nothing is
 * bundled) and reports what the service answered. A call that creates something (a table, an
 * index) deletes it again at once, so that the stack can be destroyed. The client may use both
 * keys of a test directly, so that only the bucket policy can refuse a call that names the wrong
 * one.
 *
 * This file is not an integration test itself (integ-runner only picks up files named `integ.*`).
 */
import { ExpectedResult, IApiCall, IntegTest, Match } from '@aws-cdk/integ-tests-alpha';
import { App, CfnOutput, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { EncryptionKey } from '../../lib';
import { INTEG_PREFIX, integContext } from './support';

/** One SDK call: `@aws-sdk/client-<service>`, `<command>Command`, its input; `cleanup` undoes what it created. */
export interface SdkCall {
  readonly service: 's3' | 's3tables' | 's3vectors';
  readonly command: string;
  readonly input: Record<string, unknown>;
  readonly cleanup?: { readonly command: string; readonly input: Record<string, unknown> };
}

export const SDK_CLIENT_CODE = `'use strict';
const CLIENTS = { s3: 'S3Client', s3tables: 'S3TablesClient', s3vectors: 'S3VectorsClient' };
exports.handler = async (event) => {
  const sdk = require('@aws-sdk/client-' + event.service);
  const client = new sdk[CLIENTS[event.service]]({});
  const report = { case: event.case };
  try {
    await client.send(new sdk[event.command + 'Command'](event.input));
    report.outcome = 'allowed';
  } catch (e) {
    report.outcome = e.name;
    report.httpStatus = e.$metadata && e.$metadata.httpStatusCode;
    if (/explicit deny in a resource-based policy/.test(String(e.message))) report.deniedBy = 'resource-based policy';
    report.observed = e.name + ': ' + String(e.message).slice(0, 200);
  }
  if (report.outcome === 'allowed') report.observed = 'allowed';
  if (report.outcome === 'allowed' && event.cleanup) {
    await client.send(new sdk[event.cleanup.command + 'Command'](event.cleanup.input));
  }
  return report;
};
`;

/** One integration test of a bucket type: the app, the test stack, the client and the `IntegTest`. */
export class BucketTypeIntegTest {
  public readonly app: App;
  public readonly stack: Stack;
  public readonly client: lambda.Function;
  public readonly integ: IntegTest;

  constructor(name: string) {
    this.app = new App({ postCliContext: integContext() });
    this.stack = new Stack(this.app, `${INTEG_PREFIX}${name}`, {
      description: `cdk-s3-encryption integration test ${name}: safe to delete`,
    });
    this.client = new lambda.Function(this.stack, 'TestClient', {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline(SDK_CLIENT_CODE),
      timeout: Duration.minutes(1),
      memorySize: 256,
      logGroup: new logs.LogGroup(this.stack, 'TestClientLogs', {
        retention: logs.RetentionDays.ONE_WEEK,
        removalPolicy: RemovalPolicy.DESTROY,
      }),
    });
    this.integ = new IntegTest(this.app, `${INTEG_PREFIX}${name}Test`, {
      testCases: [this.stack],
      stackUpdateWorkflow: false,
    });
  }

  /** A customer managed key that is deleted (after 7 days) with the test stack; the client may use it directly. */
  public key(id: string): EncryptionKey {
    const key = new EncryptionKey(this.stack, id, { removalPolicy: RemovalPolicy.DESTROY, pendingWindow: Duration.days(7) });
    key.grant(this.client, 'kms:GenerateDataKey', 'kms:Decrypt', 'kms:DescribeKey');
    return key;
  }

  /** Lets the client call these actions on these resources (IAM allows; only the resource policy can refuse). */
  public allow(actions: string[], resources: string[]): void {
    this.client.addToRolePolicy(new iam.PolicyStatement({ actions, resources }));
  }

  /** A case with a known answer: the client's report must contain `expected`. */
  public expect(caseId: string, call: SdkCall, expected: Record<string, unknown>, after?: IApiCall): IApiCall {
    const api = this.invoke(caseId, call);
    api.expect(ExpectedResult.objectLike({ Payload: Match.serializedJson(Match.objectLike({ case: caseId, ...expected })) }));
    after?.next(api);
    return api;
  }

  /** A case the documents leave open: the outcome must be one of `outcomes`; what happened is an output. */
  public record(caseId: string, call: SdkCall, outcomes: string[]): IApiCall {
    const api = this.invoke(caseId, call);
    api.assertAtPath('Payload.outcome', ExpectedResult.stringLikeRegexp(`^(${outcomes.join('|')})$`));
    new CfnOutput(Stack.of(api), `Observed${caseId.split(/[^A-Za-z0-9]+/).map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('')}`, {
      description: `What the service did in case ${caseId}`,
      value: api.getAttString('Payload.observed'),
    });
    return api;
  }

  private invoke(caseId: string, call: SdkCall): IApiCall {
    return this.integ.assertions.invokeFunction({
      functionName: this.client.functionName,
      payload: Stack.of(this.stack).toJsonString({ case: caseId, ...call }),
    });
  }
}
