//! Start-up checks on where the server listens (loopback or not), and its TLS.

use std::net::SocketAddr;

use super::config::{ServerConfig, TlsSettings};

/// What the operator allowed explicitly for a non-loopback listen address.
#[derive(Clone, Copy, Debug, Default)]
pub struct Exposure {
    /// `--plaintext`: serve without TLS (a proxy or service mesh encrypts the traffic).
    pub plaintext: bool,
    /// `--no-auth`: serve without bearer tokens (something in front controls access).
    pub no_auth: bool,
}

/// Safe by default: on a loopback address the server may run plaintext and without
/// tokens; on any other address (`0.0.0.0` included) it needs TLS and tokens unless the
/// operator opted out of each explicitly. Every missing safeguard is named at once.
pub fn check_exposure(
    addr: SocketAddr,
    config: &ServerConfig,
    allowed: Exposure,
) -> Result<(), String> {
    if addr.ip().is_loopback() {
        return Ok(());
    }
    let mut missing = Vec::new();
    if config.tls.is_none() && !allowed.plaintext {
        missing.push(
            "TLS: give --tls-cert and --tls-key (CLINICPLAN_TLS_CERT, CLINICPLAN_TLS_KEY), \
             or --plaintext (CLINICPLAN_PLAINTEXT=true) if a proxy or service mesh encrypts \
             the traffic",
        );
    }
    if config.tokens.is_empty() && !allowed.no_auth {
        missing.push(
            "access control: give --token-file (CLINICPLAN_TOKEN_FILE), or --no-auth \
             (CLINICPLAN_NO_AUTH=true) if something in front of the server controls access",
        );
    }
    if missing.is_empty() {
        return Ok(());
    }
    Err(format!(
        "refusing to serve on {addr}, which is not a loopback address, without {}",
        missing.join("; and without ")
    ))
}

/// The transport, serving TLS (and asking for client certificates when a client CA is
/// given) when TLS material is set.
pub(super) fn transport(
    tls: Option<TlsSettings>,
) -> Result<tonic::transport::Server, tonic::transport::Error> {
    let mut builder = tonic::transport::Server::builder();
    if let Some(tls) = tls {
        let mut tls_config = tonic::transport::ServerTlsConfig::new().identity(
            tonic::transport::Identity::from_pem(&tls.cert_pem, &tls.key_pem),
        );
        if let Some(ca) = &tls.client_ca_pem {
            tls_config = tls_config.client_ca_root(tonic::transport::Certificate::from_pem(ca));
        }
        builder = builder.tls_config(tls_config)?;
    }
    Ok(builder)
}
