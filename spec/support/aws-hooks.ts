/** Root hooks for the S3/SNS/SQS specs: the fauxqs emulator (filled in with the AWS tasks). */
export {};
