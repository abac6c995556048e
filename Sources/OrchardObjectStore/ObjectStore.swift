// Object storage for publishing the ledger (issue 14): AWS Signature Version 4 and an S3 client.
