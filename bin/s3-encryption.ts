#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { S3EncryptionStack } from '../lib';

const app = new App();
new S3EncryptionStack(app, 'S3EncryptionStack', {
  description: 'cdk-s3-encryption reference stack: SSE-S3, SSE-KMS and SSE-C buckets with deny-by-design policies',
});
app.synth();
