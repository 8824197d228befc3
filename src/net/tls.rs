//! The TLS set-up of the HTTP client: the platform's certificate verifier, made on the
//! first handshake instead of when the client is built.
//!
//! reqwest builds its rustls verifier eagerly, and on Linux that reads and parses every
//! file in the system's certificate directory: about 150 files and 8 ms of CPU at every
//! start, which was most of the start-up of `cachectl coverage` on a configuration of plain
//! http caches, where no certificate is ever checked. [`client_config`] is what reqwest
//! would configure (ring, TLS 1.2 and 1.3, ALPN `h2` then `http/1.1`, the
//! rustls-platform-verifier with any extra roots), with the verifier behind a `OnceLock`.

use std::sync::{Arc, OnceLock};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, SignatureScheme};
use rustls_platform_verifier::Verifier;

use super::error::NetError;

/// The rustls configuration of the client; `extra_roots_pem` are PEM bundles trusted on
/// top of the system roots (every certificate in each, not only the first). They are
/// parsed with the system roots, on the first handshake: `NIX_SSL_CERT_FILE` is often the
/// whole system bundle, 200 KB of base64.
pub(super) fn client_config(extra_roots_pem: &[Vec<u8>]) -> Result<ClientConfig, NetError> {
    let provider =
        CryptoProvider::get_default().cloned().unwrap_or_else(|| Arc::new(rustls::crypto::ring::default_provider()));
    let verifier =
        LazyVerifier { provider: Arc::clone(&provider), extra: extra_roots_pem.to_vec(), inner: OnceLock::new() };
    let mut config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| NetError::Other(format!("cannot set up TLS: {e}")))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

/// Every certificate of every PEM bundle.
fn parse_roots(bundles: &[Vec<u8>]) -> Result<Vec<CertificateDer<'static>>, rustls::Error> {
    let bad = |e: String| rustls::Error::General(format!("invalid extra root certificate: {e}"));
    let mut roots = Vec::new();
    for pem in bundles {
        let before = roots.len();
        for cert in CertificateDer::pem_slice_iter(pem) {
            roots.push(cert.map_err(|e| bad(e.to_string()))?);
        }
        if roots.len() == before {
            return Err(bad("no certificate in the PEM data".to_owned()));
        }
    }
    Ok(roots)
}

/// The platform verifier, made when a certificate is first checked.
struct LazyVerifier {
    provider: Arc<CryptoProvider>,
    /// PEM bundles.
    extra: Vec<Vec<u8>>,
    inner: OnceLock<Result<Verifier, rustls::Error>>,
}

/// Written by hand: the derived one would print the whole crypto provider (1.6 KB of
/// binary for a debug print).
impl std::fmt::Debug for LazyVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LazyVerifier")
            .field("extra_roots", &self.extra.len())
            .field("loaded", &self.inner.get().is_some())
            .finish()
    }
}

impl LazyVerifier {
    fn get(&self) -> Result<&Verifier, rustls::Error> {
        let made = self.inner.get_or_init(|| {
            let extra = parse_roots(&self.extra)?;
            Verifier::new_with_extra_roots(extra, Arc::clone(&self.provider))
        });
        made.as_ref().map_err(Clone::clone)
    }
}

impl ServerCertVerifier for LazyVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        self.get()?.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.get()?.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.get()?.verify_tls13_signature(message, cert, dss)
    }

    /// Asked for every ClientHello: the provider's schemes, as the platform verifier's
    /// own WebPKI verifier answers, without loading any root.
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roots_are_loaded_on_first_use() {
        let config = client_config(&[b"not pem".to_vec()]).expect("config");
        assert_eq!(config.alpn_protocols, [b"h2".to_vec(), b"http/1.1".to_vec()]);
        let verifier = LazyVerifier {
            provider: Arc::new(rustls::crypto::ring::default_provider()),
            extra: vec![b"not pem".to_vec()],
            inner: OnceLock::new(),
        };
        assert!(!verifier.supported_verify_schemes().is_empty());
        assert!(verifier.inner.get().is_none(), "no roots loaded for a ClientHello");
        let err = verifier.get().map(|_| ()).expect_err("a bad bundle fails the first check");
        assert!(err.to_string().contains("no certificate in the PEM data"), "{err}");
    }
}
