/*
 * SM2 signatures (GB/T 32918.2) with a distinguishing ID, through the OpenSSL that Node
 * itself exports. The symbols resolve from the node binary at load time: we link no
 * libcrypto of our own, so Node and this addon always agree on one OpenSSL.
 *
 * API (all byte arrays are Uint8Array/Buffer):
 *   publicKey(pub65)           -> External key handle, or throws on a point off the curve
 *   privateKey(d32)            -> [External key handle, pub65]
 *   sign(handle, id, msg)      -> 64 bytes r||s
 *   verify(handle, id, msg, sig64) -> boolean (never throws on a bad signature)
 *   opensslVersion()           -> string
 *
 * The ID must be set with EVP_PKEY_CTX_set1_id right after Digest{Sign,Verify}Init and
 * before any data: OpenSSL 3.0 rejects it as an init parameter.
 */
#ifndef NAPI_VERSION
#define NAPI_VERSION 8
#endif
#include <node_api.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>
#include <string.h>

#define FIELD_BYTES 32
#define POINT_BYTES 65
#define SIG_BYTES 64

static EVP_MD *sm3_md = NULL;

#define NAPI_CALL(env, call)                                      \
  do {                                                            \
    if ((call) != napi_ok) {                                      \
      napi_throw_error((env), "SM2_NAPI", "N-API call failed");   \
      return NULL;                                                \
    }                                                             \
  } while (0)

static napi_value throw_code(napi_env env, const char *code, const char *msg) {
  ERR_clear_error(); /* leave nothing on the queue for Node's own crypto to trip over */
  napi_throw_error(env, code, msg);
  return NULL;
}

static int get_bytes(napi_env env, napi_value v, unsigned char **data, size_t *len) {
  bool is_typed = false;
  if (napi_is_typedarray(env, v, &is_typed) != napi_ok || !is_typed) return 0;
  napi_typedarray_type type;
  napi_value ab;
  size_t offset;
  void *base;
  if (napi_get_typedarray_info(env, v, &type, len, &base, &ab, &offset) != napi_ok) return 0;
  if (type != napi_uint8_array) return 0;
  *data = (unsigned char *)base;
  return 1;
}

static void free_pkey(napi_env env, void *data, void *hint) { EVP_PKEY_free((EVP_PKEY *)data); }

static napi_value wrap_pkey(napi_env env, EVP_PKEY *pkey) {
  napi_value ext;
  if (napi_create_external(env, pkey, free_pkey, NULL, &ext) != napi_ok) {
    EVP_PKEY_free(pkey);
    return throw_code(env, "SM2_NAPI", "cannot wrap key");
  }
  return ext;
}

static EVP_PKEY *unwrap_pkey(napi_env env, napi_value v) {
  napi_valuetype t;
  void *data = NULL;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_external) return NULL;
  if (napi_get_value_external(env, v, &data) != napi_ok) return NULL;
  return (EVP_PKEY *)data;
}

/* Build an SM2 EVP_PKEY from an uncompressed point and, for a key pair, the scalar. */
static EVP_PKEY *pkey_from_parts(const unsigned char *pub, size_t pub_len, const BIGNUM *priv) {
  OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
  OSSL_PARAM *params = NULL;
  EVP_PKEY_CTX *ctx = NULL;
  EVP_PKEY *pkey = NULL;
  if (bld == NULL) goto done;
  if (!OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "SM2", 0)) goto done;
  if (!OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub, pub_len)) goto done;
  if (priv != NULL && !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, priv)) goto done;
  params = OSSL_PARAM_BLD_to_param(bld);
  if (params == NULL) goto done;
  ctx = EVP_PKEY_CTX_new_from_name(NULL, "SM2", NULL);
  if (ctx == NULL || EVP_PKEY_fromdata_init(ctx) <= 0) goto done;
  if (EVP_PKEY_fromdata(ctx, &pkey, priv ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY, params) <= 0) pkey = NULL;
done:
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(bld);
  return pkey;
}

/* fromdata does not check that the point is on the curve; we do, with the group itself. */
static int point_is_valid(const EC_GROUP *group, const unsigned char *pub, size_t len) {
  EC_POINT *p = EC_POINT_new(group);
  int ok = p != NULL && EC_POINT_oct2point(group, p, pub, len, NULL) == 1 && EC_POINT_is_at_infinity(group, p) == 0 &&
           EC_POINT_is_on_curve(group, p, NULL) == 1;
  EC_POINT_free(p);
  return ok;
}

