import { Stack, Token } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { IConstruct } from 'constructs';
import { EncryptionValidationError } from '../../errors';
import { parseKeyArn } from '../validate';
import { CompositionFacts } from './facts';

/** A key ARN that was a token at construction time, once synthesis has resolved it to a string. */
export function checkKeyAtSynth(bucket: s3.Bucket, facts: CompositionFacts): void {
  const key = facts.key;
  // A key defined in the app has a Fn::GetAtt for its ARN, never text: nothing to check.
  if (!key || !Token.isUnresolved(key.keyArn) || key.node.defaultChild instanceof kms.CfnKey) return;
  const resolved = Stack.of(bucket).resolve(key.keyArn);
  if (typeof resolved === 'string') {
    checkKeyArnText(bucket, facts.owner, resolved);
  }
}

/**
 * A literal key ARN must be a key ARN, in the partition of the bucket's stack (when its region is
 * known); `checkKey` in the bucket checks its region.
 */
export function checkKeyArnText(scope: IConstruct, owner: string, keyArn: string): void {
  const parsed = parseKeyArn(keyArn);
  if (!parsed) {
    throw new EncryptionValidationError(`${owner}: the key of serverSideEncryption must be named by its full key ARN ` +
      `(got ${JSON.stringify(keyArn)}). S3 writes it as KMSMasterKeyID and the bucket policy compares the full ARN: ` +
      'import the key with kms.Key.fromKeyArn(this, \'Key\', \'arn:aws:kms:<region>:<account>:key/<key-id>\').');
  }
  const region = Stack.of(scope).region;
  const partition = Token.isUnresolved(region) ? undefined : RegionInfo.get(region).partition;
  if (partition && parsed.partition !== partition) {
    throw new EncryptionValidationError(`${owner}: the key of serverSideEncryption is in partition ${parsed.partition} ` +
      `(got ${JSON.stringify(keyArn)}), but the bucket's stack is in ${region}, partition ${partition}. S3 can only use a ` +
      `key of its own partition and region: use a key ARN that starts with arn:${partition}:kms:${region}:.`);
  }
}
