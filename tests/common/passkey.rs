//! A software authenticator for the passkey tests: an ES256 key pair (aws-lc-rs), attestation
//! "none", the CBOR it sends written out by hand (the few shapes WebAuthn needs), and the JSON
//! forms a browser's `navigator.credentials.create` and `.get` give a page.

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_ASN1_SIGNING};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// One passkey: its id, key and signature counter.
pub struct Authenticator {
    id: Vec<u8>,
    key: EcdsaKeyPair,
    count: u32,
    /// Where the browser says the ceremony ran.
    pub origin: String,
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// CBOR: a major type and its argument.
fn head(major: u8, n: u64, out: &mut Vec<u8>) {
    let m = major << 5;
    match n {
        0..=23 => out.push(m | n as u8),
        24..=0xff => out.extend([m | 24, n as u8]),
        0x100..=0xffff => {
            out.push(m | 25);
            out.extend((n as u16).to_be_bytes());
        }
        _ => {
            out.push(m | 26);
            out.extend((n as u32).to_be_bytes());
        }
    }
}

fn int(n: i64, out: &mut Vec<u8>) {
    if n >= 0 {
        head(0, n as u64, out)
    } else {
        head(1, (-1 - n) as u64, out)
    }
}

fn bytes(b: &[u8], out: &mut Vec<u8>) {
    head(2, b.len() as u64, out);
    out.extend_from_slice(b);
}

fn text(s: &str, out: &mut Vec<u8>) {
    head(3, s.len() as u64, out);
    out.extend_from_slice(s.as_bytes());
}

impl Authenticator {
    /// A new passkey, its ceremonies said to run at `origin` (`https://example.com`).
    pub fn new(origin: &str) -> Authenticator {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng).expect("a P-256 key");
        let key = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref()).expect("its own key");
        let mut id = vec![0u8; 16];
        getrandom::fill(&mut id).expect("random bytes");
        Authenticator { id, key, count: 0, origin: origin.to_owned() }
    }

    /// The credential's id, base64url, as Cognito lists it.
    pub fn id(&self) -> String {
        b64(&self.id)
    }

    fn auth_data(&mut self, rp_id: &str, attested: bool) -> Vec<u8> {
        self.count += 1;
        let mut data = Sha256::digest(rp_id.as_bytes()).to_vec();
        // User present, user verified, and with the attested credential at registration.
        data.push(if attested { 0x45 } else { 0x05 });
        data.extend(self.count.to_be_bytes());
        if attested {
            data.extend([0u8; 16]); // AAGUID: none
            data.extend((self.id.len() as u16).to_be_bytes());
            data.extend(&self.id);
            // The COSE key: {1: 2 (EC2), 3: -7 (ES256), -1: 1 (P-256), -2: x, -3: y}.
            let point = self.key.public_key().as_ref();
            let (x, y) = (&point[1..33], &point[33..65]);
            head(5, 5, &mut data);
            int(1, &mut data);
            int(2, &mut data);
            int(3, &mut data);
            int(-7, &mut data);
            int(-1, &mut data);
            int(1, &mut data);
            int(-2, &mut data);
            bytes(x, &mut data);
            int(-3, &mut data);
            bytes(y, &mut data);
        }
        data
    }

    fn client_data(&self, kind: &str, challenge: &str) -> Vec<u8> {
        json!({ "type": kind, "challenge": challenge, "origin": self.origin, "crossOrigin": false })
            .to_string()
            .into_bytes()
    }

    /// The answer to `navigator.credentials.create(options)`: RegistrationResponseJSON.
    pub fn register(&mut self, options: &Value) -> String {
        let rp_id = options["rp"]["id"].as_str().expect("rp.id");
        let challenge = options["challenge"].as_str().expect("challenge");
        let auth_data = self.auth_data(rp_id, true);
        let mut attestation = Vec::new();
        head(5, 3, &mut attestation);
        text("fmt", &mut attestation);
        text("none", &mut attestation);
        text("attStmt", &mut attestation);
        head(5, 0, &mut attestation);
        text("authData", &mut attestation);
        bytes(&auth_data, &mut attestation);
        json!({
            "id": self.id(), "rawId": self.id(), "type": "public-key", "authenticatorAttachment": "platform",
            "response": {
                "clientDataJSON": b64(&self.client_data("webauthn.create", challenge)),
                "attestationObject": b64(&attestation),
                "transports": ["internal"],
            },
            "clientExtensionResults": {},
        })
        .to_string()
    }

    /// The answer to `navigator.credentials.get(options)`: AuthenticationResponseJSON.
    pub fn assert(&mut self, options: &Value) -> String {
        let rp_id = options["rpId"].as_str().expect("rpId");
        let challenge = options["challenge"].as_str().expect("challenge");
        let auth_data = self.auth_data(rp_id, false);
        let client_data = self.client_data("webauthn.get", challenge);
        let mut signed = auth_data.clone();
        signed.extend(Sha256::digest(&client_data));
        let signature = self.key.sign(&SystemRandom::new(), &signed).expect("a signature");
        json!({
            "id": self.id(), "rawId": self.id(), "type": "public-key", "authenticatorAttachment": "platform",
            "response": {
                "clientDataJSON": b64(&client_data),
                "authenticatorData": b64(&auth_data),
                "signature": b64(signature.as_ref()),
            },
            "clientExtensionResults": {},
        })
        .to_string()
    }
}