static napi_value js_public_key(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  NAPI_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  unsigned char *pub;
  size_t len;
  if (argc < 1 || !get_bytes(env, argv[0], &pub, &len) || len != POINT_BYTES || pub[0] != 0x04)
    return throw_code(env, "INVALID_PUBLIC_KEY", "SM2 public key must be 65 bytes 04||X||Y");
  EC_GROUP *group = EC_GROUP_new_by_curve_name(NID_sm2);
  int valid = group != NULL && point_is_valid(group, pub, len);
  EC_GROUP_free(group);
  if (!valid) return throw_code(env, "INVALID_PUBLIC_KEY", "point is not on the SM2 curve");
  EVP_PKEY *pkey = pkey_from_parts(pub, len, NULL);
  if (pkey == NULL) return throw_code(env, "INVALID_PUBLIC_KEY", "OpenSSL rejected the SM2 public key");
  return wrap_pkey(env, pkey);
}

static napi_value js_private_key(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  NAPI_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  unsigned char *d;
  size_t len;
  if (argc < 1 || !get_bytes(env, argv[0], &d, &len) || len != FIELD_BYTES)
    return throw_code(env, "INVALID_PRIVATE_KEY", "SM2 private key must be 32 bytes");
  unsigned char pub[POINT_BYTES];
  EVP_PKEY *pkey = NULL;
  BIGNUM *bn = BN_bin2bn(d, (int)len, NULL);
  EC_GROUP *group = EC_GROUP_new_by_curve_name(NID_sm2);
  EC_POINT *q = group ? EC_POINT_new(group) : NULL;
  BIGNUM *n_minus_1 = NULL;
  int ok = bn != NULL && q != NULL;
  /* SM2 needs d in [1, n-2]: (1+d) must be invertible mod n. */
  if (ok) {
    n_minus_1 = BN_dup(EC_GROUP_get0_order(group));
    ok = n_minus_1 != NULL && BN_sub_word(n_minus_1, 1) && !BN_is_zero(bn) && BN_cmp(bn, n_minus_1) < 0;
  }
  if (ok) ok = EC_POINT_mul(group, q, bn, NULL, NULL, NULL) == 1;
  if (ok) ok = EC_POINT_point2oct(group, q, POINT_CONVERSION_UNCOMPRESSED, pub, sizeof pub, NULL) == POINT_BYTES;
  if (ok) pkey = pkey_from_parts(pub, sizeof pub, bn);
  BN_clear_free(bn);
  BN_free(n_minus_1);
  EC_POINT_free(q);
  EC_GROUP_free(group);
  if (pkey == NULL) return throw_code(env, "INVALID_PRIVATE_KEY", "SM2 private key out of range [1, n-2]");
  napi_value handle = wrap_pkey(env, pkey);
  if (handle == NULL) return NULL;
  napi_value pub_buf, out;
  void *pub_data;
  NAPI_CALL(env, napi_create_buffer_copy(env, sizeof pub, pub, &pub_data, &pub_buf));
  NAPI_CALL(env, napi_create_array_with_length(env, 2, &out));
  NAPI_CALL(env, napi_set_element(env, out, 0, handle));
  NAPI_CALL(env, napi_set_element(env, out, 1, pub_buf));
  return out;
}

/* Prepare a digest context for SM2 with the given ID; returns NULL on failure. */
static EVP_MD_CTX *init_ctx(EVP_PKEY *pkey, const unsigned char *id, size_t id_len, int for_sign) {
  EVP_MD_CTX *mctx = EVP_MD_CTX_new();
  EVP_PKEY_CTX *pctx = NULL;
  if (mctx == NULL) return NULL;
  int ok = for_sign ? EVP_DigestSignInit(mctx, &pctx, sm3_md, NULL, pkey) : EVP_DigestVerifyInit(mctx, &pctx, sm3_md, NULL, pkey);
  if (ok <= 0 || EVP_PKEY_CTX_set1_id(pctx, id, id_len) <= 0) {
    EVP_MD_CTX_free(mctx);
    return NULL;
  }
  return mctx;
}

