//! The key that seals the tokens Trent hands to callers (session tokens,
//! grant tokens): 256 random bits, stored sealed under the root key and
//! held open in memory. A token then costs no root-key round trip (an HSM
//! call per request), and survives a root-key rotation, which re-seals this
//! key and not the tokens callers hold.

use zeroize::Zeroizing;

use crate::aead::{self, fill_random, KEY_LEN};
use crate::CryptoError;

/// The first byte of a value this key sealed: `0x03 || IV || ciphertext ||
/// tag`. Root-key sealed values start with `0x01` or `0x02`.
const TOKEN_VERSION: u8 = 0x03;

/// The token-sealing key, zeroized on drop.
pub struct TokenKey(Zeroizing<[u8; KEY_LEN]>);

impl std::fmt::Debug for TokenKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenKey(AES-256, redacted)")
    }
}

impl TokenKey {
    /// A fresh random key.
    pub fn generate() -> Result<Self, CryptoError> {
        let mut key = Zeroizing::new([0u8; KEY_LEN]);
        fill_random(key.as_mut())?;
        Ok(Self(key))
    }

    /// The key of a stored secret (what [`TokenKey::secret`] gave).
    pub fn from_secret(secret: &[u8]) -> Result<Self, CryptoError> {
        let key: [u8; KEY_LEN] = secret.try_into().map_err(|_| CryptoError::Failed)?;
        Ok(Self(Zeroizing::new(key)))
    }

    /// The key's bytes, to seal under the root key.
    pub fn secret(&self) -> &[u8] {
        self.0.as_ref()
    }

    /// Whether `sealed` was sealed by a token key (not by the root key).
    pub fn sealed_it(sealed: &[u8]) -> bool {
        sealed.first() == Some(&TOKEN_VERSION)
    }

    /// Encrypts `data`, binding `label`.
    pub fn seal(&self, label: &[u8], data: &[u8]) -> Result<Vec<u8>, CryptoError> {
        aead::seal_framed(&self.0, TOKEN_VERSION, label, data)
    }

    /// A keyed fingerprint of `data` under `label`: 64 lowercase hex digits
    /// of HMAC-SHA-256 under a key derived from this one. The same data
    /// gives the same fingerprint on every node of a deployment; without the
    /// key, a fingerprint reveals nothing of low-entropy data.
    pub fn fingerprint(&self, label: &[u8], data: &[u8]) -> String {
        use aws_lc_rs::hmac;
        let derived = hmac::sign(
            &hmac::Key::new(hmac::HMAC_SHA256, self.0.as_ref()),
            b"trent/fingerprint-key/v1",
        );
        let key = hmac::Key::new(hmac::HMAC_SHA256, derived.as_ref());
        let mut context = hmac::Context::with_key(&key);
        context.update(&(label.len() as u64).to_be_bytes());
        context.update(label);
        context.update(data);
        hex::encode(context.sign().as_ref())
    }

    /// Decrypts what [`TokenKey::seal`] returned for the same label.
    pub fn open(&self, label: &[u8], sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        aead::open_framed(&self.0, TOKEN_VERSION, label, sealed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_depend_on_key_label_and_data() {
        let key = TokenKey::generate().unwrap();
        let print = key.fingerprint(b"label", b"data");
        assert_eq!(print.len(), 64);
        assert!(print
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
        assert_eq!(print, key.fingerprint(b"label", b"data"));
        assert_ne!(print, key.fingerprint(b"label", b"datb"));
        assert_ne!(print, key.fingerprint(b"labe", b"ldata"));
        assert_ne!(
            print,
            TokenKey::generate().unwrap().fingerprint(b"label", b"data")
        );
    }

    #[test]
    fn tokens_open_only_with_their_key_and_label() {
        let key = TokenKey::generate().unwrap();
        let sealed = key.seal(b"trent/grant-token/v1", b"grant").unwrap();
        assert!(TokenKey::sealed_it(&sealed));
        assert_eq!(
            &key.open(b"trent/grant-token/v1", &sealed).unwrap()[..],
            b"grant"
        );
        assert!(key.open(b"trent/session-token/v1", &sealed).is_err());
        assert!(TokenKey::generate()
            .unwrap()
            .open(b"trent/grant-token/v1", &sealed)
            .is_err());
        let again = TokenKey::from_secret(key.secret()).unwrap();
        assert_eq!(
            &again.open(b"trent/grant-token/v1", &sealed).unwrap()[..],
            b"grant"
        );
        assert!(TokenKey::from_secret(&[1; 31]).is_err());
        assert_eq!(format!("{key:?}"), "TokenKey(AES-256, redacted)");
        let mut flipped = sealed.clone();
        flipped[0] = 0x01;
        assert!(key.open(b"trent/grant-token/v1", &flipped).is_err());
    }
}
