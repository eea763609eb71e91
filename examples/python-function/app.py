"""A Python function that answers warm-ups with warm-sdk-python; every other event reaches
the handler, which echoes it back so that a test can see it arrived unchanged."""

from warm_sdk import warmable


@warmable
def handler(event, context):
    return {"handled_by": "user code", "request_id": context.aws_request_id, "event": event}
