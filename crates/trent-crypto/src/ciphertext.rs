//! The ciphertext blob, format version 1 (see `docs/ciphertext-format.md`).
//!
//! ```text
//! offset  size  field
//! 0       1     format version, 0x01
//! 1       16    key id (UUID bytes)
//! 17      4     key material version, big-endian u32
//! 21      12    IV, random per encryption
//! 33      n     AES-256-GCM ciphertext
//! 33+n    16    GCM tag
//! ```
//!
//! The additional authenticated data is the 21-byte header followed by the
//! canonical encoding of the encryption context, so the key id, the material
//! version and every context pair are bound to the tag.

use trent_core::context::EncryptionContext;
use trent_core::id::KeyId;
use zeroize::Zeroizing;

use crate::aead::{self, IV_LEN, TAG_LEN};
use crate::material::KeyMaterial;
use crate::CryptoError;

/// The only format version this build writes and reads.
pub const FORMAT_VERSION: u8 = 0x01;
const HEADER_LEN: usize = 1 + 16 + 4;
/// Bytes a blob adds to its plaintext.
pub const OVERHEAD: usize = HEADER_LEN + IV_LEN + TAG_LEN;

/// What a blob says about itself before it is authenticated. Use it only to
/// find the key; trust it only after [`decrypt`] succeeds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CiphertextHeader {
    /// The key that encrypted the blob.
    pub key_id: KeyId,
    /// The version of that key's material.
    pub material_version: u32,
}

impl CiphertextHeader {
    fn encode(&self) -> [u8; HEADER_LEN] {
        let mut out = [0u8; HEADER_LEN];
        out[0] = FORMAT_VERSION;
        out[1..17].copy_from_slice(self.key_id.as_bytes());
        out[17..21].copy_from_slice(&self.material_version.to_be_bytes());
        out
    }

    /// Reads the header of a blob; fails on a short blob or an unknown version.
    pub fn peek(blob: &[u8]) -> Result<Self, CryptoError> {
        if blob.len() < OVERHEAD || blob[0] != FORMAT_VERSION {
            return Err(CryptoError::Failed);
        }
        let key_id: [u8; 16] = blob[1..17].try_into().map_err(|_| CryptoError::Failed)?;
        let version: [u8; 4] = blob[17..21].try_into().map_err(|_| CryptoError::Failed)?;
        Ok(Self {
            key_id: KeyId::from_bytes(key_id),
            material_version: u32::from_be_bytes(version),
        })
    }
}

/// Canonical bytes of an encryption context: a big-endian u32 pair count,
/// then for each pair in key byte order the u32 length and bytes of the key
/// and of the value.
pub fn encode_context(context: &EncryptionContext) -> Vec<u8> {
    let mut out = Vec::with_capacity(4 + context.byte_len() + 8 * 4);
    let count = context.pairs().count() as u32;
    out.extend_from_slice(&count.to_be_bytes());
    for (key, value) in context.pairs() {
        for part in [key, value] {
            out.extend_from_slice(&(part.len() as u32).to_be_bytes());
            out.extend_from_slice(part.as_bytes());
        }
    }
    out
}

fn aad(header: &[u8; HEADER_LEN], context: &EncryptionContext) -> Vec<u8> {
    let mut aad = header.to_vec();
    aad.extend_from_slice(&encode_context(context));
    aad
}

/// Encrypts `plaintext` into a version-1 blob.
pub fn encrypt(
    material: &KeyMaterial,
    header: CiphertextHeader,
    context: &EncryptionContext,
    plaintext: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    let header_bytes = header.encode();
    let mut sealed = Vec::with_capacity(plaintext.len() + TAG_LEN);
    sealed.extend_from_slice(plaintext);
    let iv = aead::seal_in_place(
        material.expanded(),
        &aad(&header_bytes, context),
        &mut sealed,
    )?;
    let mut blob = Vec::with_capacity(OVERHEAD + plaintext.len());
    blob.extend_from_slice(&header_bytes);
    blob.extend_from_slice(&iv);
    blob.extend_from_slice(&sealed);
    Ok(blob)
}

