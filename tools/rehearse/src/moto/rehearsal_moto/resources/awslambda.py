"""Lambda: versions, aliases, permissions and event invoke configs as CloudFormation creates them.

moto's Lambda::Version has no physical id and no `Version` attribute, Lambda::Alias has no model,
Lambda::Permission can be neither updated nor deleted, and a permission granted on an alias lands on the
version the alias points to at that moment. Here versions and aliases are moto's own (PublishVersion,
CreateAlias), an alias carries its own resource policy, and an alias whose update policy names a CodeDeploy
deployment group moves through a CodeDeploy deployment recorded in moto's CodeDeploy.
"""

from __future__ import annotations

import json
import re
from typing import Any

from moto.awslambda.models import LambdaBackend, LambdaFunction, lambda_backends
from moto.awslambda.policy import Policy
from moto.awslambda.exceptions import UnknownPolicyException

from ..cloudformation import register
from .base import ExtensionResource

_FUNCTION_ARN = re.compile(r"^arn:[^:]+:lambda:[^:]+:[^:]+:function:([^:]+)(?::([^:]+))?$")


def split_function(name_or_arn: str, qualifier: str | None = None) -> tuple[str, str | None]:
    """Function name and qualifier from a name, `name:qualifier` or a (qualified) ARN."""
    match = _FUNCTION_ARN.match(name_or_arn)
    if match:
        return match.group(1), match.group(2) or qualifier
    if ":" in name_or_arn:
        name, _, inline = name_or_arn.partition(":")
        return name, inline or qualifier
    return name_or_arn, qualifier


def _backend(account_id: str, region_name: str) -> LambdaBackend:
    return lambda_backends[account_id][region_name]


def _alias(backend: LambdaBackend, function_name: str, qualifier: str | None) -> Any:
    if not qualifier or qualifier == "$LATEST" or qualifier.isdigit():
        return None
    try:
        return backend.get_alias(qualifier, function_name)
    except Exception:
        return None


def _alias_policy(backend: LambdaBackend, alias: Any, function_name: str) -> Policy:
    if getattr(alias, "policy", None) is None:
        alias.policy = Policy(backend.get_function(function_name))
    return alias.policy


# --- An alias has a resource policy of its own, as on AWS ----------------------------------------------

_original_add_permission = LambdaBackend.add_permission
_original_get_policy = LambdaBackend.get_policy
_original_remove_permission = LambdaBackend.remove_permission


def _add_permission(self: LambdaBackend, function_name: str, qualifier: str | None, raw: str) -> dict[str, Any]:
    name, qualifier = split_function(function_name, qualifier)
    alias = _alias(self, name, qualifier)
    if alias is None:
        return _original_add_permission(self, name, qualifier, raw)
    statement = json.loads(raw)
    statement.setdefault("Resource", alias.arn)
    added, _ = _alias_policy(self, alias, name).add_statement(json.dumps(statement))
    return added


def _get_policy(self: LambdaBackend, function_name: str, qualifier: str | None = None) -> str:
    name, qualifier = split_function(function_name, qualifier)
    alias = _alias(self, name, qualifier)
    if alias is None:
        return _original_get_policy(self, name, qualifier)
    return _alias_policy(self, alias, name).wire_format()


def _remove_permission(self: LambdaBackend, function_name: str, sid: str, revision: str = "") -> None:
    name, qualifier = split_function(function_name)
    alias = _alias(self, name, qualifier)
    if alias is not None:
        _alias_policy(self, alias, name).del_statement(sid, revision)
        return
    try:
        _original_remove_permission(self, name, sid, revision)
    except UnknownPolicyException:
        # The SDK sends the alias as a query parameter moto's response drops: look in the aliases too.
        for candidate in self._lambdas._aliases[self.get_function(name).function_arn].values():
            policy = getattr(candidate, "policy", None)
            if policy and any(statement.get("Sid") == sid for statement in policy.statements):
                policy.del_statement(sid, revision)
                return
        raise


