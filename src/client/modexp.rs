//! Modular exponentiation with a secret exponent, in constant time: aws-lc's
//! `BN_mod_exp_mont_consttime`, the routine behind its RSA private keys (a fixed window over
//! every bit of the exponent's width, table lookups that touch every entry), through the
//! aws-lc-sys bindings aws-lc-rs already builds. Its assembly does a 3072-bit Montgomery
//! product in under half the time of the fastest constant-time pure-Rust one here
//! (crypto-bigint), which is what brings an SRP login's arithmetic within its budget.
//!
//! The only `unsafe` of the crate: each call owns the `BIGNUM`s it makes and frees them
//! (cleared) on every path; the modulus and its Montgomery context are made once and only read.

use std::ptr::null_mut;

use aws_lc_sys as ffi;
use crypto_bigint::{Uint, U3072};

/// A `BIGNUM` owned here: freed, and cleared first since it may hold a secret, when dropped.
struct Owned(*mut ffi::BIGNUM);

impl Owned {
    /// The big-endian `bytes` as a `BIGNUM` of their whole width (leading zeros included: the
    /// exponentiation's time follows the width, never the value).
    fn from_be(bytes: &[u8]) -> Option<Owned> {
        // SAFETY: `bytes` is a valid slice for its length; a null result is checked.
        let bn = unsafe { ffi::BN_bin2bn(bytes.as_ptr(), bytes.len(), null_mut()) };
        (!bn.is_null()).then_some(Owned(bn))
    }

    fn new() -> Option<Owned> {
        // SAFETY: no arguments; a null result is checked.
        let bn = unsafe { ffi::BN_new() };
        (!bn.is_null()).then_some(Owned(bn))
    }
}

impl Drop for Owned {
    fn drop(&mut self) {
        // SAFETY: the pointer came from BN_bin2bn or BN_new, is owned by this value alone and is
        // freed once.
        unsafe { ffi::BN_clear_free(self.0) }
    }
}

/// A `BN_CTX`, freed when dropped.
struct Context(*mut ffi::BN_CTX);

impl Drop for Context {
    fn drop(&mut self) {
        // SAFETY: the pointer came from BN_CTX_new and is freed once.
        unsafe { ffi::BN_CTX_free(self.0) }
    }
}

fn context() -> Option<Context> {
    // SAFETY: no arguments; a null result is checked.
    let ctx = unsafe { ffi::BN_CTX_new() };
    (!ctx.is_null()).then_some(Context(ctx))
}

/// An odd public modulus and its Montgomery context.
pub(crate) struct Modulus {
    n: Owned,
    mont: *mut ffi::BN_MONT_CTX,
}

// SAFETY: after `Modulus::new` nothing writes the modulus or its context: aws-lc takes both as
// `const` in the exponentiation, which may run on any thread at once.
unsafe impl Send for Modulus {}
unsafe impl Sync for Modulus {}

impl Drop for Modulus {
    fn drop(&mut self) {
        // SAFETY: made by BN_MONT_CTX_new_for_modulus in `new`, freed once.
        unsafe { ffi::BN_MONT_CTX_free(self.mont) }
    }
}

impl Modulus {
    /// The modulus `n` (odd, public). `None` when aws-lc cannot allocate.
    pub(crate) fn new(n: &U3072) -> Option<Modulus> {
        let n = Owned::from_be(&n.to_be_bytes())?;
        let ctx = context()?;
        // SAFETY: `n` and `ctx` are valid for the call; a null result is checked.
        let mont = unsafe { ffi::BN_MONT_CTX_new_for_modulus(n.0, ctx.0) };
        (!mont.is_null()).then_some(Modulus { n, mont })
    }

    /// `base^exponent mod n`, in time that depends on the exponent's type (its bits), never on
    /// its value or `base`'s. `base` must be below `n`. `None` only when aws-lc fails (it cannot
    /// allocate).
    pub(crate) fn pow<const L: usize>(&self, base: &U3072, exponent: &Uint<L>) -> Option<U3072> {
        let base = Owned::from_be(&base.to_be_bytes())?;
        let exponent = Owned::from_be(&exponent.to_be_bytes())?;
        let result = Owned::new()?;
        let ctx = context()?;
        // SAFETY: every pointer is a live BIGNUM, BN_CTX or BN_MONT_CTX owned by this frame or
        // by `self`; `result` is distinct from the inputs.
        let ok = unsafe { ffi::BN_mod_exp_mont_consttime(result.0, base.0, exponent.0, self.n.0, ctx.0, self.mont) };
        if ok != 1 {
            return None;
        }
        let mut out = [0u8; U3072::BYTES];
        // SAFETY: `out` holds exactly `out.len()` bytes; the result is below n, so it fits.
        let ok = unsafe { ffi::BN_bn2bin_padded(out.as_mut_ptr(), out.len(), result.0) };
        (ok == 1).then(|| U3072::from_be_slice(&out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn powers_match_a_plain_modpow() {
        use num_bigint::BigUint;
        let n = U3072::from_be_hex(&"F".repeat(768)).wrapping_sub(&U3072::from_u64(188));
        let modulus = Modulus::new(&n).unwrap();
        let big_n = BigUint::from_bytes_be(&n.to_be_bytes());
        let base = U3072::from_u64(0x1234_5678_9abc_def1).wrapping_shl(1000);
        for e in [crypto_bigint::U256::ZERO, crypto_bigint::U256::ONE, crypto_bigint::U256::MAX] {
            let want =
                BigUint::from_bytes_be(&base.to_be_bytes()).modpow(&BigUint::from_bytes_be(&e.to_be_bytes()), &big_n);
            let got = modulus.pow(&base, &e).unwrap();
            assert_eq!(BigUint::from_bytes_be(&got.to_be_bytes()), want);
        }
    }
}
