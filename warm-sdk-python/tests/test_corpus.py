"""The shared corpus (warm-sdk/tests/corpus) against this package."""

import dataclasses
import io
import json
import unittest
import unittest.mock
from contextlib import redirect_stderr

from support import UNSEEN, Context, config_of, corpus

import warm_sdk
from warm_sdk import config as defaults
from warm_sdk.environment import INIT_TYPES, Environment
from warm_sdk.log import LOG_FORMAT_ENV


def as_corpus(warmup):
    if warmup is None:
        return None
    found = {k: v for k, v in dataclasses.asdict(warmup).items() if k != "warnings"}
    warnings = []
    for w in warmup.warnings:
        entry = {"kind": w.kind}
        if w.kind == "invalid_field":
            entry["field"] = w.field
        if w.kind == "fan_out_not_done":
            entry["requested"] = w.requested
        warnings.append(entry)
    return dict(found, warnings=warnings)


class DetectionCorpus(unittest.TestCase):
    def test_every_case_a_parsed_event_can_show_holds(self):
        cases = corpus("detect.json")["cases"]
        skipped = 0
        for case in cases:
            if case.get("depends_on") in UNSEEN:
                skipped += 1
                continue
            # What the runtime hands the handler: the payload parsed by json.loads.
            event = json.loads(case["payload"])
            with self.subTest(case["name"]):
                found = warm_sdk.detect(event, config_of(case))
                self.assertEqual(as_corpus(found), case["expect"], case["payload"])
        self.assertGreater(len(cases) - skipped, 70)
        print(f"\n  detect.json: {len(cases) - skipped} cases run, {skipped} skipped (raw_bytes)")


class HoldCorpus(unittest.TestCase):
    def test_every_hold_case_holds(self):
        for case in corpus("hold.json")["cases"]:
            with self.subTest(case["name"]):
                config = config_of(case)
                warmup = warm_sdk.detect(json.loads(case["payload"]), config)
                held = warm_sdk.hold_for(warmup, config, case["deadline_ms"], case["now_ms"])
                self.assertEqual(held, case["hold_ms"])


class ProtocolCorpus(unittest.TestCase):
    def setUp(self):
        self.p = corpus("protocol.json")

    def test_constants_are_this_packages(self):
        p = self.p
        self.assertEqual(p["flag_key"], defaults.DEFAULT_FLAG_KEY)
        self.assertEqual(p["default_delay_ms"], defaults.DEFAULT_DELAY_MS)
        self.assertEqual(p["max_delay_ms"], defaults.DEFAULT_MAX_DELAY_MS)
        self.assertEqual(p["deadline_margin_ms"], defaults.DEFAULT_DEADLINE_MARGIN_MS)
        self.assertEqual(p["max_correlation_id_len"], warm_sdk.MAX_CORRELATION_ID_LEN)
        source = warm_sdk.SERVERLESS_PLUGIN_WARMUP_SOURCE
        self.assertEqual(p["serverless_plugin_warmup_source"], source)
        self.assertEqual(p["log"]["message"], warm_sdk.WARMUP_LOG_MESSAGE)
        self.assertEqual(p["log"]["format_env"], LOG_FORMAT_ENV)
        self.assertEqual(p["init_types"], list(INIT_TYPES))
        cold = [t for t in INIT_TYPES if Environment(t).begin_invocation("a").cold]
        self.assertEqual(p["cold_init_types"], cold)

    def answer(self, payload, environment):
        warmup = warm_sdk.detect(payload)
        invocation = environment.begin_invocation("r")
        err = io.StringIO()
        with redirect_stderr(err):
            config = warm_sdk.WarmConfig()
            response = warm_sdk.answer(warmup, invocation, Context(), config, environment)
        return response, err.getvalue()

    def test_answer_and_log_line_carry_the_corpus_fields(self):
        full = {"warmer": True, "delay": 0, "concurrency": 3, "correlation_id": "c"}
        env = Environment("on-demand", max_concurrency=4)
        env.hold(1)  # another warm-up held on this environment
        with unittest.mock.patch.dict("os.environ", {LOG_FORMAT_ENV: "JSON"}):
            response, log = self.answer(full, env)
        always, optional = self.p["response"]["always"], self.p["response"]["optional"]
        missing = {"index"}  # the only optional field this payload leaves out
        self.assertEqual(set(response), set(always) | set(optional) - missing)
        bare, _ = self.answer({"warmer": True, "delay": 0}, Environment())
        self.assertEqual(set(bare) - {"init_type", "received_at_ms"}, set(always))
        lines = [json.loads(line) for line in log.splitlines()]
        info = [line for line in lines if line["level"] == "INFO"][0]
        self.assertEqual(info["fields"]["message"], self.p["log"]["message"])
        fields = [key for key in info["fields"] if key != "message"]
        expected = [k for k in self.p["log"]["fields"] if k != "index"]
        self.assertEqual(fields, expected)
        warn = [line for line in lines if line["level"] == "WARN"][0]
        self.assertEqual(list(warn["fields"])[1:], self.p["log"]["warning_fields"])


if __name__ == "__main__":
    unittest.main()