# --- AWS::Lambda::Function: what moto's model drops ------------------------------------------------------

_original_function_create = LambdaFunction.create_from_cloudformation_json.__func__  # type: ignore[attr-defined]
_original_function_update = LambdaFunction.update_from_cloudformation_json.__func__  # type: ignore[attr-defined]
_original_get_configuration = LambdaFunction.get_configuration


def _apply_function_settings(function: LambdaFunction, properties: dict[str, Any]) -> None:
    """Architectures, tracing, ephemeral storage and the log destination, which moto's CloudFormation model ignores."""
    function.architectures = properties.get("Architectures", ["x86_64"])
    function.tracing_config = properties.get("TracingConfig") or {"Mode": "PassThrough"}
    if "EphemeralStorage" in properties:
        function.ephemeral_storage = properties["EphemeralStorage"]["Size"]
    logging = properties.get("LoggingConfig") or {}
    function.logging_config = {
        "LogFormat": logging.get("LogFormat", "Text"),
        "LogGroup": logging.get("LogGroup", f"/aws/lambda/{function.function_name}"),
        **{key: logging[key] for key in ("ApplicationLogLevel", "SystemLogLevel") if key in logging},
    }


def _function_create(cls: type[LambdaFunction], resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str, **kwargs: Any) -> LambdaFunction:
    function = _original_function_create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
    _apply_function_settings(function, cloudformation_json.get("Properties", {}))
    return function


def _function_update(
    cls: type[LambdaFunction], original_resource: LambdaFunction, new_resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str
) -> LambdaFunction:
    function = _original_function_update(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name)
    _apply_function_settings(function, cloudformation_json.get("Properties", {}))
    function.code_or_config_updated = True
    return function


def _get_configuration(self: LambdaFunction, *args: Any, **kwargs: Any) -> dict[str, Any]:
    configuration = _original_get_configuration(self, *args, **kwargs)
    if getattr(self, "logging_config", None):
        configuration["LoggingConfig"] = self.logging_config
    return configuration


# --- Resource models ---------------------------------------------------------------------------------


