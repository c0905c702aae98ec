"""Secrets Manager: AWS::SecretsManager::Secret, which moto's CloudFormation skips, in moto's backend."""

from __future__ import annotations

import json
from typing import Any

from moto.moto_api._internal import mock_random
from moto.secretsmanager.models import SecretsManagerBackend, secretsmanager_backends

from ..cloudformation import register
from .base import ExtensionResource, cloudformation_tags


def _backend(account_id: str, region_name: str) -> SecretsManagerBackend:
    return secretsmanager_backends[account_id][region_name]


def _generated_value(options: dict[str, Any]) -> str:
    """A value as GenerateSecretString describes it (length, excluded characters, an optional JSON key)."""
    length = int(options.get("PasswordLength", 32))
    alphabet = "".join(
        character
        for character in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&*+-.:;<=>?@^_~"
        if character not in options.get("ExcludeCharacters", "")
        and not (options.get("ExcludePunctuation") and not character.isalnum())
        and not (options.get("ExcludeNumbers") and character.isdigit())
    )
    value = "".join(mock_random.choice(alphabet) for _ in range(length))
    if "GenerateStringKey" in options:
        template = json.loads(options.get("SecretStringTemplate", "{}"))
        template[options["GenerateStringKey"]] = value
        return json.dumps(template)
    return value


@register
class Secret(ExtensionResource):
    TYPE = "AWS::SecretsManager::Secret"

    @classmethod
    def create(cls, name: str, properties: dict[str, Any], account_id: str, region_name: str, context: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        # Without a Name, CloudFormation names a secret after its logical id plus a random suffix.
        secret_name = properties.get("Name") or f"{context.get('LogicalId', 'Secret')}-{mock_random.get_random_string(length=12)}"
        value = properties.get("SecretString")
        if value is None and "GenerateSecretString" in properties:
            value = _generated_value(properties["GenerateSecretString"])
        backend = _backend(account_id, region_name)
        backend.create_secret(
            name=secret_name,
            secret_string=value,
            secret_binary=None,
            description=properties.get("Description"),
            tags=cloudformation_tags(properties.get("Tags")),
            kms_key_id=properties.get("KmsKeyId"),
            client_request_token=None,
            replica_regions=properties.get("ReplicaRegions", []),
            force_overwrite=False,
        )
        arn = backend.describe_secret(secret_name).arn
        return arn, {"Id": arn}

    def update(self, properties: dict[str, Any]) -> dict[str, Any] | None:
        if properties.get("Name") != self.properties.get("Name"):
            return None
        backend = _backend(self.account_id, self.region_name)
        secret = backend.describe_secret(self.physical_resource_id)
        secret.description = properties.get("Description")
        # As on AWS, a changed SecretString in the template writes a new version; an unchanged one does not.
        if properties.get("SecretString") != self.properties.get("SecretString") and properties.get("SecretString") is not None:
            backend.put_secret_value(self.physical_resource_id, properties["SecretString"], None, None, ["AWSCURRENT"])
        return self.attributes

    def delete_resource(self) -> None:
        # CloudFormation deletes with Secrets Manager's default recovery window: the secret is scheduled for deletion.
        _backend(self.account_id, self.region_name).delete_secret(self.physical_resource_id, None, False)
