"""X-Ray sampling rules: moto's X-Ray has traces only, no sampling rules at all.

Adds them to moto's X-Ray API (CreateSamplingRule, GetSamplingRules, UpdateSamplingRule,
DeleteSamplingRule, with the API's shapes) and the AWS::XRay::SamplingRule model on top.
"""

from __future__ import annotations

import json
import time
from typing import Any

from moto.core.exceptions import JsonRESTError
from moto.xray import urls as xray_urls
from moto.xray.models import XRayBackend, xray_backends
from moto.xray.responses import XRayResponse

from ..cloudformation import register
from .base import ExtensionResource


class InvalidRequestException(JsonRESTError):
    def __init__(self, message: str):
        super().__init__("InvalidRequestException", message)


def _rules(backend: XRayBackend) -> dict[str, dict[str, Any]]:
    if not hasattr(backend, "sampling_rules"):
        backend.sampling_rules = {}
    return backend.sampling_rules


def _arn(backend: XRayBackend, name: str) -> str:
    return f"arn:aws:xray:{backend.region_name}:{backend.account_id}:sampling-rule/{name}"


def create_sampling_rule(self: XRayBackend, rule: dict[str, Any]) -> dict[str, Any]:
    name = rule["RuleName"]
    if name in _rules(self):
        raise InvalidRequestException(f"A sampling rule named {name} already exists")
    now = time.time()
    record = {"SamplingRule": {**rule, "RuleARN": _arn(self, name)}, "CreatedAt": now, "ModifiedAt": now}
    _rules(self)[name] = record
    return record


def update_sampling_rule(self: XRayBackend, update: dict[str, Any]) -> dict[str, Any]:
    name = update.get("RuleName") or str(update.get("RuleARN", "")).rsplit("/", 1)[-1]
    record = _rules(self).get(name)
    if record is None:
        raise InvalidRequestException(f"Sampling rule {name} does not exist")
    record["SamplingRule"].update({key: value for key, value in update.items() if key not in ("RuleName", "RuleARN")})
    record["ModifiedAt"] = time.time()
    return record


def delete_sampling_rule(self: XRayBackend, name_or_arn: str) -> dict[str, Any]:
    record = _rules(self).pop(name_or_arn.rsplit("/", 1)[-1], None)
    if record is None:
        raise InvalidRequestException(f"Sampling rule {name_or_arn} does not exist")
    return record


def _response_create_sampling_rule(self: XRayResponse) -> str:
    return json.dumps({"SamplingRuleRecord": self.xray_backend.create_sampling_rule(self._get_param("SamplingRule"))})


def _response_get_sampling_rules(self: XRayResponse) -> str:
    return json.dumps({"SamplingRuleRecords": list(_rules(self.xray_backend).values())})


def _response_update_sampling_rule(self: XRayResponse) -> str:
    return json.dumps({"SamplingRuleRecord": self.xray_backend.update_sampling_rule(self._get_param("SamplingRuleUpdate"))})


def _response_delete_sampling_rule(self: XRayResponse) -> str:
    return json.dumps({"SamplingRuleRecord": self.xray_backend.delete_sampling_rule(self._get_param("RuleARN") or self._get_param("RuleName"))})


@register
class SamplingRule(ExtensionResource):
    TYPE = "AWS::XRay::SamplingRule"

    @classmethod
    def create(cls, name: str, properties: dict[str, Any], account_id: str, region_name: str, context: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        rule = dict(properties["SamplingRule"])
        rule.setdefault("Version", 1)
        rule.setdefault("Attributes", {})
        record = xray_backends[account_id][region_name].create_sampling_rule(rule)
        arn = record["SamplingRule"]["RuleARN"]
        return arn, {"RuleArn": arn, "RuleName": rule["RuleName"]}

    def update(self, properties: dict[str, Any]) -> dict[str, Any] | None:
        if properties["SamplingRule"]["RuleName"] != self.attributes["RuleName"]:
            return None
        update = {key: value for key, value in properties["SamplingRule"].items() if key not in ("Version",)}
        xray_backends[self.account_id][self.region_name].update_sampling_rule(update)
        return self.attributes

    def delete_resource(self) -> None:
        xray_backends[self.account_id][self.region_name].delete_sampling_rule(self.physical_resource_id)


def install() -> None:
    XRayBackend.create_sampling_rule = create_sampling_rule
    XRayBackend.update_sampling_rule = update_sampling_rule
    XRayBackend.delete_sampling_rule = delete_sampling_rule
    XRayResponse.create_sampling_rule = _response_create_sampling_rule
    XRayResponse.get_sampling_rules = _response_get_sampling_rules
    XRayResponse.update_sampling_rule = _response_update_sampling_rule
    XRayResponse.delete_sampling_rule = _response_delete_sampling_rule
    for action in ("CreateSamplingRule", "GetSamplingRules", "UpdateSamplingRule", "DeleteSamplingRule"):
        xray_urls.url_paths[f"{{0}}/{action}$"] = XRayResponse.dispatch