static napi_value js_sign(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  NAPI_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  unsigned char *id, *msg;
  size_t id_len, msg_len;
  EVP_PKEY *pkey = argc == 3 ? unwrap_pkey(env, argv[0]) : NULL;
  if (pkey == NULL || !get_bytes(env, argv[1], &id, &id_len) || !get_bytes(env, argv[2], &msg, &msg_len))
    return throw_code(env, "SM2_BAD_ARGUMENT", "sign(handle, id, msg) expects a key handle and two Uint8Arrays");
  EVP_MD_CTX *mctx = init_ctx(pkey, id, id_len, 1);
  if (mctx == NULL) return throw_code(env, "SM2_SIGN_FAILED", "EVP_DigestSignInit failed");
  unsigned char der[80];
  size_t der_len = sizeof der;
  int ok = EVP_DigestSign(mctx, der, &der_len, msg, msg_len) > 0;
  EVP_MD_CTX_free(mctx);
  if (!ok) return throw_code(env, "SM2_SIGN_FAILED", "EVP_DigestSign failed");
  const unsigned char *p = der;
  ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
  unsigned char raw[SIG_BYTES];
  ok = sig != NULL && BN_bn2binpad(ECDSA_SIG_get0_r(sig), raw, FIELD_BYTES) == FIELD_BYTES &&
       BN_bn2binpad(ECDSA_SIG_get0_s(sig), raw + FIELD_BYTES, FIELD_BYTES) == FIELD_BYTES;
  ECDSA_SIG_free(sig);
  if (!ok) return throw_code(env, "SM2_SIGN_FAILED", "cannot decode OpenSSL's signature");
  napi_value out;
  void *data;
  NAPI_CALL(env, napi_create_buffer_copy(env, sizeof raw, raw, &data, &out));
  return out;
}

/* r||s -> DER. Range checks ([1, n-1]) are the caller's job in TS; OpenSSL checks again. */
static int raw_to_der(const unsigned char *raw, unsigned char **der, int *der_len) {
  ECDSA_SIG *sig = ECDSA_SIG_new();
  BIGNUM *r = BN_bin2bn(raw, FIELD_BYTES, NULL);
  BIGNUM *s = BN_bin2bn(raw + FIELD_BYTES, FIELD_BYTES, NULL);
  if (sig == NULL || r == NULL || s == NULL || !ECDSA_SIG_set0(sig, r, s)) {
    ECDSA_SIG_free(sig);
    BN_free(r);
    BN_free(s);
    return 0;
  }
  *der = NULL;
  *der_len = i2d_ECDSA_SIG(sig, der);
  ECDSA_SIG_free(sig);
  return *der_len > 0;
}

static napi_value js_verify(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  NAPI_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  unsigned char *id, *msg, *raw;
  size_t id_len, msg_len, raw_len;
  EVP_PKEY *pkey = argc == 4 ? unwrap_pkey(env, argv[0]) : NULL;
  if (pkey == NULL || !get_bytes(env, argv[1], &id, &id_len) || !get_bytes(env, argv[2], &msg, &msg_len) ||
      !get_bytes(env, argv[3], &raw, &raw_len))
    return throw_code(env, "SM2_BAD_ARGUMENT", "verify(handle, id, msg, sig) expects a key handle and three Uint8Arrays");
  int valid = 0;
  unsigned char *der = NULL;
  int der_len = 0;
  if (raw_len == SIG_BYTES && raw_to_der(raw, &der, &der_len)) {
    EVP_MD_CTX *mctx = init_ctx(pkey, id, id_len, 0);
    if (mctx != NULL) {
      valid = EVP_DigestVerify(mctx, der, (size_t)der_len, msg, msg_len) == 1;
      EVP_MD_CTX_free(mctx);
    }
  }
  OPENSSL_free(der);
  if (!valid) ERR_clear_error();
  napi_value out;
  NAPI_CALL(env, napi_get_boolean(env, valid, &out));
  return out;
}

static napi_value js_openssl_version(napi_env env, napi_callback_info info) {
  napi_value out;
  NAPI_CALL(env, napi_create_string_utf8(env, OpenSSL_version(OPENSSL_VERSION), NAPI_AUTO_LENGTH, &out));
  return out;
}

static napi_value init(napi_env env, napi_value exports) {
  /* One fetched SM3 for the process; worker threads reuse it (EVP_MD is read-only once fetched). */
  if (sm3_md == NULL) sm3_md = EVP_MD_fetch(NULL, "SM3", NULL);
  if (sm3_md == NULL) return throw_code(env, "SM2_UNAVAILABLE", "this OpenSSL has no SM3");
  napi_property_descriptor props[] = {
      {"publicKey", NULL, js_public_key, NULL, NULL, NULL, napi_default, NULL},
      {"privateKey", NULL, js_private_key, NULL, NULL, NULL, napi_default, NULL},
      {"sign", NULL, js_sign, NULL, NULL, NULL, napi_default, NULL},
      {"verify", NULL, js_verify, NULL, NULL, NULL, napi_default, NULL},
      {"opensslVersion", NULL, js_openssl_version, NULL, NULL, NULL, napi_default, NULL},
  };
  NAPI_CALL(env, napi_define_properties(env, exports, sizeof props / sizeof props[0], props));
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
