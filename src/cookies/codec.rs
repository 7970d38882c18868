//! Tokens packed as binary, in as few bytes as they allow: a JWT's base64url parts decoded and
//! its JSON compressed against a dictionary of Cognito's claim names, a Cognito refresh token
//! without its constant header, any other string as its text. What [`Sealer`](super::seal::Sealer)
//! then seals.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

/// The header of Cognito's refresh tokens (a compact JWE, RFC 7516), decoded: the same on every
/// one, so it is not sent.
const COGNITO_JWE_HEADER: &[u8] = br#"{"cty":"JWT","enc":"A256GCM","alg":"RSA-OAEP"}"#;

/// The largest header and payload a packed JWT inflates to: the binary form counts 65,535.
const MAX_INFLATED: usize = u16::MAX as usize;

/// The ways a token is packed, in the first byte.
mod kind {
    /// Any string, as its text.
    pub(super) const TEXT: u8 = 0;
    /// A JWT or JWE: its decoded parts.
    pub(super) const PARTS: u8 = 1;
    /// Cognito's refresh token: the four parts after its constant header.
    pub(super) const COGNITO_JWE: u8 = 2;
    /// A JWT whose header and payload (JSON, a fifth of it names Cognito repeats in every
    /// token) are DEFLATE-compressed, then its signature. Written by earlier versions.
    pub(super) const DEFLATED_JWT: u8 = 3;
    /// As [`DEFLATED_JWT`], compressed against [`JWT_DICTIONARY`](super::JWT_DICTIONARY).
    pub(super) const DICTIONARY_JWT: u8 = 4;
}

/// What a Cognito token's JSON repeats and DEFLATE alone cannot shorten, since each name appears
/// once a token: the header, the claims in the order Cognito writes them ("Understanding user
/// pool JSON web tokens") and the issuer's fixed parts. The stream is compressed as if this
/// came first (a preset dictionary, RFC 1951's back-references into it), which takes a further
/// third off an access token's JSON (390 to about 240 bytes). Sealed values depend on every
/// byte of it: a changed dictionary needs a new kind.
const JWT_DICTIONARY: &[u8] = br#"{"kid":"","alg":"RS256"}{"sub":"","email_verified":true,"cognito:groups":["],"iss":"https://cognito-idp.us-east-1.amazonaws.com/us-east-1_","cognito:username":"","origin_jti":"","aud":"","event_id":"","token_use":"id","auth_time":,"exp":,"iat":,"jti":"","email":"","version":2,"client_id":"","origin_jti":"","event_id":"","token_use":"access","scope":"aws.cognito.signin.user.admin","auth_time":1,"exp":1,"iat":1,"jti":"","username":""#;

/// A token packed as binary, in as few bytes as it allows: a JWT or JWE whose every part is
/// canonical base64url is kept as the decoded parts (a quarter smaller), a JWT's JSON
/// compressed when that is smaller (about a third of an access token), a Cognito refresh
/// token without its constant header; any other string as its text. Lossless every way.
pub(crate) fn pack_token(token: &str, out: &mut Vec<u8>) {
    let parts: Option<Vec<Vec<u8>>> = token
        .split('.')
        .map(|part| URL_SAFE_NO_PAD.decode(part).ok().filter(|bytes| URL_SAFE_NO_PAD.encode(bytes) == part))
        .collect();
    let Some(parts) = parts.filter(|p| p.len() <= u8::MAX as usize && p.iter().all(|b| b.len() <= u16::MAX as usize))
    else {
        out.push(kind::TEXT);
        out.extend_from_slice(&(token.len() as u32).to_be_bytes());
        out.extend_from_slice(token.as_bytes());
        return;
    };
    if parts.len() == 5 && parts[0] == COGNITO_JWE_HEADER {
        out.push(kind::COGNITO_JWE);
        parts[1..].iter().for_each(|part| push_part(part, out));
        return;
    }
    if let [header, payload, signature] = parts.as_slice() {
        if let Some(deflated) = deflate_json(header, payload) {
            out.push(kind::DICTIONARY_JWT);
            out.extend_from_slice(&(header.len() as u16).to_be_bytes());
            // No longer than the JSON, so within a u16 too.
            push_part(&deflated, out);
            push_part(signature, out);
            return;
        }
    }
    out.push(kind::PARTS);
    out.push(parts.len() as u8);
    parts.iter().for_each(|part| push_part(part, out));
}

