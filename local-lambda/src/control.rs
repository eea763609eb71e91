//! The control plane on the same endpoint as the Invoke API: the calls a client makes to read
//! a function's settings and the account's limits, and to change reserved concurrency.
//!
//! Paths, verbs, status codes and JSON member names are those of the Lambda service model as
//! aws-sdk-lambda 1.156 serializes it (`src/operation/*.rs`, `uri_base`) and as the API
//! reference documents it (<https://docs.aws.amazon.com/lambda/latest/api/>):
//!
//! | operation | request |
//! |---|---|
//! | `GetFunctionConcurrency` | `GET /2019-09-30/functions/{FunctionName}/concurrency` |
//! | `PutFunctionConcurrency` | `PUT /2017-10-31/functions/{FunctionName}/concurrency` |
//! | `DeleteFunctionConcurrency` | `DELETE /2017-10-31/functions/{FunctionName}/concurrency` (204) |
//! | `GetAccountSettings` | `GET /2016-08-19/account-settings/` |
//! | `GetFunction` | `GET /2015-03-31/functions/{FunctionName}?Qualifier=` |
//! | `GetFunctionConfiguration` | `GET /2015-03-31/functions/{FunctionName}/configuration?Qualifier=` |
//!
//! `FunctionName` is a name, an ARN or a partial ARN (`ACCOUNT:function:NAME`), as Lambda
//! accepts. Reserved concurrency belongs to the function, not to a version, so a qualifier in
//! the name of a concurrency call is ignored.

use std::sync::Arc;
use std::time::SystemTime;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::errors::{ApiError, MAX_SYNC_PAYLOAD};
use crate::frontend::{parse_function_name, read_request};
use crate::pool::{Pool, ReserveError};
use crate::service::Service;

/// Lambda's storage quotas, reported by `GetAccountSettings`' `AccountLimit`: 75 GB of
/// function code per region, 50 MB zipped and 250 MB unzipped per deployment package
/// (<https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html>).
const TOTAL_CODE_SIZE: u64 = 75 * 1024 * 1024 * 1024;
const CODE_SIZE_ZIPPED: u64 = 50 * 1024 * 1024;
const CODE_SIZE_UNZIPPED: u64 = 250 * 1024 * 1024;

/// The control plane's routes; merged into the front end's router.
pub(crate) fn routes() -> Router<Arc<Service>> {
    let unknown = || async { ApiError::unknown_operation() };
    Router::new()
        .route(
            "/2019-09-30/functions/{name}/concurrency",
            get(get_concurrency).fallback(unknown),
        )
        .route(
            "/2017-10-31/functions/{name}/concurrency",
            axum::routing::put(put_concurrency)
                .delete(delete_concurrency)
                .fallback(unknown),
        )
        // The SDKs differ on the trailing slash: botocore's model has it, aws-sdk-lambda's
        // serializer does not.
        .route(
            "/2016-08-19/account-settings",
            get(account_settings).fallback(unknown),
        )
        .route(
            "/2016-08-19/account-settings/",
            get(account_settings).fallback(unknown),
        )
        .route(
            "/2015-03-31/functions/{name}",
            get(get_function).fallback(unknown),
        )
        .route(
            "/2015-03-31/functions/{name}/configuration",
            get(get_function_configuration).fallback(unknown),
        )
}

#[derive(Debug, Deserialize)]
struct QualifierQuery {
    #[serde(rename = "Qualifier")]
    qualifier: Option<String>,
}

/// The function's pool, or Lambda's `ResourceNotFoundException`.
fn find(service: &Service, name: &str) -> Result<(Arc<Pool>, Option<String>), ApiError> {
    let (function, qualifier) = parse_function_name(name, None);
    service
        .manager
        .pool(&function)
        .map(|pool| (pool, qualifier))
        .ok_or_else(|| ApiError::resource_not_found(&service.function_arn(&function, None)))
}

fn concurrency_body(reserved: Option<u32>) -> Value {
    match reserved {
        Some(n) => json!({ "ReservedConcurrentExecutions": n }),
        None => json!({}),
    }
}

async fn get_concurrency(
    State(service): State<Arc<Service>>,
    Path(name): Path<String>,
) -> Result<Response, ApiError> {
    let (pool, _) = find(&service, &name)?;
    Ok(axum::Json(concurrency_body(pool.reserved())).into_response())
}

async fn put_concurrency(
    State(service): State<Arc<Service>>,
    Path(name): Path<String>,
    body: Body,
) -> Result<Response, ApiError> {
    let (pool, _) = find(&service, &name)?;
    // Lambda documents no body limit for the control plane; the Invoke API's bounds it here.
    let body = read_request(body, MAX_SYNC_PAYLOAD, "PutFunctionConcurrency").await?;
    let request: Value = serde_json::from_slice(&body).map_err(|_| {
        ApiError::invalid_parameter(
            "the request body must be a JSON object such as {\"ReservedConcurrentExecutions\": 10}",
        )
    })?;
    let reserved = match request.get("ReservedConcurrentExecutions") {
        Some(Value::Number(n)) => n.as_i64(),
        _ => None,
    };
    // The model's range for ReservedConcurrentExecutions is a minimum of 0
    // (https://docs.aws.amazon.com/lambda/latest/api/API_PutFunctionConcurrency.html).
    let Some(reserved) = reserved.and_then(|n| u32::try_from(n).ok()) else {
        return Err(ApiError::invalid_parameter(
            "1 validation error detected: Value at 'reservedConcurrentExecutions' failed to satisfy constraint: Member must not be null and must have value greater than or equal to 0",
        ));
    };
    match service
        .manager
        .set_reserved(&pool.config.name, Some(reserved))
    {
        Ok(()) => Ok(axum::Json(concurrency_body(Some(reserved))).into_response()),
        Err(ReserveError::NotFound) => Err(ApiError::resource_not_found(
            &service.function_arn(&pool.config.name, None),
        )),
        // Lambda's message, as its users report it (e.g.
        // https://github.com/milliHQ/terraform-aws-next-js/issues/251: 400
        // InvalidParameterValueException).
        Err(ReserveError::BelowMinimum { minimum }) => Err(ApiError::invalid_parameter(format!(
            "Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [{minimum}]."
        ))),
    }
}