@register
class Version(ExtensionResource):
    TYPE = "AWS::Lambda::Version"

    @classmethod
    def create(cls, name: str, properties: dict[str, Any], account_id: str, region_name: str, context: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        function_name, _ = split_function(properties["FunctionName"])
        published: LambdaFunction | None = _backend(account_id, region_name).publish_version(function_name, properties.get("Description", ""))
        if published is None:
            raise ValueError(f"could not publish a version of {function_name}")
        return published.function_arn, {"Version": str(published.version), "FunctionArn": published.function_arn}

    def delete_resource(self) -> None:
        function_name, version = split_function(self.physical_resource_id)
        backend = _backend(self.account_id, self.region_name)
        if function_name in backend._lambdas._functions:  # otherwise its versions went with the function
            backend.delete_function(function_name, version)


@register
class Alias(ExtensionResource):
    TYPE = "AWS::Lambda::Alias"

    @classmethod
    def create(cls, name: str, properties: dict[str, Any], account_id: str, region_name: str, context: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        function_name, _ = split_function(properties["FunctionName"])
        alias = _backend(account_id, region_name).create_alias(
            properties["Name"], function_name, str(properties["FunctionVersion"]), properties.get("Description", ""), properties.get("RoutingConfig")
        )
        return alias.arn, {"AliasArn": alias.arn}

    def update(self, properties: dict[str, Any]) -> dict[str, Any] | None:
        function_name, alias_name = split_function(self.physical_resource_id)
        if properties["Name"] != alias_name or split_function(properties["FunctionName"])[0] != function_name:
            return None
        backend = _backend(self.account_id, self.region_name)
        previous_version = backend.get_alias(alias_name, function_name).function_version
        new_version = str(properties["FunctionVersion"])
        if new_version != previous_version and self.code_deploy_group:
            from .codedeploy import record_alias_deployment

            record_alias_deployment(self.account_id, self.region_name, self.code_deploy_group, function_name, alias_name, previous_version, new_version)
        backend.update_alias(alias_name, function_name, new_version, properties.get("Description", ""), properties.get("RoutingConfig"))
        return self.attributes

    # The resource's UpdatePolicy, set by the engine before an update (see install()).
    code_deploy_group: tuple[str, str] | None = None

    def delete_resource(self) -> None:
        function_name, alias_name = split_function(self.physical_resource_id)
        _backend(self.account_id, self.region_name).delete_alias(alias_name, function_name)

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls, original_resource: ExtensionResource, new_resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str
    ) -> ExtensionResource:
        # CloudFormation moves an alias with CodeDeployLambdaAliasUpdate through a CodeDeploy deployment.
        update_policy = cloudformation_json.get("UpdatePolicy", {}).get("CodeDeployLambdaAliasUpdate")
        original_resource.code_deploy_group = (
            (update_policy["ApplicationName"], update_policy["DeploymentGroupName"]) if update_policy else None
        )
        return super().update_from_cloudformation_json(original_resource, new_resource_name, cloudformation_json, account_id, region_name)


@register
class Permission(ExtensionResource):
    TYPE = "AWS::Lambda::Permission"

    @classmethod
    def create(cls, name: str, properties: dict[str, Any], account_id: str, region_name: str, context: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        statement = {
            key: properties[key]
            for key in ("Action", "Principal", "SourceArn", "SourceAccount", "EventSourceToken", "PrincipalOrgID", "FunctionUrlAuthType")
            if key in properties
        }
        statement["StatementId"] = name
        _backend(account_id, region_name).add_permission(properties["FunctionName"], None, json.dumps(statement))
        return name, {}

    def delete_resource(self) -> None:
        _backend(self.account_id, self.region_name).remove_permission(self.properties["FunctionName"], self.physical_resource_id)


@register
class EventInvokeConfig(ExtensionResource):
    """How Lambda retries asynchronous invocations; `sst dev` deploys one per function (no retries)."""

    TYPE = "AWS::Lambda::EventInvokeConfig"

    @classmethod
    def create(cls, name: str, properties: dict[str, Any], account_id: str, region_name: str, context: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        function_name, _ = split_function(properties["FunctionName"])
        config = {key: properties[key] for key in ("MaximumRetryAttempts", "MaximumEventAgeInSeconds", "DestinationConfig") if key in properties}
        _backend(account_id, region_name).put_function_event_invoke_config(function_name, config)
        return f"{function_name}:{properties.get('Qualifier', '$LATEST')}", {}

    def update(self, properties: dict[str, Any]) -> dict[str, Any] | None:
        if split_function(properties["FunctionName"])[0] != split_function(self.physical_resource_id)[0]:
            return None
        self.delete_resource()
        function_name, _ = split_function(properties["FunctionName"])
        config = {key: properties[key] for key in ("MaximumRetryAttempts", "MaximumEventAgeInSeconds", "DestinationConfig") if key in properties}
        _backend(self.account_id, self.region_name).put_function_event_invoke_config(function_name, config)
        return self.attributes

    def delete_resource(self) -> None:
        function_name, _ = split_function(self.physical_resource_id)
        backend = _backend(self.account_id, self.region_name)
        if function_name in backend._lambdas._functions:  # otherwise it went with the function
            backend.get_function(function_name).event_invoke_config = []


def install() -> None:
    LambdaFunction.create_from_cloudformation_json = classmethod(_function_create)  # type: ignore[assignment]
    LambdaFunction.update_from_cloudformation_json = classmethod(_function_update)  # type: ignore[assignment]
    LambdaFunction.get_configuration = _get_configuration
    LambdaBackend.add_permission = _add_permission
    LambdaBackend.get_policy = _get_policy
    LambdaBackend.remove_permission = _remove_permission