/// A JWT's header and payload, compressed; `None` when that is no smaller (the compressed
/// form's lengths cost a byte less than the parts') or past what the binary form counts.
fn deflate_json(header: &[u8], payload: &[u8]) -> Option<Vec<u8>> {
    if header.len() + payload.len() > MAX_INFLATED {
        return None;
    }
    let json = [header, payload].concat();
    let deflated = deflate_after(JWT_DICTIONARY, &json)?;
    (deflated.len() < json.len()).then_some(deflated)
}

/// `data` as a raw DEFLATE stream that may refer back into `dictionary`, as if it had been
/// sent first: the compressor reads the dictionary, flushes to a byte boundary (a sync flush
/// keeps its window) and the output from there on is `data`'s. `None` only past the buffer
/// (the data expands more than DEFLATE's stored blocks allow), which cannot happen.
fn deflate_after(dictionary: &[u8], data: &[u8]) -> Option<Vec<u8>> {
    use miniz_oxide::deflate::core::{compress, create_comp_flags_from_zip_params, CompressorOxide};
    use miniz_oxide::deflate::core::{TDEFLFlush, TDEFLStatus};
    // Negative window bits: a raw stream, no zlib header or checksum (the seal authenticates).
    let mut compressor = CompressorOxide::new(create_comp_flags_from_zip_params(9, -15, 0));
    let mut out = vec![0; dictionary.len() + data.len() + 64];
    let (status, read, primed) = compress(&mut compressor, dictionary, &mut out, TDEFLFlush::Sync);
    if status != TDEFLStatus::Okay || read != dictionary.len() {
        return None;
    }
    let (status, read, written) = compress(&mut compressor, data, &mut out[primed..], TDEFLFlush::Finish);
    (status == TDEFLStatus::Done && read == data.len()).then(|| out[primed..primed + written].to_vec())
}

/// Reads what [`deflate_after`] wrote: inflated after a stored block of the dictionary (so its
/// back-references find it), which is then taken off. At most `limit` bytes of `data`.
fn inflate_after(dictionary: &[u8], deflated: &[u8], limit: usize) -> Option<Vec<u8>> {
    let len = u16::try_from(dictionary.len()).ok()?;
    // A stored block that is not the last (RFC 1951, 3.2.4): header bits 000, LEN, NLEN.
    let mut stream = Vec::with_capacity(5 + dictionary.len() + deflated.len());
    stream.push(0);
    stream.extend_from_slice(&len.to_le_bytes());
    stream.extend_from_slice(&(!len).to_le_bytes());
    stream.extend_from_slice(dictionary);
    stream.extend_from_slice(deflated);
    let inflated = miniz_oxide::inflate::decompress_to_vec_with_limit(&stream, dictionary.len() + limit).ok()?;
    inflated.strip_prefix(dictionary).map(<[u8]>::to_vec)
}

/// `part` with its length, at most 65,535 bytes (the caller's to check).
fn push_part(part: &[u8], out: &mut Vec<u8>) {
    out.extend_from_slice(&(part.len() as u16).to_be_bytes());
    out.extend_from_slice(part);
}

/// Reads a part [`push_part`] wrote.
fn take_part<'a>(input: &mut &'a [u8]) -> Option<&'a [u8]> {
    let len = take_u16(input)?;
    take(input, len as usize)
}

fn take_u16(input: &mut &[u8]) -> Option<u16> {
    Some(u16::from_be_bytes(take(input, 2)?.try_into().ok()?))
}

fn join_parts<'a>(parts: impl IntoIterator<Item = &'a [u8]>) -> String {
    let mut token = String::new();
    for (i, part) in parts.into_iter().enumerate() {
        if i > 0 {
            token.push('.');
        }
        URL_SAFE_NO_PAD.encode_string(part, &mut token);
    }
    token
}

