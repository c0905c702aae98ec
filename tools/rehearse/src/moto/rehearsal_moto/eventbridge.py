"""CloudFormation's stack status events on EventBridge, and Lambda targets that cannot run here.

CloudFormation sends "CloudFormation Stack Status Change" events to the default event bus. moto sends
none, and delivers nothing to Lambda targets (invoking a function needs Docker). Here each final stack
status is matched against the default bus's rules with moto's own pattern matching; a matching Lambda
target is delivered to a native stand-in for that function when there is one (see standins.py), and
reported as undelivered otherwise.
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from moto.awslambda.models import LambdaFunction, lambda_backends
from moto.cloudformation.models import Stack
from moto.events.models import events_backends

from . import cloudformation

# (recognizes a function, performs what its code does with an event)
StandIn = tuple[Callable[[LambdaFunction], bool], Callable[[LambdaFunction, dict[str, Any], dict[str, str]], None]]
STAND_INS: list[StandIn] = []


def stack_status_event(stack: Stack, status: str) -> dict[str, Any]:
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "CloudFormation Stack Status Change",
        "source": "aws.cloudformation",
        "account": stack.account_id,
        "time": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": stack.region_name,
        "resources": [stack.stack_id],
        "detail": {"stack-id": stack.stack_id, "status-details": {"status": status, "status-reason": ""}},
    }


def deliver(stack: Stack, status: str, outputs: dict[str, str]) -> None:
    event = stack_status_event(stack, status)
    bus = events_backends[stack.account_id][stack.region_name].describe_event_bus("default")
    for rule in list(bus.rules.values()):
        if rule.state != "ENABLED" or not rule.event_pattern.matches_event(event):
            continue
        for target in rule.targets:
            arn = target["Arn"]
            if ":lambda:" not in arn:
                continue
            function = lambda_backends[stack.account_id][stack.region_name].get_function(arn)
            stand_in = next((perform for recognizes, perform in STAND_INS if recognizes(function)), None)
            if stand_in is None:
                print(f"rehearsal: EventBridge rule {rule.name} matched {status} of {stack.name}, but Lambda {arn} cannot run here", file=sys.stderr)
                continue
            stand_in(function, event, outputs)


def install() -> None:
    cloudformation.STATUS_LISTENERS.append(deliver)
