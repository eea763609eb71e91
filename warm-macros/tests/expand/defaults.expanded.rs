use lambda_runtime::{Error, LambdaEvent};
use serde_json::Value;
async fn handler(
    event: LambdaEvent<::warm_sdk::warmable::WarmableEvent<Value>>,
) -> Result<::warm_sdk::warmable::WarmableResponse<Value>, Error> {
    ::warm_sdk::warmable::__private::assert_event::<Value>();
    ::warm_sdk::warmable::__private::assert_response::<Value>();
    ::warm_sdk::warmable::handle(
            event,
            |LambdaEvent { payload, context: _ }: LambdaEvent<Value>| async move {
                #[allow(
                    unreachable_code,
                    clippy::diverging_sub_expression,
                    clippy::empty_loop,
                    clippy::needless_return
                )]
                if false {
                    let __warmable_return: Result<Value, Error> = loop {};
                    return __warmable_return;
                }
                { Ok(payload) }
            },
        )
        .await
}