/// Reads a token [`pack_token`] wrote from the front of `input`, and moves past it.
pub(crate) fn unpack_token(input: &mut &[u8]) -> Option<String> {
    let (&kind, rest) = input.split_first()?;
    *input = rest;
    match kind {
        kind::PARTS => {
            let (&count, rest) = input.split_first()?;
            *input = rest;
            let parts: Vec<&[u8]> = (0..count).map(|_| take_part(input)).collect::<Option<_>>()?;
            Some(join_parts(parts))
        }
        kind::COGNITO_JWE => {
            let parts: Vec<&[u8]> = (0..4).map(|_| take_part(input)).collect::<Option<_>>()?;
            Some(join_parts(std::iter::once(COGNITO_JWE_HEADER).chain(parts)))
        }
        kind::DEFLATED_JWT | kind::DICTIONARY_JWT => {
            let header_len = take_u16(input)? as usize;
            let deflated = take_part(input)?;
            let json = if kind == kind::DEFLATED_JWT {
                miniz_oxide::inflate::decompress_to_vec_with_limit(deflated, MAX_INFLATED).ok()?
            } else {
                inflate_after(JWT_DICTIONARY, deflated, MAX_INFLATED)?
            };
            let signature = take_part(input)?;
            (header_len <= json.len()).then(|| {
                let (header, payload) = json.split_at(header_len);
                join_parts([header, payload, signature])
            })
        }
        kind::TEXT => {
            let len = u32::from_be_bytes(take(input, 4)?.try_into().ok()?) as usize;
            String::from_utf8(take(input, len)?.to_vec()).ok()
        }
        _ => None,
    }
}

/// A short string (a username) packed with its length.
pub(crate) fn pack_str(s: &str, out: &mut Vec<u8>) {
    push_part(&s.as_bytes()[..s.len().min(u16::MAX as usize)], out);
}

/// Reads a string [`pack_str`] wrote.
pub(crate) fn unpack_str(input: &mut &[u8]) -> Option<String> {
    String::from_utf8(take_part(input)?.to_vec()).ok()
}

