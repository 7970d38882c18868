"""SRP-6a as Cognito does it: the 3072-bit group, g = 2, padded hex, HKDF info "Caldera Derived
Key" (the user's and the device's proofs alike)."""

import base64
import hashlib
import hmac

N_HEX = (
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD1"
    "29024E088A67CC74020BBEA63B139B22514A08798E3404DD"
    "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245"
    "E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3D"
    "C2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F"
    "83655D23DCA3AD961C62F356208552BB9ED529077096966D"
    "670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B"
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9"
    "DE2BCBF6955817183995497CEA956AE515D2261898FA0510"
    "15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64"
    "ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7"
    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6B"
    "F12FFA06D98A0864D87602733EC86A64521F2B18177B200C"
    "BBE117577A615D6C770988C0BAD946E208E24FA074E5AB31"
    "43DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF"
)
N = int(N_HEX, 16)
G = 2


def pad_hex(value):
    """Hex of an integer or hex string, padded as Cognito pads it (even length, no sign bit)."""
    h = value if isinstance(value, str) else "%x" % value
    if len(h) % 2 == 1:
        h = "0" + h
    elif h[0] in "89abcdefABCDEF":
        h = "00" + h
    return h


def hash_hex(hex_str):
    return hashlib.sha256(bytes.fromhex(hex_str)).hexdigest()


K = int(hash_hex("00" + N_HEX + "0" + "2"), 16)


def verifier(pool_name, user_id, password, salt_hex):
    inner = hashlib.sha256((pool_name + user_id + ":" + password).encode("utf-8")).hexdigest()
    x = int(hash_hex(pad_hex(salt_hex) + inner), 16)
    return pow(G, x, N)


# rule srp-timestamp: TIMESTAMP is taken as the client sends it: AWS documents no format for it.
def expected_signature(state, secret_block, timestamp):
    a_pub, b_pub, b, v = state["A"], state["B"], state["b"], state["v"]
    u = int(hash_hex(pad_hex(a_pub) + pad_hex(b_pub)), 16)
    s = pow(a_pub * pow(v, u, N) % N, b, N)
    prk = hmac.new(bytes.fromhex(pad_hex(u)), bytes.fromhex(pad_hex(s)), hashlib.sha256).digest()
    key = hmac.new(prk, b"Caldera Derived Key\x01", hashlib.sha256).digest()[:16]
    msg = (
        state["pool_name"].encode("utf-8")
        + state["user_id"].encode("utf-8")
        + base64.b64decode(secret_block)
        + timestamp.encode("utf-8")
    )
    return base64.b64encode(hmac.new(key, msg, hashlib.sha256).digest()).decode()
