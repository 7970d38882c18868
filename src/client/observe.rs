//! What every Cognito call reports: an SDK interceptor that counts the calls, and records each
//! one's operation, outcome (`ok` or Cognito's error type) and latency as metrics.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use aws_sdk_cognitoidentityprovider::config::interceptors::{
    BeforeSerializationInterceptorContextRef, FinalizerInterceptorContextRef,
};
use aws_sdk_cognitoidentityprovider::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::orchestrator::{HttpResponse, Metadata};
use aws_smithy_types::config_bag::{Storable, StoreReplace};

/// The span one Cognito call runs in: an application that uses `tracing` sees where a slow
/// request waited, and on what.
pub(crate) fn span(operation: &'static str) -> tracing::Span {
    tracing::info_span!("rocket_warrant.cognito", operation)
}

/// Counts and times every call of one client.
#[derive(Debug, Clone, Default)]
pub(crate) struct Observe {
    pub(crate) calls: Arc<AtomicU64>,
}

/// When the call began (kept in the call's config bag).
#[derive(Debug, Clone, Copy)]
struct Began(Instant);

impl Storable for Began {
    type Storer = StoreReplace<Self>;
}

impl Intercept for Observe {
    fn name(&self) -> &'static str {
        "rocket_warrant::Observe"
    }

    fn read_before_execution(
        &self,
        _context: &BeforeSerializationInterceptorContextRef<'_>,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.calls.fetch_add(1, Ordering::Relaxed);
        cfg.interceptor_state().store_put(Began(Instant::now()));
        Ok(())
    }

    fn read_after_execution(
        &self,
        context: &FinalizerInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let took = cfg.load::<Began>().map(|b| b.0.elapsed()).unwrap_or_default();
        let operation = cfg.load::<Metadata>().map_or_else(|| "unknown".to_owned(), |m| m.name().to_owned());
        let outcome = match context.output_or_error() {
            Some(Ok(_)) => "ok".to_owned(),
            Some(Err(e)) if e.is_timeout_error() => "timeout".to_owned(),
            Some(Err(e)) if e.is_connector_error() => "unreachable".to_owned(),
            _ => context.response().and_then(error_type).unwrap_or_else(|| "failed".to_owned()),
        };
        crate::metrics::cognito_call(operation, &outcome, took);
        Ok(())
    }
}

/// Cognito's error type of a refused call, as the AWS JSON protocol sends it: the
/// `X-Amzn-ErrorType` header, else the body's `__type`, without a namespace (`aws#`) or the
/// header's `:`-suffix.
fn error_type(response: &HttpResponse) -> Option<String> {
    let raw = match response.headers().get("x-amzn-errortype") {
        Some(header) => header.to_owned(),
        None => {
            let body: serde_json::Value = serde_json::from_slice(response.body().bytes()?).ok()?;
            body.get("__type")?.as_str()?.to_owned()
        }
    };
    let name = raw.split(':').next()?.rsplit('#').next()?;
    (!name.is_empty()).then(|| name.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_smithy_types::body::SdkBody;

    fn response(header: Option<&str>, body: &str) -> HttpResponse {
        let mut response = HttpResponse::new(400u16.try_into().unwrap(), SdkBody::from(body.to_owned()));
        if let Some(h) = header {
            response.headers_mut().insert("x-amzn-errortype", h.to_owned());
        }
        response
    }

    #[test]
    fn the_error_type_comes_from_the_header_or_the_body_without_namespace() {
        let header = response(Some("NotAuthorizedException:http://internal.amazon.com/coral/"), "{}");
        assert_eq!(error_type(&header).as_deref(), Some("NotAuthorizedException"));
        let body = response(None, r#"{"__type":"com.amazonaws#CodeMismatchException","message":"x"}"#);
        assert_eq!(error_type(&body).as_deref(), Some("CodeMismatchException"));
        assert_eq!(error_type(&response(None, "not json")), None);
    }
}