fn take<'a>(input: &mut &'a [u8], n: usize) -> Option<&'a [u8]> {
    if input.len() < n {
        return None;
    }
    let (head, rest) = input.split_at(n);
    *input = rest;
    Some(head)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(token: &str) -> (String, usize) {
        let mut packed = Vec::new();
        pack_token(token, &mut packed);
        let mut input = packed.as_slice();
        let back = unpack_token(&mut input).unwrap();
        assert!(input.is_empty());
        (back, packed.len())
    }

    fn random(n: usize) -> Vec<u8> {
        let mut bytes = vec![0u8; n];
        getrandom::fill(&mut bytes).unwrap();
        bytes
    }

    fn b64(bytes: &[u8]) -> String {
        URL_SAFE_NO_PAD.encode(bytes)
    }

    #[test]
    fn tokens_pack_losslessly_and_jwts_a_quarter_smaller() {
        let short = "eyJraWQiOiJrIiwiYWxnIjoiUlMyNTYifQ.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlLWJ5dGVz";
        assert_eq!(round_trip(short).0, short);
        // Parts that do not compress (random bytes): the decoded bytes, a kind and a count, and
        // two bytes of length per part.
        let jwt = [b64(&random(40)), b64(&random(600)), b64(&random(256))].join(".");
        let (back, len) = round_trip(&jwt);
        assert_eq!(back, jwt);
        assert_eq!(len, 40 + 600 + 256 + 2 + 3 * 2, "{len} of {}", jwt.len());
        // Not canonical base64url (padding, a stray bit, other alphabets), or no JWT: kept as text.
        for odd in ["abc=.def", "YR.x", "a+b/c", "", "opaque-refresh-token", "ünï.cödé", "a..b"] {
            assert_eq!(round_trip(odd).0, odd);
        }
        // Past what the binary form counts (255 parts, 65,535 bytes a part): kept as text.
        let many_parts = vec!["YQ"; 256].join(".");
        let huge_part = format!("YQ.{}.YQ", b64(&random(70_000)));
        for big in [many_parts, huge_part] {
            let (back, len) = round_trip(&big);
            assert_eq!(back, big);
            assert_eq!(len, 1 + 4 + big.len(), "as text");
        }
    }

    #[test]
    fn a_jwts_json_is_compressed_when_that_is_smaller() {
        let header = br#"{"kid":"Bm0mKbCMTsLmM1DRHVtqtZsP3e7gJH3xOTvSb3nQ2Bs=","alg":"RS256"}"#;
        let payload = br#"{"sub":"5e4c1f52-9a3b-4f7e-8d21-0c6a9b3e7f10","cognito:groups":["admins","editors"],"iss":"https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEfGhI","version":2,"client_id":"1example23456789abcdefghij","origin_jti":"0b8e2f4a-6c1d-4e9b-a7f3-2d5c8e1b9a60","event_id":"7f3a9c2e-1b4d-4a8f-9e6c-5d2b7a1f8e30","token_use":"access","scope":"aws.cognito.signin.user.admin","auth_time":1764600000,"exp":1764603600,"iat":1764600000,"jti":"c4d2e8f1-3a7b-4c9e-b5d1-8f2a6e4c1b70","username":"demo"}"#;
        let jwt = [b64(header), b64(payload), b64(&random(256))].join(".");
        let (back, len) = round_trip(&jwt);
        assert_eq!(back, jwt, "byte for byte: the signature still verifies");
        let as_parts = header.len() + payload.len() + 256 + 2 + 3 * 2;
        // Cognito's access token JSON compresses to under half, and the dictionary takes more
        // than a quarter off what DEFLATE alone makes of it.
        let json_len = header.len() + payload.len();
        let alone = miniz_oxide::deflate::compress_to_vec(&[&header[..], &payload[..]].concat(), 9).len();
        let deflated = len - (1 + 2 + 2 + 2 + 256);
        assert!(deflated * 2 < json_len, "{deflated} bytes of {json_len}");
        assert!(deflated * 4 < alone * 3, "{deflated} bytes with the dictionary, {alone} without");
        assert!(len * 100 < as_parts * 75, "{len} bytes packed, {as_parts} as parts");
        // The JSON of any size the binary form counts, compressible or not, comes back whole.
        for json_len in [0, 1, 100, 5_000, 60_000] {
            let payload: Vec<u8> = (0..json_len).map(|i| b"{\"a\":1}"[i % 7]).collect();
            let jwt = [b64(header), b64(&payload), b64(&random(256))].join(".");
            assert_eq!(round_trip(&jwt).0, jwt, "{json_len}");
        }
    }

    #[test]
    fn the_dictionary_is_what_sealed_values_were_compressed_against() {
        use sha2::Digest;
        // Every value of kind 4 inflates against these exact bytes: an edit would make each
        // one unreadable, so it takes a new kind (and this digest changes only with it).
        let digest: String = sha2::Sha256::digest(JWT_DICTIONARY).iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(digest, "a3b6bd032ec7ce150fa2ce32eb460b46853df96032cd7d1ff3a2b8b19a713982");
        // Data that refers into the dictionary, that does not, and none, round-trips; another
        // dictionary does not read it.
        for data in [&JWT_DICTIONARY[10..200], b"no match here at all: 0123456789", b""] {
            let deflated = deflate_after(JWT_DICTIONARY, data).unwrap();
            assert_eq!(inflate_after(JWT_DICTIONARY, &deflated, data.len()).as_deref(), Some(data));
        }
        let deflated = deflate_after(JWT_DICTIONARY, &JWT_DICTIONARY[10..200]).unwrap();
        assert!(deflated.len() < 20, "a stretch of the dictionary is a back-reference: {}", deflated.len());
        assert_ne!(inflate_after(b"another dictionary", &deflated, 190).as_deref(), Some(&JWT_DICTIONARY[10..200]));
        assert_eq!(inflate_after(JWT_DICTIONARY, &deflated, 189), None, "past the limit");
    }

    #[test]
    fn a_cognito_refresh_token_is_packed_without_its_constant_header() {
        let parts = [random(256), random(12), random(1000), random(16)];
        let jwe =
            std::iter::once(b64(COGNITO_JWE_HEADER)).chain(parts.iter().map(|p| b64(p))).collect::<Vec<_>>().join(".");
        let (back, len) = round_trip(&jwe);
        assert_eq!(back, jwe);
        assert_eq!(len, 1 + 256 + 12 + 1000 + 16 + 4 * 2, "{len} of {}", jwe.len());
        // A JWE with another header keeps it.
        let other = jwe.replacen(&b64(COGNITO_JWE_HEADER), &b64(br#"{"enc":"A128GCM","alg":"RSA-OAEP"}"#), 1);
        let (back, len) = round_trip(&other);
        assert_eq!(back, other);
        assert_eq!(len, 2 + 34 + 256 + 12 + 1000 + 16 + 5 * 2);
    }

    #[test]
    fn tokens_packed_by_earlier_versions_still_unpack() {
        // Earlier versions packed every JWT and JWE as its parts, headers and JSON included.
        let jwt =
            [b64(br#"{"kid":"k","alg":"RS256"}"#), b64(br#"{"sub":"s","sub2":"s"}"#), b64(&random(256))].join(".");
        let jwe = [b64(COGNITO_JWE_HEADER), b64(&random(256)), b64(&random(12)), b64(&random(100)), b64(&random(16))]
            .join(".");
        for token in [&jwt, &jwe] {
            let parts: Vec<Vec<u8>> = token.split('.').map(|p| URL_SAFE_NO_PAD.decode(p).unwrap()).collect();
            let mut packed = vec![kind::PARTS, parts.len() as u8];
            parts.iter().for_each(|part| push_part(part, &mut packed));
            let mut input = packed.as_slice();
            assert_eq!(unpack_token(&mut input).as_deref(), Some(token.as_str()));
            assert!(input.is_empty());
        }
        // Then a JWT's JSON deflated without a dictionary.
        let parts: Vec<Vec<u8>> = jwt.split('.').map(|p| URL_SAFE_NO_PAD.decode(p).unwrap()).collect();
        let mut packed = vec![kind::DEFLATED_JWT];
        packed.extend_from_slice(&(parts[0].len() as u16).to_be_bytes());
        push_part(&miniz_oxide::deflate::compress_to_vec(&[&parts[0][..], &parts[1][..]].concat(), 9), &mut packed);
        push_part(&parts[2], &mut packed);
        let mut input = packed.as_slice();
        assert_eq!(unpack_token(&mut input).as_deref(), Some(jwt.as_str()));
        assert!(input.is_empty());
    }

    #[test]
    fn a_packed_token_cut_short_or_altered_reads_as_none() {
        let header = br#"{"kid":"k","alg":"RS256"}"#;
        let payload = br#"{"sub":"s","sub2":"s","sub3":"s","token_use":"access","token_use2":"access"}"#;
        let jwt = [b64(header), b64(payload), b64(&random(256))].join(".");
        let jwe = [b64(COGNITO_JWE_HEADER), b64(&random(256)), b64(b"iv"), b64(b"ct"), b64(b"tag")].join(".");
        for token in [jwt.as_str(), jwe.as_str(), "a.b.c", "text"] {
            let mut packed = Vec::new();
            pack_token(token, &mut packed);
            for cut in 0..packed.len() {
                let mut input = &packed[..cut];
                assert_eq!(unpack_token(&mut input), None, "{token}, cut at {cut}");
            }
        }
        // A compressed JWT whose header length is past its JSON, or whose JSON is no DEFLATE.
        let mut packed = Vec::new();
        pack_token(&jwt, &mut packed);
        assert_eq!(packed[0], kind::DICTIONARY_JWT);
        let mut long_header = packed.clone();
        long_header[1..3].copy_from_slice(&u16::MAX.to_be_bytes());
        assert_eq!(unpack_token(&mut long_header.as_slice()), None);
        let mut garbled = packed.clone();
        garbled[5..9].copy_from_slice(&[0xff; 4]);
        assert_eq!(unpack_token(&mut garbled.as_slice()), None);
        assert_eq!(unpack_token(&mut [9u8, 0, 0].as_slice()), None, "an unknown kind");
    }
}
