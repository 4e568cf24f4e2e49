export * from './errors';
export * from './server-side-encryption';
export * from './encryption-key';
export * from './encrypted-bucket';
export { EncryptionPolicySid } from './policy-statements';
export * from './s3-encryption-stack';
export * from './guard/encryption-guard';
export { EncryptionGuardCheck } from './guard/check';
