"""API Gateway (REST, v1) as CloudFormation creates it, in moto's API Gateway backend.

moto has no model for Authorizer, GatewayResponse, RequestValidator and Stage, its Method model drops the
authorizer, the request parameters, the validator and the responses, its Deployment has no physical id,
and none of its API Gateway models can be deleted. Each model here makes the same calls the API would
(PutMethod, PutIntegration, CreateStage, ...), so GetMethod, GetStage, GetAuthorizers show what the
template declared.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote

from moto.apigateway.exceptions import BadRequestException
from moto.apigateway.models import APIGatewayBackend, apigateway_backends
from moto.iam.models import iam_backends

from ..cloudformation import register
from .base import ExtensionResource, cloudformation_tags


def _backend(account_id: str, region_name: str) -> APIGatewayBackend:
    return apigateway_backends[account_id][region_name]


def _root_resource_id(backend: APIGatewayBackend, api_id: str) -> str:
    return next(resource.id for resource in backend.get_resources(api_id) if resource.path_part == "/" and not resource.parent_id)


@register
class RestApi(ExtensionResource):
    TYPE = "AWS::ApiGateway::RestApi"
    NAME_PROPERTY = "Name"

    @classmethod
    def create(cls, name: str, properties: dict[str, Any], account_id: str, region_name: str, context: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        backend = _backend(account_id, region_name)
        endpoint = properties.get("EndpointConfiguration")
        api = backend.create_rest_api(
            name=name,
            description=properties.get("Description", ""),
            api_key_source=properties.get("ApiKeySourceType"),
            endpoint_configuration={"types": endpoint.get("Types", ["EDGE"])} if endpoint else None,
            tags={tag["Key"]: tag["Value"] for tag in cloudformation_tags(properties.get("Tags"))},
            policy=properties.get("Policy") if isinstance(properties.get("Policy"), str) else None,
            minimum_compression_size=properties.get("MinimumCompressionSize"),
            disable_execute_api_endpoint=properties.get("DisableExecuteApiEndpoint"),
        )
        return api.id, {"RestApiId": api.id, "RootResourceId": _root_resource_id(backend, api.id)}

    def update(self, properties: dict[str, Any]) -> dict[str, Any] | None:
        api = _backend(self.account_id, self.region_name).get_rest_api(self.physical_resource_id)
        api.name = properties.get("Name", api.name)
        api.description = properties.get("Description", "")
        if properties.get("EndpointConfiguration"):
            api.endpoint_configuration = {"types": properties["EndpointConfiguration"].get("Types", ["EDGE"])}
        return self.attributes

    def delete_resource(self) -> None:
        _backend(self.account_id, self.region_name).delete_rest_api(self.physical_resource_id)


@register
class Resource(ExtensionResource):
    TYPE = "AWS::ApiGateway::Resource"

    @classmethod
    def create(cls, name: str, properties: dict[str, Any], account_id: str, region_name: str, context: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        resource = _backend(account_id, region_name).create_resource(properties["RestApiId"], properties["ParentId"], properties["PathPart"])
        return resource.id, {"ResourceId": resource.id}

    def delete_resource(self) -> None:
        _backend(self.account_id, self.region_name).delete_resource(self.properties["RestApiId"], self.physical_resource_id)


@register
class Method(ExtensionResource):
    TYPE = "AWS::ApiGateway::Method"

    @classmethod
    def create(cls, name: str, properties: dict[str, Any], account_id: str, region_name: str, context: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        cls.put(properties, account_id, region_name)
        return name, {}

    @staticmethod
    def put(properties: dict[str, Any], account_id: str, region_name: str) -> None:
        backend = _backend(account_id, region_name)
        api_id, resource_id, http_method = properties["RestApiId"], properties["ResourceId"], properties["HttpMethod"]
        backend.put_method(
            api_id,
            resource_id,
            http_method,
            properties.get("AuthorizationType", "NONE"),
            api_key_required=properties.get("ApiKeyRequired", False),
            request_parameters=properties.get("RequestParameters"),
            request_models=properties.get("RequestModels"),
            operation_name=properties.get("OperationName"),
            authorizer_id=properties.get("AuthorizerId"),
            authorization_scopes=properties.get("AuthorizationScopes"),
            request_validator_id=properties.get("RequestValidatorId"),
        )
        for response in properties.get("MethodResponses", []):
            backend.put_method_response(
                api_id, resource_id, http_method, str(response["StatusCode"]), response.get("ResponseModels"), response.get("ResponseParameters")
            )
        integration = properties.get("Integration")
        if integration:
            backend.put_integration(
                api_id,
                resource_id,
                http_method,
                integration["Type"],
                integration.get("Uri"),
                integration.get("IntegrationHttpMethod"),
                credentials=integration.get("Credentials"),
                request_templates=integration.get("RequestTemplates"),
                passthrough_behavior=integration.get("PassthroughBehavior"),
                cache_namespace=integration.get("CacheNamespace"),
                timeout_in_millis=integration.get("TimeoutInMillis"),
                request_parameters=integration.get("RequestParameters"),
                content_handling=integration.get("ContentHandling"),
                connection_type=integration.get("ConnectionType"),
            )
            for response in integration.get("IntegrationResponses", []):
                backend.put_integration_response(
                    api_id,
                    resource_id,
                    http_method,
                    str(response["StatusCode"]),
                    response.get("SelectionPattern"),
                    response.get("ResponseTemplates"),
                    response.get("ResponseParameters"),
                    response.get("ContentHandling"),
                )

    def update(self, properties: dict[str, Any]) -> dict[str, Any] | None:
        keys = ("RestApiId", "ResourceId", "HttpMethod")
        if any(properties[key] != self.properties[key] for key in keys):
            return None
        backend = _backend(self.account_id, self.region_name)
        backend.delete_method(*(self.properties[key] for key in keys))
        self.put(properties, self.account_id, self.region_name)
        return self.attributes

    def delete_resource(self) -> None:
        _backend(self.account_id, self.region_name).delete_method(self.properties["RestApiId"], self.properties["ResourceId"], self.properties["HttpMethod"])


@register
class Deployment(ExtensionResource):
    TYPE = "AWS::ApiGateway::Deployment"

    @classmethod
    def create(cls, name: str, properties: dict[str, Any], account_id: str, region_name: str, context: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        deployment = _backend(account_id, region_name).create_deployment(
            properties["RestApiId"], properties.get("StageName"), properties.get("Description", "")
        )
        return deployment.id, {"DeploymentId": deployment.id}

    def update(self, properties: dict[str, Any]) -> dict[str, Any] | None:
        if properties["RestApiId"] != self.properties["RestApiId"] or properties.get("StageName") != self.properties.get("StageName"):
            return None
        deployment = _backend(self.account_id, self.region_name).get_deployment(properties["RestApiId"], self.physical_resource_id)
        deployment.description = properties.get("Description", "")
        return self.attributes

    def delete_resource(self) -> None:
        _backend(self.account_id, self.region_name).delete_deployment(self.properties["RestApiId"], self.physical_resource_id)


# CloudFormation's MethodSettings keys, as UpdateStage patch paths.
_METHOD_SETTINGS = {
    "ThrottlingRateLimit": "throttling/rateLimit",
    "ThrottlingBurstLimit": "throttling/burstLimit",
    "MetricsEnabled": "metrics/enabled",
    "LoggingLevel": "logging/loglevel",
    "DataTraceEnabled": "logging/dataTrace",
    "CachingEnabled": "caching/enabled",
    "CacheTtlInSeconds": "caching/ttlInSeconds",
    "CacheDataEncrypted": "caching/dataEncrypted",
}


@register
class Stage(ExtensionResource):
    TYPE = "AWS::ApiGateway::Stage"
    NAME_PROPERTY = "StageName"

    @classmethod
    def create(cls, name: str, properties: dict[str, Any], account_id: str, region_name: str, context: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        stage = _backend(account_id, region_name).create_stage(
            properties["RestApiId"],
            name,
            properties["DeploymentId"],
            variables=properties.get("Variables"),
            description=properties.get("Description", ""),
            cacheClusterEnabled=properties.get("CacheClusterEnabled", False),
            cacheClusterSize=properties.get("CacheClusterSize"),
            tags={tag["Key"]: tag["Value"] for tag in cloudformation_tags(properties.get("Tags"))},
            tracing_enabled=properties.get("TracingEnabled", False),
        )
        try:
            cls.apply_settings(stage, properties, account_id, region_name)
        except BadRequestException:
            _backend(account_id, region_name).delete_stage(properties["RestApiId"], name)
            raise
        return name, {}

    @staticmethod
    def apply_settings(stage: Any, properties: dict[str, Any], account_id: str, region_name: str) -> None:
        access_log = properties.get("AccessLogSetting")
        logging = access_log or any(setting.get("LoggingLevel", "OFF") != "OFF" for setting in properties.get("MethodSettings", []))
        if logging and not _backend(account_id, region_name).get_account().cloudwatch_role_arn:
            # As API Gateway answers CreateStage/UpdateStage on an account whose logging role was never set.
            raise BadRequestException("CloudWatch Logs role ARN must be set in account settings to enable logging")
        stage.access_log_settings = (
            {"destinationArn": access_log.get("DestinationArn"), "format": access_log.get("Format")} if access_log else None
        )
        stage.method_settings = {}
        operations = []
        for setting in properties.get("MethodSettings", []):
            path = f"{setting.get('ResourcePath', '/*')}/{setting.get('HttpMethod', '*')}"
            for key, patch_path in _METHOD_SETTINGS.items():
                if key in setting:
                    value = setting[key]
                    operations.append({"op": "replace", "path": f"{path}/{patch_path}", "value": str(value).lower() if isinstance(value, bool) else str(value)})
        stage.apply_operations(operations)

    def update(self, properties: dict[str, Any]) -> dict[str, Any] | None:
        if properties["RestApiId"] != self.properties["RestApiId"] or properties.get("StageName") != self.properties.get("StageName"):
            return None
        stage = _backend(self.account_id, self.region_name).get_stage(properties["RestApiId"], self.physical_resource_id)
        stage.deployment_id = properties["DeploymentId"]
        stage.description = properties.get("Description", "")
        stage.variables = properties.get("Variables") or {}
        stage.tracing_enabled = properties.get("TracingEnabled", False)
        self.apply_settings(stage, properties, self.account_id, self.region_name)
        return self.attributes

    def delete_resource(self) -> None:
        _backend(self.account_id, self.region_name).delete_stage(self.properties["RestApiId"], self.physical_resource_id)


@register
class Authorizer(ExtensionResource):
    TYPE = "AWS::ApiGateway::Authorizer"

    @classmethod
    def create(cls, name: str, properties: dict[str, Any], account_id: str, region_name: str, context: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        authorizer = _backend(account_id, region_name).create_authorizer(
            properties["RestApiId"],
            properties.get("Name", name),
            properties["Type"],
            provider_arns=properties.get("ProviderARNs"),
            auth_type=properties.get("AuthType"),
            authorizer_uri=properties.get("AuthorizerUri"),
            authorizer_credentials=properties.get("AuthorizerCredentials"),
            identity_source=properties.get("IdentitySource"),
            identiy_validation_expression=properties.get("IdentityValidationExpression"),
            authorizer_result_ttl=properties.get("AuthorizerResultTtlInSeconds", 300),
        )
        return authorizer.id, {"AuthorizerId": authorizer.id}

    def update(self, properties: dict[str, Any]) -> dict[str, Any] | None:
        if properties["RestApiId"] != self.properties["RestApiId"]:
            return None
        authorizer = _backend(self.account_id, self.region_name).get_authorizer(properties["RestApiId"], self.physical_resource_id)
        authorizer.name = properties.get("Name", authorizer.name)
        authorizer.type = properties["Type"]
        authorizer.authorizer_uri = properties.get("AuthorizerUri")
        authorizer.identity_source = properties.get("IdentitySource")
        authorizer.authorizer_result_ttl = properties.get("AuthorizerResultTtlInSeconds", 300)
        return self.attributes

    def delete_resource(self) -> None:
        _backend(self.account_id, self.region_name).delete_authorizer(self.properties["RestApiId"], self.physical_resource_id)


@register
class GatewayResponse(ExtensionResource):
    TYPE = "AWS::ApiGateway::GatewayResponse"

    @classmethod
    def create(cls, name: str, properties: dict[str, Any], account_id: str, region_name: str, context: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        _backend(account_id, region_name).put_gateway_response(
            properties["RestApiId"],
            properties["ResponseType"],
            properties.get("StatusCode"),
            properties.get("ResponseParameters"),
            properties.get("ResponseTemplates"),
        )
        return name, {}

    def update(self, properties: dict[str, Any]) -> dict[str, Any] | None:
        if properties["RestApiId"] != self.properties["RestApiId"] or properties["ResponseType"] != self.properties["ResponseType"]:
            return None
        self.create(self.physical_resource_id, properties, self.account_id, self.region_name, {})
        return self.attributes

    def delete_resource(self) -> None:
        _backend(self.account_id, self.region_name).delete_gateway_response(self.properties["RestApiId"], self.properties["ResponseType"])


@register
class RequestValidator(ExtensionResource):
    TYPE = "AWS::ApiGateway::RequestValidator"

    @classmethod
    def create(cls, name: str, properties: dict[str, Any], account_id: str, region_name: str, context: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        validator = _backend(account_id, region_name).create_request_validator(
            properties["RestApiId"],
            properties.get("Name", name),
            properties.get("ValidateRequestBody", False),
            properties.get("ValidateRequestParameters", False),
        )
        return validator.id, {"RequestValidatorId": validator.id}

    def update(self, properties: dict[str, Any]) -> dict[str, Any] | None:
        if properties["RestApiId"] != self.properties["RestApiId"]:
            return None
        validator = _backend(self.account_id, self.region_name).get_request_validator(properties["RestApiId"], self.physical_resource_id)
        validator.name = properties.get("Name", validator.name)
        validator.validate_request_body = properties.get("ValidateRequestBody", False)
        validator.validate_request_parameters = properties.get("ValidateRequestParameters", False)
        return self.attributes

    def delete_resource(self) -> None:
        _backend(self.account_id, self.region_name).delete_request_validator(self.properties["RestApiId"], self.physical_resource_id)


# --- The account's settings: the role API Gateway writes CloudWatch logs with ------------------------------

_original_update_account = APIGatewayBackend.update_account


def _assumable_by_api_gateway(account_id: str, role_arn: str) -> bool:
    """The role exists and its trust policy lets apigateway.amazonaws.com assume it, as UpdateAccount checks."""
    name = role_arn.rsplit("/", 1)[-1]
    role = next((candidate for candidate in iam_backends[account_id]["global"].roles.values() if candidate.name == name), None)
    if role is None:
        return False
    document = role.assume_role_policy_document
    trust = json.loads(unquote(document)) if isinstance(document, str) else document
    statements = trust.get("Statement", [])
    for statement in statements if isinstance(statements, list) else [statements]:
        services = (statement.get("Principal") or {}).get("Service", [])
        actions = statement.get("Action", [])
        if statement.get("Effect") == "Allow" and "apigateway.amazonaws.com" in ([services] if isinstance(services, str) else services) and "sts:AssumeRole" in ([actions] if isinstance(actions, str) else actions):
            return True
    return False


def _update_account(self: APIGatewayBackend, patch_operations: list[dict[str, Any]]) -> Any:
    for operation in patch_operations:
        if "/cloudwatchRoleArn" in operation.get("path", "") and operation.get("value"):
            if not _assumable_by_api_gateway(self.account_id, operation["value"]):
                raise BadRequestException("The role ARN does not have required permissions set to API Gateway")
    return _original_update_account(self, patch_operations)


@register
class Account(ExtensionResource):
    """AWS::ApiGateway::Account: the account-and-region setting every REST API's logging depends on."""

    TYPE = "AWS::ApiGateway::Account"

    @classmethod
    def create(cls, name: str, properties: dict[str, Any], account_id: str, region_name: str, context: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        role_arn = properties.get("CloudWatchRoleArn")
        if role_arn:
            _backend(account_id, region_name).update_account([{"op": "replace", "path": "/cloudwatchRoleArn", "value": role_arn}])
        return name, {"Id": name}

    def update(self, properties: dict[str, Any]) -> dict[str, Any] | None:
        self.create(self.physical_resource_id, properties, self.account_id, self.region_name, {})
        return self.attributes

    def delete_resource(self) -> None:
        # CloudFormation deletes the resource without resetting the account's setting.
        return None


def install() -> None:
    APIGatewayBackend.update_account = _update_account
