//! TLS and mutual TLS, with certificates made here.

use std::net::SocketAddr;
use std::time::Duration;

use clinicplan_service::proto::theatre_scheduler_client::TheatreSchedulerClient;
use clinicplan_service::server::{ServerConfig, TlsSettings};
use tonic::Status;
use tonic::transport::{Certificate, ClientTlsConfig, Endpoint, Identity};
use tonic_health::pb::health_check_response::ServingStatus;

use super::SCHEDULER;
use super::processes::real_worker;
use super::requests::{assert_checked, health};
use super::server::{TestServer, bounded};
use crate::support::generated_for_days;

pub(super) struct Pki {
    pub(super) ca_pem: String,
    pub(super) server_cert: String,
    pub(super) server_key: String,
    pub(super) client_cert: String,
    pub(super) client_key: String,
    /// A client certificate from a CA the server does not trust.
    pub(super) stranger_cert: String,
    pub(super) stranger_key: String,
}

fn ca(name: &str) -> (rcgen::CertificateParams, rcgen::KeyPair, rcgen::Certificate) {
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, name);
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    params.key_usages = vec![
        rcgen::KeyUsagePurpose::KeyCertSign,
        rcgen::KeyUsagePurpose::CrlSign,
        rcgen::KeyUsagePurpose::DigitalSignature,
    ];
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = params.self_signed(&key).unwrap();
    (params, key, cert)
}

fn leaf(
    name: &str,
    purpose: rcgen::ExtendedKeyUsagePurpose,
    issuer: &rcgen::Issuer<'_, &rcgen::KeyPair>,
) -> (String, String) {
    let mut params = rcgen::CertificateParams::new(vec![name.to_string()]).unwrap();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, name);
    params.extended_key_usages = vec![purpose];
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = params.signed_by(&key, issuer).unwrap();
    (cert.pem(), key.serialize_pem())
}

pub(super) fn pki() -> Pki {
    use rcgen::ExtendedKeyUsagePurpose::{ClientAuth, ServerAuth};
    let (ca_params, ca_key, ca_cert) = ca("clinicplan test CA");
    let issuer = rcgen::Issuer::from_params(&ca_params, &ca_key);
    let (server_cert, server_key) = leaf("localhost", ServerAuth, &issuer);
    let (client_cert, client_key) = leaf("ward-client", ClientAuth, &issuer);
    let (other_params, other_key, _) = ca("another CA");
    let other = rcgen::Issuer::from_params(&other_params, &other_key);
    let (stranger_cert, stranger_key) = leaf("stranger", ClientAuth, &other);
    Pki {
        ca_pem: ca_cert.pem(),
        server_cert,
        server_key,
        client_cert,
        client_key,
        stranger_cert,
        stranger_key,
    }
}

/// Connects over TLS to 127.0.0.1 as "localhost" and checks health, then plans a small
/// request; Err with the first failure.
async fn over_tls(addr: SocketAddr, tls: ClientTlsConfig) -> Result<(), String> {
    let endpoint = Endpoint::from_shared(format!("https://{addr}"))
        .unwrap()
        .tls_config(tls.domain_name("localhost"))
        .map_err(|e| format!("tls config: {e}"))?;
    let channel = bounded("a TLS connection", endpoint.connect())
        .await
        .map_err(|e| format!("connect: {e:?}"))?;
    let status = health(channel.clone(), SCHEDULER)
        .await
        .map_err(|s| format!("health: {s:?}"))?;
    if status != ServingStatus::Serving {
        return Err(format!("health {status:?}"));
    }
    let request = generated_for_days(1, 10, 1, 51, 1_000);
    let mut client = TheatreSchedulerClient::new(channel);
    let response = bounded(
        "a solve over TLS",
        client.plan_theatre_lists(request.clone()),
    )
    .await
    .map_err(|s| format!("plan: {s:?}"))?
    .into_inner();
    assert_checked(&request, &response);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_serves_a_client_that_trusts_the_ca_and_refuses_plaintext() {
    let pki = pki();
    let server = TestServer::start(ServerConfig {
        tls: Some(TlsSettings {
            cert_pem: pki.server_cert.clone().into_bytes(),
            key_pem: pki.server_key.clone().into_bytes(),
            client_ca_pem: None,
        }),
        ..ServerConfig::new(real_worker())
    })
    .await;
    let trusting = ClientTlsConfig::new().ca_certificate(Certificate::from_pem(&pki.ca_pem));
    over_tls(server.addr, trusting)
        .await
        .expect("a client that trusts the CA is served over TLS");

    // A client that trusts another CA does not complete the handshake.
    let (_, _, other_ca) = ca("not the server's CA");
    let wrong_trust = ClientTlsConfig::new().ca_certificate(Certificate::from_pem(other_ca.pem()));
    assert!(
        over_tls(server.addr, wrong_trust).await.is_err(),
        "a client that does not trust the server's CA must fail"
    );
    // Nor does plaintext.
    let plaintext = async {
        let channel = Endpoint::from_shared(server.url())
            .unwrap()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(10))
            .connect()
            .await
            .map_err(|e| Status::unavailable(e.to_string()))?;
        health(channel, "").await
    };
    assert!(
        bounded("a plaintext call", plaintext).await.is_err(),
        "plaintext must not be served by a TLS server"
    );
    server.stop().await.expect("serve returns Ok");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mutual_tls_refuses_a_client_without_a_trusted_certificate() {
    let pki = pki();
    let server = TestServer::start(ServerConfig {
        tls: Some(TlsSettings {
            cert_pem: pki.server_cert.clone().into_bytes(),
            key_pem: pki.server_key.clone().into_bytes(),
            client_ca_pem: Some(pki.ca_pem.clone().into_bytes()),
        }),
        ..ServerConfig::new(real_worker())
    })
    .await;
    let ca = Certificate::from_pem(&pki.ca_pem);

    let anonymous = ClientTlsConfig::new().ca_certificate(ca.clone());
    let refused = over_tls(server.addr, anonymous).await;
    assert!(
        refused.is_err(),
        "a client without a certificate must be refused"
    );

    let stranger = ClientTlsConfig::new()
        .ca_certificate(ca.clone())
        .identity(Identity::from_pem(&pki.stranger_cert, &pki.stranger_key));
    assert!(
        over_tls(server.addr, stranger).await.is_err(),
        "a client whose certificate another CA signed must be refused"
    );

    let known = ClientTlsConfig::new()
        .ca_certificate(ca)
        .identity(Identity::from_pem(&pki.client_cert, &pki.client_key));
    over_tls(server.addr, known)
        .await
        .expect("a client with a certificate from the CA is served");
    server.stop().await.expect("serve returns Ok");
}
