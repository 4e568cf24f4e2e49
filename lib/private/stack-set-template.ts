import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { App, BootstraplessSynthesizer, Stack, StackSynthesizer, Token } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { EncryptionValidationError } from '../errors';

/** The most bytes CloudFormation accepts in an inline `TemplateBody`. */
export const MAX_TEMPLATE_BODY_BYTES = 51_200;

/**
 * Synthesizes one stack, on its own, into a template that a CloudFormation StackSet can deploy
 * into any account, and returns the template as a JSON string.
 *
 * A StackSet deploys a template and nothing else, into accounts that were never bootstrapped for
 * the CDK. So the stack is synthesized without a bootstrap stack (no asset bucket, no
 * bootstrap-version rule), and it must:
 * - need no assets: anything that uploads files or images (a Lambda function from code on disk,
 *   the deploy-time lookup of `aws/s3` that `kmsManaged()` adds, `BucketDeployment`) cannot go;
 * - be environment-agnostic (no fixed account), since one template serves every account;
 * - stand alone (no other stack of the app to reference);
 * - fit in an inline template body (51,200 bytes).
 * Each of these raises an `EncryptionValidationError` naming the fix.
 *
 * `define` builds the stack in the scope it is given, with the synthesizer it is given.
 */
export function stackSetTemplateBody(owner: string, define: (scope: Construct, synthesizer: StackSynthesizer) => Stack): string {
  // A separate app, so that the member stack is not one of the management app's stacks. Under the
  // CDK CLI it reads the same context (feature flags) as the management app, from the environment.
  const outdir = mkdtempSync(join(tmpdir(), 'cdk-s3-encryption-stackset-'));
  try {
    const app = new App({ outdir });
    let stack: Stack;
    let assembly: ReturnType<App['synth']>;
    try {
      stack = define(app, new BootstraplessSynthesizer());
      if (!Token.isUnresolved(stack.account)) {
        throw new EncryptionValidationError(`${owner}: the stack set's template is bound to account ${stack.account}; one ` +
          'template serves every account of a StackSet. Create the stack without env.account.');
      }
      assembly = app.synth();
    } catch (e) {
      if (e instanceof Error && /Cannot add assets to a Stack that uses the BootstraplessSynthesizer/.test(e.message)) {
        throw new EncryptionValidationError(`${owner}: the stack set's template needs asset uploads (${e.message}), and a ` +
          'StackSet deploys a template alone into accounts that have no CDK asset bucket. Leave out what needs assets ' +
          '(for example kmsManaged() buckets, whose aws/s3 lookup is a Lambda function), or deploy that stack with ' +
          'cdk deploy into each account after cdk bootstrap.');
      }
      throw e;
    }
    if (assembly.stacksRecursively.length !== 1) {
      throw new EncryptionValidationError(`${owner}: the stack set's template must come from one stack alone (got ` +
        `${assembly.stacksRecursively.length}: ${assembly.stacksRecursively.map((s) => s.stackName).join(', ')}).`);
    }
    const body = JSON.stringify(assembly.getStackArtifact(stack.artifactId).template);
    const bytes = Buffer.byteLength(body, 'utf8');
    if (bytes > MAX_TEMPLATE_BODY_BYTES) {
      throw new EncryptionValidationError(`${owner}: the stack set's template has ${bytes} bytes, more than the ` +
        `${MAX_TEMPLATE_BODY_BYTES} of an inline TemplateBody. Split the stack, or upload the template to S3 and use TemplateURL.`);
    }
    return body;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
