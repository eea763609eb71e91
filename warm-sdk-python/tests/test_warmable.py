"""The decorator: warm-ups answered without user code, everything else passed unchanged."""

import io
import json
import time
import unittest
import unittest.mock
from contextlib import redirect_stderr

from support import Context

from warm_sdk import WarmConfig, environment, warmable


def fresh_environment(init_type="on-demand"):
    """A new process-wide environment, as in a new execution environment."""
    return unittest.mock.patch.object(environment, "_CURRENT", environment.Environment(init_type))


class Recorder:
    def __init__(self):
        self.events = []

    def __call__(self, event, context):
        self.events.append(event)
        return {"statusCode": 200}


def call(handler, event, context=None, log_format="Text"):
    err = io.StringIO()
    with unittest.mock.patch.dict("os.environ", {"AWS_LAMBDA_LOG_FORMAT": log_format}):
        with redirect_stderr(err):
            result = handler(event, context or Context())
    return result, err.getvalue()


class Warmable(unittest.TestCase):
    def test_user_event_reaches_the_handler_unchanged(self):
        user = Recorder()
        handler = warmable(user)
        event = {"body": '{"warmer": true}', "warmer": "true", "detail": {"warmer": True}}
        with fresh_environment():
            result, log = call(handler, event)
        self.assertEqual(result, {"statusCode": 200})
        self.assertIs(user.events[0], event)
        self.assertEqual(log, "")

    def test_warm_up_never_reaches_the_handler_and_proves_its_environment(self):
        user = Recorder()
        handler = warmable(user)
        with fresh_environment():
            first, _ = call(handler, {"warmer": True, "delay": 0, "index": 1}, Context("a"))
            second, _ = call(handler, {"warmer": True, "delay": 0}, Context("b"))
        self.assertEqual(user.events, [])
        self.assertTrue(first["warmed"] and first["cold"])
        self.assertFalse(second["cold"])
        self.assertEqual((first["invocations"], second["invocations"]), (1, 2))
        self.assertEqual(first["instance"], second["instance"])
        self.assertRegex(first["instance"], "^[0-9a-f]{16}$")
        self.assertEqual((first["index"], first["init_type"]), (1, "on-demand"))
        self.assertNotIn("index", second)

    def test_user_invocations_count_and_take_the_cold_turn(self):
        handler = warmable(Recorder())
        with fresh_environment():
            call(handler, {"path": "/"}, Context("user"))
            warm, _ = call(handler, {"warmer": True, "delay": 0}, Context("warm"))
        self.assertEqual((warm["invocations"], warm["cold"]), (2, False))

    def test_provisioned_concurrency_is_never_cold(self):
        handler = warmable(Recorder())
        with fresh_environment("provisioned-concurrency"):
            warm, _ = call(handler, {"warmer": True, "delay": 0})
        self.assertEqual((warm["cold"], warm["init_type"]), (False, "provisioned-concurrency"))

    def test_hold_is_capped_by_the_time_left(self):
        handler = warmable(config=WarmConfig(deadline_margin_ms=100))(Recorder())
        started = time.monotonic()
        with fresh_environment():
            warm, _ = call(handler, {"warmer": True, "delay": 5000}, Context(remaining_ms=160))
        elapsed = time.monotonic() - started
        self.assertTrue(0.05 <= elapsed < 1.0, elapsed)
        self.assertGreaterEqual(warm["delay_ms"], 50)

    def test_hold_until_an_instant(self):
        handler = warmable(Recorder())
        until = int(time.time() * 1000) + 80
        with fresh_environment():
            warm, _ = call(handler, {"warmer": True, "delay": 5000, "hold_until_ms": until})
        self.assertGreaterEqual(time.time() * 1000, until - 1)
        self.assertLess(warm["delay_ms"], 1000)
        self.assertLessEqual(warm["received_at_ms"], until)

    def test_text_log_line_names_the_environment(self):
        handler = warmable(Recorder())
        env = {"AWS_LAMBDA_FUNCTION_NAME": "orders", "AWS_LAMBDA_LOG_STREAM_NAME": "s/1"}
        with fresh_environment(), unittest.mock.patch.dict("os.environ", env):
            warm, log = call(handler, {"warmer": True, "delay": 0}, Context("r-1"))
        self.assertRegex(log, r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z INFO warm-up answered ")
        self.assertIn(" request_id=r-1 function=orders ", log)
        self.assertIn(f" instance={warm['instance']} ", log)
        self.assertEqual((warm["function"], warm["log_stream"]), ("orders", "s/1"))

    def test_json_log_line_and_a_warning_per_unusable_field(self):
        handler = warmable(Recorder())
        event = {"warmer": True, "delay": "soon", "concurrency": 5}
        with fresh_environment():
            warm, log = call(handler, event, log_format="json")
        lines = [json.loads(line) for line in log.splitlines()]
        self.assertEqual([line["level"] for line in lines], ["WARN", "WARN", "INFO"])
        self.assertIn("send 5 concurrent warm-ups", lines[0]["fields"]["message"])
        self.assertIn('`delay` is the string "soon"', lines[1]["fields"]["message"])
        self.assertEqual(lines[2]["fields"]["fan_out_requested"], 5)
        self.assertEqual(warm["fan_out_requested"], 5)

    def test_serverless_plugin_warmup_is_answered(self):
        user = Recorder()
        with fresh_environment():
            warm, _ = call(warmable(user), {"source": "serverless-plugin-warmup"})
        self.assertTrue(warm["warmed"])
        self.assertEqual(user.events, [])

    def test_a_bad_setting_names_the_field_and_the_fix(self):
        with self.assertRaisesRegex(ValueError, r"WarmConfig.max_delay_ms is '2s'.*max_delay_ms="):
            WarmConfig(max_delay_ms="2s")
        with self.assertRaisesRegex(ValueError, "WarmConfig.flag_key is ''"):
            WarmConfig(flag_key="")


def load_tests(loader, tests, ignore):
    import doctest
    import importlib

    modules = ["", ".values", ".detection", ".config", ".log", ".answering", ".environment"]
    for name in modules:
        tests.addTests(doctest.DocTestSuite(importlib.import_module("warm_sdk" + name)))
    return tests


