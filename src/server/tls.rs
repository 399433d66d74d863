//! HTTPS for clients that refuse cleartext: Android since API 28 without a network security
//! config, iOS App Transport Security outside `localhost`, and anything pinned to `https://`.
//!
//! Given `--tls-cert`/`--tls-key`, fcmock serves that pair. Otherwise it makes, at every
//! start, a throw-away certificate authority and a server certificate signed by it for the
//! names a test device uses (`localhost`, `127.0.0.1`, `::1`, the Android emulator's
//! `10.0.2.2`, and the host of `--public-url` / `--host`). A client trusts the authority's
//! certificate (the file fcmock writes, or `GET /_fcmock/tls/cert.pem`); a CA rather than a
//! lone self-signed leaf because Android's network security config and iOS's "Certificate
//! Trust Settings" install trust anchors, and rustls/webpki refuse a CA used as the server's
//! own certificate. The server certificate lives 397 days with `serverAuth`, inside Apple's
//! limits for TLS server certificates (support.apple.com/en-us/103769: ≤ 825 days, SAN
//! required, EKU `serverAuth`).

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use sha2::{Digest, Sha256};
use std::path::Path;
use std::sync::Arc;
use tokio_rustls::TlsAcceptor;

/// What the TLS listener serves and what clients are told to trust.
pub struct Identity {
    /// The handshake.
    pub acceptor: TlsAcceptor,
    /// The certificate a client trusts, PEM: the generated authority, or the given chain.
    pub trust_pem: String,
    /// SHA-256 of the trusted certificate's DER, as `AB:CD:…` (what `openssl x509
    /// -fingerprint -sha256` prints), so a person can compare it with what a device shows.
    pub fingerprint: String,
}

/// A fresh authority and a server certificate for `hosts` (DNS names or IP addresses).
pub fn generate(hosts: &[String]) -> Result<Identity, String> {
    let fail = |e: rcgen::Error| format!("cannot generate the TLS certificate: {e}");
    let now = time::OffsetDateTime::now_utc();

    let mut ca = CertificateParams::new(Vec::<String>::new()).map_err(fail)?;
    ca.distinguished_name
        .push(DnType::CommonName, "fcmock local test CA");
    ca.distinguished_name
        .push(DnType::OrganizationName, "fcmock (not for production)");
    ca.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    ca.not_before = now - time::Duration::days(1);
    ca.not_after = now + time::Duration::days(3650);
    let ca = CertifiedIssuer::self_signed(ca, KeyPair::generate().map_err(fail)?).map_err(fail)?;

    let mut leaf = CertificateParams::new(hosts.to_vec()).map_err(fail)?;
    leaf.distinguished_name.push(DnType::CommonName, "fcmock");
    leaf.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    leaf.not_before = now - time::Duration::days(1);
    leaf.not_after = now + time::Duration::days(397);
    let leaf_key = KeyPair::generate().map_err(fail)?;
    let leaf_cert = leaf.signed_by(&leaf_key, &*ca).map_err(fail)?;

    let chain = vec![leaf_cert.der().clone(), ca.der().clone()];
    let key = PrivateKeyDer::try_from(leaf_key.serialize_der())
        .map_err(|e| format!("cannot use the generated TLS key: {e}"))?;
    Ok(Identity {
        acceptor: acceptor(chain, key)?,
        trust_pem: ca.pem(),
        fingerprint: fingerprint(ca.der()),
    })
}

/// The pair given with `--tls-cert` (a PEM chain, server certificate first) and `--tls-key`.
pub fn load(cert: &Path, key: &Path) -> Result<Identity, String> {
    let trust_pem =
        std::fs::read_to_string(cert).map_err(|e| format!("--tls-cert {}: {e}", cert.display()))?;
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(trust_pem.as_bytes())
        .collect::<Result<_, _>>()
        .map_err(|e| format!("--tls-cert {}: {e}", cert.display()))?;
    let first = chain
        .first()
        .ok_or_else(|| format!("--tls-cert {}: no certificate in it", cert.display()))?;
    let fingerprint = fingerprint(first);
    let key = PrivateKeyDer::from_pem_file(key)
        .map_err(|e| format!("--tls-key {}: {e}", key.display()))?;
    Ok(Identity {
        acceptor: acceptor(chain, key)?,
        trust_pem,
        fingerprint,
    })
}

/// The names the generated certificate covers: the fixed test-device names plus `extra`
/// hosts (from `--public-url` and `--host`), without duplicates or wildcard binds.
pub fn certificate_hosts<'a>(extra: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut hosts: Vec<String> = ["localhost", "127.0.0.1", "::1", "10.0.2.2"]
        .iter()
        .map(|h| h.to_string())
        .collect();
    for host in extra {
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let unspecified = host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_unspecified());
        if !host.is_empty() && !unspecified && !hosts.iter().any(|h| h == host) {
            hosts.push(host.to_string());
        }
    }
    hosts
}

/// Writes what clients trust to `path` (creating its directory), replacing an older file.
pub fn write_trust_file(identity: &Identity, path: &Path) -> Result<(), String> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    std::fs::write(path, &identity.trust_pem).map_err(|e| format!("{}: {e}", path.display()))
}

fn acceptor(
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
) -> Result<TlsAcceptor, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS: {e}"))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| format!("TLS certificate and key do not fit together: {e}"))?;
    // fcmock speaks HTTP/1.1 only; saying so lets clients that offer h2 fall back at once.
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}

fn fingerprint(der: &[u8]) -> String {
    Sha256::digest(der)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generated_names_cover_test_devices_and_the_public_host_once() {
        let hosts = certificate_hosts(["fcmock.test", "0.0.0.0", "localhost", "[::]"]);
        assert_eq!(
            hosts,
            ["localhost", "127.0.0.1", "::1", "10.0.2.2", "fcmock.test"]
        );
    }

    #[test]
    fn a_generated_identity_trusts_a_ca_whose_fingerprint_is_its_sha256() {
        let identity = generate(&certificate_hosts([])).expect("generates");
        let der = CertificateDer::from_pem_slice(identity.trust_pem.as_bytes()).expect("PEM");
        assert_eq!(identity.fingerprint, fingerprint(&der));
        assert_eq!(identity.fingerprint.len(), 32 * 3 - 1);
    }
}
