"""The pools' signing keys and JWKS, token signing, and the shapes of Cognito's tokens."""

import base64
import hashlib
import json
import secrets

from .state import POOL_KEYS, POOL_KEYS_LOCK

# rule signing-keys: two signing keys per pool, kids of Cognito's shape.
# Cognito "generates two pairs of RSA cryptographic keys for each user pool" (developer guide,
# "Verifying a JSON web token"), and its users report one signing ID tokens and the other access
# tokens (stackoverflow.com/questions/43978673): each pool's JWKS holds its own two, under kids
# of Cognito's shape (the base64 of a SHA-256; moto's is "dummy"). moto signs every pool's
# tokens of both kinds with one key it ships. Made at a pool's first token or key fetch.
# (POOL_KEYS, POOL_KEYS_LOCK in state.py.)
def pool_keys(pool_id):
    from joserfc import jwk

    with POOL_KEYS_LOCK:
        keys = POOL_KEYS.get(pool_id)
        if keys is None:
            kid = lambda use: base64.b64encode(hashlib.sha256(("%s %s" % (pool_id, use)).encode()).digest()).decode()
            keys = {use: (kid(use), jwk.RSAKey.generate_key(2048)) for use in ("access", "id")}
            POOL_KEYS[pool_id] = keys
        return keys


# rule issuer: the pool's IssuerConfiguration sets the tokens' iss.
def pool_issuer(pool):
    """The `iss` of the pool's tokens (IssuerConfigurationType reference): ORIGINAL,
    https://cognito-idp.<region>.amazonaws.com/<pool>, unless the pool's IssuerConfiguration
    is UPDATED, https://issuer-cognito-idp.<region>.amazonaws.com/<pool>. moto knows only the first."""
    updated = (pool.extended_config.get("IssuerConfiguration") or {}).get("Type") == "UPDATED"
    return "https://%s.%s.amazonaws.com/%s" % ("issuer-cognito-idp" if updated else "cognito-idp", pool.region, pool.id)


def pool_jwks(pool_id):
    """The pool's JWKS document: its two public keys."""
    listed = []
    for kid, key in pool_keys(pool_id).values():
        public = key.as_dict(private=False)
        listed.append({"alg": "RS256", "e": public["e"], "kid": kid, "kty": "RSA", "n": public["n"], "use": "sig"})
    return json.dumps({"keys": listed}).encode()


def sign(pool_id, use, payload):
    from moto.cognitoidp import models

    kid, key = pool_keys(pool_id)[use]
    return models.jwt.encode({"kid": kid, "alg": "RS256"}, payload, key)


# rule refresh-token-shape: refresh tokens are JWEs of Cognito's size.
# The header of Cognito's refresh tokens, a compact JWE (RFC 7516), and the size of its
# ciphertext: Cognito's refresh tokens are about 1,780 characters (moto's are 36-byte UUIDs).
JWE_HEADER = json.dumps({"cty": "JWT", "enc": "A256GCM", "alg": "RSA-OAEP"}, separators=(",", ":"))
JWE_CIPHERTEXT_BYTES = 1000


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def real_refresh_token():
    """A refresh token of Cognito's shape: header, RSA-OAEP key (256 bytes), IV (12), AES-GCM
    ciphertext and tag (16), five base64url parts. Opaque to clients, as Cognito's is; the
    emulator looks it up as moto looks up its UUIDs."""
    parts = [JWE_HEADER.encode(), secrets.token_bytes(256), secrets.token_bytes(12),
             secrets.token_bytes(JWE_CIPHERTEXT_BYTES), secrets.token_bytes(16)]
    return ".".join(b64url(p) for p in parts)


VALIDITY_UNITS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}


def refresh_lifetime(client):
    """An app client's RefreshTokenValidity in seconds (CreateUserPoolClient reference: in
    TokenValidityUnits.RefreshToken, days by default; 30 days when not set)."""
    config = client.extended_config if client is not None else {}
    units = (config.get("TokenValidityUnits") or {}).get("RefreshToken") or "days"
    return float(config.get("RefreshTokenValidity") or 30) * VALIDITY_UNITS.get(units, 86400)


def claims_of(jwt):
    """The payload of a compact JWT the emulator signed (no check: it made it)."""
    payload = jwt.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
