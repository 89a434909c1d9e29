//! Raw bytes: random or damaged encodings, sent as they are over gRPC and judged.

use std::time::Duration;

use clinicplan_service::proto;
use proptest::prelude::*;
use proptest::sample::Index;
use prost::Message;
use prost::bytes::{Buf, BufMut};
use tonic::transport::Channel;
use tonic::{Code, Status};

use super::judge::{Verdict, judge_network, judge_theatre};
use super::{MAX_LIMIT_MS, SLACK};

/// Random bytes, or a valid encoding with bytes flipped, cut, inserted or repeated.
pub(super) fn raw_case(valid: Vec<Vec<u8>>) -> impl Strategy<Value = Vec<u8>> {
    let random = prop::collection::vec(any::<u8>(), 0..400);
    let damaged = (
        any::<Index>(),
        prop::collection::vec((0u8..4, any::<Index>(), any::<u8>(), 1usize..16), 1..=4),
    )
        .prop_map(move |(which, ops)| {
            let mut bytes = which.get(&valid).clone();
            for (op, at, byte, len) in ops {
                let i = at.index(bytes.len() + 1);
                match op {
                    0 if i < bytes.len() => bytes[i] ^= byte.max(1),
                    1 => bytes.truncate(i),
                    2 => {
                        for k in 0..len {
                            bytes.insert(i.min(bytes.len()), byte.wrapping_add(k as u8));
                        }
                    }
                    _ => {
                        let end = (i + len).min(bytes.len());
                        let piece = bytes[i.min(end)..end].to_vec();
                        let at = i.min(bytes.len());
                        bytes.splice(at..at, piece);
                    }
                }
            }
            bytes
        });
    prop_oneof![1 => random, 3 => damaged]
}

/// Sends bytes as they are, and reads the answer's bytes as they are.
#[derive(Clone, Copy)]
struct RawCodec;

struct RawEncoder;
struct RawDecoder;

impl tonic::codec::Encoder for RawEncoder {
    type Item = Vec<u8>;
    type Error = Status;
    fn encode(
        &mut self,
        item: Vec<u8>,
        dst: &mut tonic::codec::EncodeBuf<'_>,
    ) -> Result<(), Status> {
        dst.put_slice(&item);
        Ok(())
    }
}

impl tonic::codec::Decoder for RawDecoder {
    type Item = Vec<u8>;
    type Error = Status;
    fn decode(&mut self, src: &mut tonic::codec::DecodeBuf<'_>) -> Result<Option<Vec<u8>>, Status> {
        let mut out = vec![0; src.remaining()];
        src.copy_to_slice(&mut out);
        Ok(Some(out))
    }
}

impl tonic::codec::Codec for RawCodec {
    type Encode = Vec<u8>;
    type Decode = Vec<u8>;
    type Encoder = RawEncoder;
    type Decoder = RawDecoder;
    fn encoder(&mut self) -> RawEncoder {
        RawEncoder
    }
    fn decoder(&mut self) -> RawDecoder {
        RawDecoder
    }
}

async fn send_raw(channel: Channel, path: &'static str, bytes: Vec<u8>) -> Result<Vec<u8>, Status> {
    let mut grpc = tonic::client::Grpc::new(channel);
    grpc.ready()
        .await
        .map_err(|e| Status::unavailable(format!("not ready: {e}")))?;
    grpc.unary(
        tonic::Request::new(bytes),
        tonic::codegen::http::uri::PathAndQuery::from_static(path),
        RawCodec,
    )
    .await
    .map(tonic::Response::into_inner)
}

pub(super) const PLAN_PATH: &str = "/clinicplan.v1.TheatreScheduler/PlanTheatreLists";
pub(super) const BALANCE_PATH: &str = "/clinicplan.v1.AppointmentBalancer/BalanceAppointments";

/// Sends raw bytes; an answer to bytes that decode is judged like any request, and
/// bytes that do not decode must be refused with an error status.
pub(super) async fn judge_raw(
    channel: Channel,
    path: &'static str,
    bytes: &[u8],
) -> Result<Verdict, String> {
    let bound = Duration::from_millis(u64::from(MAX_LIMIT_MS)) + SLACK;
    let answer = tokio::time::timeout(bound, send_raw(channel, path, bytes.to_vec()))
        .await
        .map_err(|_| format!("no answer within {bound:?}"))?;
    if path == PLAN_PATH {
        match proto::PlanTheatreListsRequest::decode(bytes) {
            Ok(request) => judge_theatre(
                &request,
                answer.and_then(|b| {
                    proto::PlanTheatreListsResponse::decode(b.as_slice())
                        .map_err(|e| Status::data_loss(format!("undecodable answer: {e}")))
                }),
            ),
            Err(_) => refused(answer),
        }
    } else {
        match proto::BalanceAppointmentsRequest::decode(bytes) {
            Ok(request) => judge_network(
                &request,
                answer.and_then(|b| {
                    proto::BalanceAppointmentsResponse::decode(b.as_slice())
                        .map_err(|e| Status::data_loss(format!("undecodable answer: {e}")))
                }),
            ),
            Err(_) => refused(answer),
        }
    }
}

fn refused(answer: Result<Vec<u8>, Status>) -> Result<Verdict, String> {
    match answer {
        Ok(_) => Err("bytes that do not decode were answered OK".into()),
        Err(status) if status.code() == Code::Unavailable || status.code() == Code::Unknown => Err(
            format!("answered {:?}: {}", status.code(), status.message()),
        ),
        Err(_) => Ok(Verdict::Undecodable),
    }
}
