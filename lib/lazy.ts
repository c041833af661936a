/**
 * The heavy dependencies (the AWS SDK, knex, the CSV parser), loaded when first
 * used rather than when bigrays is imported: a job that never touches S3 never pays for it.
 */
/* eslint-disable @typescript-eslint/no-require-imports */

export const s3Sdk = (): typeof import('@aws-sdk/client-s3') => require('@aws-sdk/client-s3');
export const snsSdk = (): typeof import('@aws-sdk/client-sns') => require('@aws-sdk/client-sns');
export const uploads = (): typeof import('@aws-sdk/lib-storage') => require('@aws-sdk/lib-storage');
export const knexFactory = (): typeof import('knex').knex => require('knex');
export const csvParse = (): typeof import('csv-parse') => require('csv-parse');