async fn delete_concurrency(
    State(service): State<Arc<Service>>,
    Path(name): Path<String>,
) -> Result<Response, ApiError> {
    let (pool, _) = find(&service, &name)?;
    service
        .manager
        .set_reserved(&pool.config.name, None)
        .map_err(|_| {
            ApiError::resource_not_found(&service.function_arn(&pool.config.name, None))
        })?;
    // "If the action is successful, the service sends back an HTTP 204 response with an
    // empty HTTP body." (API_DeleteFunctionConcurrency)
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn account_settings(State(service): State<Arc<Service>>) -> Response {
    let pools = service.manager.pools();
    let code_size: u64 = pools.iter().map(|p| code_size(&p.config.executable)).sum();
    axum::Json(json!({
        "AccountLimit": {
            "TotalCodeSize": TOTAL_CODE_SIZE,
            "CodeSizeUnzipped": CODE_SIZE_UNZIPPED,
            "CodeSizeZipped": CODE_SIZE_ZIPPED,
            "ConcurrentExecutions": service.manager.account_limit(),
            "UnreservedConcurrentExecutions": service.manager.unreserved_limit(),
        },
        "AccountUsage": {
            "TotalCodeSize": code_size,
            "FunctionCount": pools.len(),
        },
    }))
    .into_response()
}

async fn get_function(
    State(service): State<Arc<Service>>,
    Path(name): Path<String>,
    Query(query): Query<QualifierQuery>,
) -> Result<Response, ApiError> {
    let configuration = configuration(&service, &name, query.qualifier.as_deref())?;
    let (pool, _) = find(&service, &name)?;
    let mut body = json!({
        "Configuration": configuration,
        // The code is a local file, not an S3 object behind a presigned URL.
        "Code": {
            "RepositoryType": "S3",
            "Location": format!("file://{}", pool.config.executable.display()),
        },
    });
    if let Some(reserved) = pool.reserved() {
        body["Concurrency"] = json!({ "ReservedConcurrentExecutions": reserved });
    }
    Ok(axum::Json(body).into_response())
}

async fn get_function_configuration(
    State(service): State<Arc<Service>>,
    Path(name): Path<String>,
    Query(query): Query<QualifierQuery>,
) -> Result<Response, ApiError> {
    let configuration = configuration(&service, &name, query.qualifier.as_deref())?;
    Ok(axum::Json(configuration).into_response())
}

/// The `FunctionConfiguration` shape for the version the qualifier names.
fn configuration(service: &Service, name: &str, query: Option<&str>) -> Result<Value, ApiError> {
    let (function, qualifier) = parse_function_name(name, query);
    let arn = service.function_arn(&function, qualifier.as_deref());
    let pool = service
        .manager
        .pool(&function)
        .ok_or_else(|| ApiError::resource_not_found(&arn))?;
    let config = &pool.config;
    let version = config
        .version_of(qualifier.as_deref())
        .ok_or_else(|| ApiError::resource_not_found(&arn))?;
    let handler = config
        .executable
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let last_modified = std::fs::metadata(&config.executable)
        .and_then(|m| m.modified())
        .unwrap_or_else(|_| SystemTime::now());
    let architecture = if std::env::consts::ARCH == "aarch64" {
        "arm64"
    } else {
        "x86_64"
    };
    Ok(json!({
        "FunctionName": config.name,
        "FunctionArn": arn,
        // Every function here is an executable speaking the Runtime API: an OS-only runtime.
        "Runtime": "provided.al2023",
        "Role": "arn:aws:iam::000000000000:role/local-lambda",
        "Handler": handler,
        "CodeSize": code_size(&config.executable),
        "Description": "",
        "Timeout": config.timeout.as_secs(),
        "MemorySize": config.memory_mb,
        // Lambda's timestamp format, e.g. 2019-09-24T18:38:00.000+0000.
        "LastModified": chrono::DateTime::<chrono::Utc>::from(last_modified)
            .format("%Y-%m-%dT%H:%M:%S%.3f+0000")
            .to_string(),
        "Version": version,
        "Environment": { "Variables": config.env },
        "TracingConfig": { "Mode": "PassThrough" },
        "State": "Active",
        "LastUpdateStatus": "Successful",
        "PackageType": "Zip",
        "Architectures": [architecture],
        "EphemeralStorage": { "Size": 512 },
        "LoggingConfig": {
            "LogFormat": "Text",
            "LogGroup": format!("/aws/lambda/{}", config.name),
        },
    }))
}

fn code_size(path: &std::path::Path) -> u64 {
    std::fs::metadata(path).map_or(0, |m| m.len())
}
