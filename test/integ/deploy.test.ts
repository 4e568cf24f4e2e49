// The fallback runner of the integration tests (test/integ/deploy.ts, run by scripts/integ-deploy.ts): the commands it runs
// and how it reads the assertion results, checked offline.
import * as path from 'path';
import { commandsFor, main, summarizeOutputs } from './deploy';

test('deploys both stacks of a test with the CDK CLI, writes the outputs, then destroys them', () => {
  const commands = commandsFor('integ.sse-kms.ts', '/tmp/w', false);
  expect(commands).toEqual({
    deploy: ['cdk', 'deploy', '--all', '--app', 'npx tsx test/integ/integ.sse-kms.ts', '--output', path.join('/tmp/w', 'cdk.out'),
      '--require-approval', 'never', '--outputs-file', path.join('/tmp/w', 'outputs.json')],
    destroy: ['cdk', 'destroy', '--all', '--force', '--app', 'npx tsx test/integ/integ.sse-kms.ts', '--output', path.join('/tmp/w', 'cdk.out')],
    outputsFile: path.join('/tmp/w', 'outputs.json'),
  });
  expect(commandsFor('integ.sse-kms.ts', '/tmp/w', true).destroy).toBeUndefined();
});

test('reads passed and failed assertions and recorded observations from the stack outputs', () => {
  const summary = summarizeOutputs({
    S3EncryptionIntegSseKms: {},
    S3EncryptionIntegSseKmsTestDefaultTestDeployAssert28DF31FD: {
      AssertionResultsLambdaInvoke1: '{"status":"success"}',
      AssertionResultsLambdaInvoke2: '{"status":"fail","message":"Expected AccessDenied but received allowed"}',
      AssertionResultsLambdaInvoke3: 'garbage',
      ObservedPutBareKeyId: 'AccessDenied at PutObject (explicit deny in a resource-based policy)',
    },
  });
  expect(summary).toEqual({
    passed: ['S3EncryptionIntegSseKmsTestDefaultTestDeployAssert28DF31FD.AssertionResultsLambdaInvoke1'],
    failed: [
      { id: 'S3EncryptionIntegSseKmsTestDefaultTestDeployAssert28DF31FD.AssertionResultsLambdaInvoke2', message: 'Expected AccessDenied but received allowed' },
      { id: 'S3EncryptionIntegSseKmsTestDefaultTestDeployAssert28DF31FD.AssertionResultsLambdaInvoke3', message: 'not an assertion result: garbage' },
    ],
    observed: [{
      id: 'S3EncryptionIntegSseKmsTestDefaultTestDeployAssert28DF31FD.ObservedPutBareKeyId',
      value: 'AccessDenied at PutObject (explicit deny in a resource-based policy)',
    }],
  });
});

test('--dry-run prints the commands without running them, and unknown tests are refused', () => {
  const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
  const error = jest.spyOn(console, 'error').mockImplementation(() => undefined);
  try {
    expect(main(['--dry-run', 'integ.sse-s3.ts'])).toBe(0);
    const printed = log.mock.calls.map((c) => c.join(' ')).join('\n');
    expect(printed).toMatch(/^\$ npx cdk deploy --all --app "npx tsx test\/integ\/integ\.sse-s3\.ts" .*--require-approval never --outputs-file /m);
    expect(printed).toMatch(/^\$ npx cdk destroy --all --force --app "npx tsx test\/integ\/integ\.sse-s3\.ts" /m);
    expect(main(['--dry-run', 'integ.nope.ts'])).toBe(2);
    expect(error).toHaveBeenCalledWith(expect.stringMatching(/^no such integration test: integ\.nope\.ts/));
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
});
