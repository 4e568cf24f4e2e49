import { ArtifactMetadataEntryType } from 'aws-cdk-lib/cloud-assembly-schema';
import { IConstruct } from 'constructs';
import { Finding } from './check';

/** Adds the findings of one bucket to it as one error, with what remediation left and why. */
export function reportFindings(bucket: IConstruct, findings: Finding[], notFixed: string[]): void {
  const lines = [`EncryptionGuard: this bucket falls short in ${findings.length} ${findings.length === 1 ? 'way' : 'ways'}:`,
    ...findings.map((f) => `- [${f.check}] ${capitalize(f.problem)} Fix: ${f.fix}`)];
  if (notFixed.length > 0) {
    lines.push(`Not fixed by remediate: ${[...new Set(notFixed)].join('; ')}.`);
  }
  addError(bucket, lines.join('\n'));
}

/**
 * Adds an error to the construct as `Annotations.of(construct).addError()` does, but without a
 * stack trace: the trace of an error added by an Aspect shows only the guard and the CDK's
 * Aspect machinery, never the app's code, and capturing it (with source maps) costs more than
 * judging the bucket. The message and the construct path are the same.
 */
function addError(construct: IConstruct, message: string): void {
  if (construct.node.metadata.some((entry) => entry.data === message)) return;
  construct.node.addMetadata(ArtifactMetadataEntryType.ERROR, message);
}

/**
 * Adds an info message to the construct (what remediation changed), without a stack trace, as
 * `addError` above. An info message does not fail `cdk synth`, not even with `--strict`.
 */
export function addInfo(construct: IConstruct, message: string): void {
  if (construct.node.metadata.some((entry) => entry.data === message)) return;
  construct.node.addMetadata(ArtifactMetadataEntryType.INFO, message);
}

function capitalize(value: string): string {
  return value.charAt(0).toUpperCase() + value.slice(1);
}
