/*
 * EncryptionGuard on directory, table and vector buckets: L1s that leave encryption implicit, or
 * use SSE-S3 where requireKms is set, are reported; the constructs of this library pass.
 */
import { App, AspectPriority, Aspects, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as s3express from 'aws-cdk-lib/aws-s3express';
import * as s3tables from 'aws-cdk-lib/aws-s3tables';
import * as s3vectors from 'aws-cdk-lib/aws-s3vectors';
import {
  EncryptedDirectoryBucket, EncryptedTableBucket, EncryptedVectorBucket, EncryptionGuard, EncryptionGuardCheck as Check, ServerSideEncryption,
} from '../lib';
import { checkBucketTypeEncryption } from '../lib/guard/checks/bucket-type-encryption';

function guardedApp(requireKms: boolean): Stack {
  const stack = new Stack(new App(), 'Types', { env: { account: '111111111111', region: 'eu-west-1' } });
  // L1s with nothing stated
  new s3express.CfnDirectoryBucket(stack, 'BareDirectory', { dataRedundancy: 'SingleAvailabilityZone', locationName: 'euw1-az1' });
  new s3tables.CfnTableBucket(stack, 'BareTables', { tableBucketName: 'bare' });
  new s3vectors.CfnVectorBucket(stack, 'BareVectors', {});
  // L1s with SSE-S3 stated
  new s3tables.CfnTableBucket(stack, 'SseS3Tables', { tableBucketName: 'sse-s3', encryptionConfiguration: { sseAlgorithm: 'AES256' } });
  new s3vectors.CfnVectorBucket(stack, 'SseS3Vectors', { encryptionConfiguration: { sseType: 'AES256' } });
  // The constructs of this library, with their defaults (SSE-KMS) and with SSE-S3
  new EncryptedDirectoryBucket(stack, 'Directory', { availabilityZoneId: 'euw1-az1' });
  new EncryptedTableBucket(stack, 'Tables', { tableBucketName: 'tables' });
  new EncryptedVectorBucket(stack, 'Vectors');
  new EncryptedVectorBucket(stack, 'S3ManagedVectors', { serverSideEncryption: ServerSideEncryption.s3Managed() });
  Aspects.of(stack).add(new EncryptionGuard({ requireKms }), { priority: AspectPriority.READONLY });
  return stack;
}

// Synthesized once each.
const plain = Annotations.fromStack(guardedApp(false));
const requiringKms = Annotations.fromStack(guardedApp(true));
const errorsOf = (annotations: Annotations, id: string): string[] =>
  annotations.findError(`/Types/${id}`, Match.anyValue()).map((e) => String(e.entry.data));

test.each(['BareDirectory', 'BareTables', 'BareVectors'])('%s: encryption not stated is reported', (id) => {
  const errors = errorsOf(plain, id);
  expect(errors).toHaveLength(1);
  expect(errors[0]).toContain(`[${Check.NO_EXPLICIT_ENCRYPTION_RULE}]`);
});

test.each(['SseS3Tables', 'SseS3Vectors', 'S3ManagedVectors/Resource'])('%s: SSE-S3 passes without requireKms, is reported with it', (id) => {
  expect(errorsOf(plain, id)).toEqual([]);
  const errors = errorsOf(requiringKms, id);
  expect(errors).toHaveLength(1);
  expect(errors[0]).toContain(`[${Check.KMS_REQUIRED}]`);
});

test.each(['Directory/Resource', 'Tables/Resource', 'Vectors/Resource'])('%s: the library construct passes, also with requireKms', (id) => {
  expect(errorsOf(requiringKms, id)).toEqual([]);
});

test('the check reads a template-shaped resource: aws:kms without a key falls short of requireKms', () => {
  const findings = checkBucketTypeEncryption({ type: 'AWS::S3Tables::TableBucket', properties: { EncryptionConfiguration: { SSEAlgorithm: 'aws:kms' } } }, true);
  expect(findings.map((f) => f.check)).toEqual([Check.KMS_REQUIRED]);
  expect(checkBucketTypeEncryption({ type: 'AWS::S3::Bucket', properties: {} }, true)).toEqual([]);
  expect(checkBucketTypeEncryption({ type: 'AWS::S3Express::DirectoryBucket', properties: { BucketEncryption: 'x' } }, false)
    .map((f) => f.check)).toEqual([Check.NOT_INSPECTABLE]);
});
