// Only the libcrypto headers Orchard uses: SHA-256 and Ed25519 through EVP, PEM key files,
// HMAC-SHA256 (AWS Signature Version 4).
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/crypto.h>
