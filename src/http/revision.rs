//! `Gatehouse-Revision`: the journal record number a write's answer
//! reflects (SPEC §2, changes). Every answer waits in one place until what
//! it shows is durable ([`super::AppState::durable`]); that wait notes the
//! record it waited for here, in a value the request's own task carries, so
//! no route has to pass it along. A write that changed nothing answers the
//! revision of the state it found.

use std::cell::Cell;
use std::future::Future;

use actix_web::http::header::HeaderName;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::Operation;
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::RefOr;

use crate::actors::Seq;

pub const HEADER: HeaderName = HeaderName::from_static("gatehouse-revision");

tokio::task_local! {
    static NEWEST: Cell<Seq>;
}

/// Notes that the answer reflects record `seq`; outside [`tracking`], nothing.
pub fn reflects(seq: Seq) {
    let _ = NEWEST.try_with(|newest| newest.set(newest.get().max(seq)));
}

/// Runs `f`, and gives with its output the newest record it reflects (0 if
/// none).
pub async fn tracking<F: Future>(f: F) -> (F::Output, Seq) {
    NEWEST
        .scope(Cell::new(0), async {
            let out = f.await;
            (out, NEWEST.try_with(Cell::get).unwrap_or(0))
        })
        .await
}

/// In the OpenAPI document: a write's successful answers carry the header.
pub fn document(op: &mut Operation) {
    let header = HeaderBuilder::new()
        .schema(
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .minimum(Some(1)),
        )
        .description(Some(
            "The journal record this answer reflects: the write's own, or, for a \
             write that changed nothing, that of the state it found.",
        ))
        .build();
    for (status, response) in op.responses.responses.iter_mut() {
        if let (true, RefOr::T(response)) = (status.starts_with('2'), response) {
            let name = HEADER.as_str().to_string();
            response.headers.insert(name, header.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[actix_web::test]
    async fn the_newest_record_waited_for_is_kept() {
        let ((), newest) = tracking(async {
            reflects(7);
            reflects(3);
            async { reflects(9) }.await;
        })
        .await;
        assert_eq!(newest, 9);
        let ((), none) = tracking(async {}).await;
        assert_eq!(none, 0);
        reflects(5); // outside: ignored, and no panic
    }
}