/// Decrypts a version-1 blob; any changed byte, another key's material or
/// another context gives the same [`CryptoError::Failed`].
pub fn decrypt(
    material: &KeyMaterial,
    blob: &[u8],
    context: &EncryptionContext,
) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    let header = CiphertextHeader::peek(blob)?;
    let iv = &blob[HEADER_LEN..HEADER_LEN + IV_LEN];
    aead::open_with(
        material.expanded(),
        iv,
        &aad(&header.encode(), context),
        &blob[HEADER_LEN + IV_LEN..],
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn header() -> CiphertextHeader {
        CiphertextHeader {
            key_id: KeyId::from_bytes([9; 16]),
            material_version: 3,
        }
    }

    fn context(pairs: &[(&str, &str)]) -> EncryptionContext {
        EncryptionContext::from_pairs(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())))
    }

    #[test]
    fn blob_layout_matches_the_documented_format() {
        let material = KeyMaterial::generate().unwrap();
        let blob = encrypt(&material, header(), &EncryptionContext::new(), b"abc").unwrap();
        assert_eq!(blob.len(), OVERHEAD + 3);
        assert_eq!(blob[0], 0x01);
        assert_eq!(&blob[1..17], &[9; 16]);
        assert_eq!(&blob[17..21], &[0, 0, 0, 3]);
        assert_eq!(CiphertextHeader::peek(&blob).unwrap(), header());
    }

    #[test]
    fn context_changes_and_other_keys_fail_alike() {
        let material = KeyMaterial::generate().unwrap();
        let other = KeyMaterial::generate().unwrap();
        let ctx = context(&[("purpose", "db"), ("tenant", "a")]);
        let blob = encrypt(&material, header(), &ctx, b"secret").unwrap();
        assert_eq!(&decrypt(&material, &blob, &ctx).unwrap()[..], b"secret");
        for wrong in [
            context(&[]),
            context(&[("purpose", "db")]),
            context(&[("purpose", "db"), ("tenant", "b")]),
            context(&[("purpose", "db"), ("tenant", "a"), ("x", "")]),
        ] {
            assert_eq!(decrypt(&material, &blob, &wrong), Err(CryptoError::Failed));
        }
        assert_eq!(decrypt(&other, &blob, &ctx), Err(CryptoError::Failed));
    }

    #[test]
    fn context_encoding_is_unambiguous() {
        // "ab"="c" and "a"="bc" must not encode alike.
        assert_ne!(
            encode_context(&context(&[("ab", "c")])),
            encode_context(&context(&[("a", "bc")]))
        );
    }

    proptest! {
        #[test]
        fn any_single_bit_flip_fails(plaintext in proptest::collection::vec(any::<u8>(), 0..64), bit in 0usize..8, pos in any::<prop::sample::Index>()) {
            let material = KeyMaterial::generate().unwrap();
            let ctx = context(&[("k", "v")]);
            let mut blob = encrypt(&material, header(), &ctx, &plaintext).unwrap();
            prop_assert_eq!(&decrypt(&material, &blob, &ctx).unwrap()[..], &plaintext[..]);
            let at = pos.index(blob.len());
            blob[at] ^= 1 << bit;
            prop_assert_eq!(decrypt(&material, &blob, &ctx), Err(CryptoError::Failed));
        }
    }
}

#[cfg(test)]
mod known_answer {
    use super::*;

    /// A blob written by format version 1 (key material 0x11 × 32, key id
    /// 0x09 × 16, material version 3, context {"purpose": "db"}). Any change
    /// that stops this from decrypting breaks every stored ciphertext.
    const VERSION_1_BLOB: &str = "010909090909090909090909090909090900000003fa81f85e850f9252d793b64fee1e1660b51150fe41ce2a96688978934fd577c6195ce4f9";

    #[test]
    fn a_version_1_blob_written_earlier_still_decrypts() {
        let material = KeyMaterial::from_slice(&[0x11; 32]).unwrap();
        let context = EncryptionContext::from_pairs([("purpose".to_owned(), "db".to_owned())]);
        let blob = hex::decode(VERSION_1_BLOB).unwrap();
        assert_eq!(
            &decrypt(&material, &blob, &context).unwrap()[..],
            b"trent v1"
        );
        let header = CiphertextHeader::peek(&blob).unwrap();
        assert_eq!(header.key_id, KeyId::from_bytes([9; 16]));
        assert_eq!(header.material_version, 3);
    }
}
