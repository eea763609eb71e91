use lambda_runtime::{Error, LambdaEvent};
use serde_json::Value;
async fn handler(
    event: LambdaEvent<::warm_sdk::warmable::WarmableEvent<Value>>,
) -> Result<::warm_sdk::warmable::WarmableResponse<Value>, Error> {
    async fn handler(
        LambdaEvent { payload, context: _ }: LambdaEvent<Value>,
    ) -> Result<Value, Error> {
        Ok(payload)
    }
    ::warm_sdk::warmable::__private::assert_event::<Value>();
    ::warm_sdk::warmable::__private::assert_response::<Value>();
    ::warm_sdk::warmable::handle(event, handler).await
}
