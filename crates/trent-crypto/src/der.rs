//! The two fixed DER structures aws-lc-rs does not write for ML-KEM: the
//! `SubjectPublicKeyInfo` of an encapsulation key and the PKCS#8
//! `OneAsymmetricKey` of a decapsulation key (draft-ietf-lamps-kyber-certificates,
//! `expandedKey` form). Encoding only: no cryptography here.

use zeroize::Zeroizing;

use crate::CryptoError;

/// DER of the OID `2.16.840.1.101.3.4.4.{arc}` (id-alg-ml-kem-512/768/1024
/// for arcs 1, 2 and 3), tag included.
fn ml_kem_oid(arc: u8) -> [u8; 11] {
    [
        0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x04, arc,
    ]
}

/// Appends a DER length.
fn push_len(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(len as u8);
    } else if len <= 0xFF {
        out.extend_from_slice(&[0x81, len as u8]);
    } else {
        out.extend_from_slice(&[0x82, (len >> 8) as u8, len as u8]);
    }
}

fn len_of_len(len: usize) -> usize {
    match len {
        0..=0x7F => 1,
        0x80..=0xFF => 2,
        _ => 3,
    }
}

/// A tag-length-value with `content` copied in, into a buffer that is
/// zeroized when dropped (the content may be a private key).
fn tlv(tag: u8, content: &[u8]) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(Vec::with_capacity(
        1 + len_of_len(content.len()) + content.len(),
    ));
    out.push(tag);
    push_len(&mut out, content.len());
    out.extend_from_slice(content);
    out
}

fn algorithm_identifier(arc: u8) -> Zeroizing<Vec<u8>> {
    tlv(0x30, &ml_kem_oid(arc))
}

/// The SPKI of an ML-KEM encapsulation key: `SEQUENCE { SEQUENCE { OID },
/// BIT STRING (0 unused bits) ek }`.
pub(crate) fn ml_kem_spki(arc: u8, encapsulation_key: &[u8]) -> Vec<u8> {
    let mut bits = Vec::with_capacity(1 + encapsulation_key.len());
    bits.push(0x00);
    bits.extend_from_slice(encapsulation_key);
    let mut inner = algorithm_identifier(arc).to_vec();
    inner.extend_from_slice(&tlv(0x03, &bits));
    tlv(0x30, &inner).to_vec()
}

/// The raw encapsulation key inside an ML-KEM SPKI, which must be exactly
/// what [`ml_kem_spki`] writes for `arc` and a key of `key_len` bytes.
pub(crate) fn ml_kem_spki_key(arc: u8, key_len: usize, spki: &[u8]) -> Result<&[u8], CryptoError> {
    let expected_prefix = ml_kem_spki(arc, &vec![0u8; key_len]);
    let prefix_len = expected_prefix.len() - key_len;
    if spki.len() != expected_prefix.len() || spki[..prefix_len] != expected_prefix[..prefix_len] {
        return Err(CryptoError::InvalidInput);
    }
    Ok(&spki[prefix_len..])
}

/// PKCS#8 v1 of an ML-KEM decapsulation key in the `expandedKey` form:
/// `SEQUENCE { INTEGER 0, SEQUENCE { OID }, OCTET STRING { OCTET STRING dk } }`.
pub(crate) fn ml_kem_pkcs8(arc: u8, decapsulation_key: &[u8]) -> Zeroizing<Vec<u8>> {
    let mut inner = Zeroizing::new(vec![0x02, 0x01, 0x00]);
    inner.extend_from_slice(&algorithm_identifier(arc));
    inner.extend_from_slice(&tlv(0x04, &tlv(0x04, decapsulation_key)));
    tlv(0x30, &inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ml_kem_512_spki_has_the_expected_shape() {
        let spki = ml_kem_spki(1, &[0xAA; 800]);
        // 4-byte SEQUENCE header, 13-byte AlgorithmIdentifier, 4-byte BIT
        // STRING header, the unused-bits byte, then the key.
        assert_eq!(spki.len(), 4 + 13 + 4 + 1 + 800);
        assert_eq!(&spki[..4], &[0x30, 0x82, 0x03, 0x32]);
        assert_eq!(&spki[17..22], &[0x03, 0x82, 0x03, 0x21, 0x00]);
        assert_eq!(ml_kem_spki_key(1, 800, &spki).unwrap(), &[0xAA; 800][..]);
        assert!(ml_kem_spki_key(2, 800, &spki).is_err());
        assert!(ml_kem_spki_key(1, 800, &spki[..spki.len() - 1]).is_err());
    }

    #[test]
    fn lengths_use_the_shortest_form() {
        for (len, expected) in [
            (5, vec![5]),
            (200, vec![0x81, 200]),
            (300, vec![0x82, 1, 44]),
        ] {
            let mut out = Vec::new();
            push_len(&mut out, len);
            assert_eq!(out, expected);
            assert_eq!(len_of_len(len), expected.len());
        }
    }
}
