//! A throwaway certificate authority and a server certificate for 127.0.0.1 (rcgen), and
//! the rustls server configuration that serves it.

#![allow(dead_code)]

use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

pub struct Pki {
    /// The CA certificate, PEM: what a client must trust.
    pub ca_pem: String,
    leaf_der: CertificateDer<'static>,
    leaf_key_der: Vec<u8>,
}

impl Pki {
    pub fn new() -> Pki {
        let ca_key = KeyPair::generate().expect("ca key");
        let mut ca = CertificateParams::new(Vec::<String>::new()).expect("ca params");
        ca.distinguished_name.push(DnType::CommonName, "cachectl test ca");
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca_cert = ca.self_signed(&ca_key).expect("ca cert");
        let issuer = Issuer::new(ca, ca_key);

        let leaf_key = KeyPair::generate().expect("leaf key");
        let mut leaf = CertificateParams::new(vec!["127.0.0.1".to_owned()]).expect("leaf params");
        leaf.distinguished_name.push(DnType::CommonName, "cachectl test server");
        leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let leaf_cert = leaf.signed_by(&leaf_key, &issuer).expect("leaf cert");
        Pki { ca_pem: ca_cert.pem(), leaf_der: leaf_cert.der().clone(), leaf_key_der: leaf_key.serialize_der() }
    }

    /// A rustls server configuration (ring, HTTP/1.1) presenting the leaf certificate.
    pub fn server_config(&self) -> Arc<rustls::ServerConfig> {
        self.server_config_alpn(&[b"http/1.1"])
    }

    /// The same, offering these ALPN protocols (`h2` for HTTP/2).
    pub fn server_config_alpn(&self, protocols: &[&[u8]]) -> Arc<rustls::ServerConfig> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.leaf_key_der.clone()));
        let mut cfg = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("protocol versions")
            .with_no_client_auth()
            .with_single_cert(vec![self.leaf_der.clone()], key)
            .expect("server cert");
        cfg.alpn_protocols = protocols.iter().map(|p| p.to_vec()).collect();
        Arc::new(cfg)
    }
}
