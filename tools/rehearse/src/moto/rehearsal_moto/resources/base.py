"""The shape every resource model of the extension shares."""

from __future__ import annotations

from typing import Any

from moto.cloudformation.exceptions import UnformattedGetAttTemplateException
from moto.core.common_models import CloudFormationModel


class ExtensionResource(CloudFormationModel):
    """A CloudFormation resource whose state lives in a moto service backend.

    Subclasses implement `create` (returns the physical id and the `Fn::GetAtt` attributes),
    `delete`, and `update` where CloudFormation updates in place; without `update`, a change of
    properties replaces the resource (create the new one, then delete the old one), as CloudFormation
    does for properties that require replacement.
    """

    TYPE = "AWS::Service::Resource"
    # The property that names the resource, if any (CloudFormation generates a name without it).
    NAME_PROPERTY = ""

    def __init__(self, physical_id: str, properties: dict[str, Any], account_id: str, region_name: str, attributes: dict[str, Any]):
        self._physical_id = physical_id
        self.properties = properties
        self.account_id = account_id
        self.region_name = region_name
        self.attributes = attributes

    # --- what subclasses provide ---

    @classmethod
    def create(cls, name: str, properties: dict[str, Any], account_id: str, region_name: str, context: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        raise NotImplementedError

    def delete_resource(self) -> None:
        raise NotImplementedError

    def update(self, properties: dict[str, Any]) -> dict[str, Any] | None:
        """Updates in place and returns the new attributes, or None when the change needs a replacement."""
        return None

    # --- moto's CloudFormationModel interface ---

    @classmethod
    def cloudformation_type(cls) -> str:  # type: ignore[override]
        return cls.TYPE

    @classmethod
    def cloudformation_name_type(cls) -> str:  # type: ignore[override]
        return cls.NAME_PROPERTY

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return True

    def is_created(self) -> bool:
        return True

    @property
    def physical_resource_id(self) -> str:
        return self._physical_id

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        if attribute_name in self.attributes:
            return self.attributes[attribute_name]
        raise UnformattedGetAttTemplateException()

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str, **kwargs: Any
    ) -> ExtensionResource:
        properties = cloudformation_json.get("Properties", {})
        name = properties.get(cls.NAME_PROPERTY) if cls.NAME_PROPERTY else None
        physical_id, attributes = cls.create(name or resource_name, properties, account_id, region_name, kwargs)
        return cls(physical_id, properties, account_id, region_name, attributes)

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls, original_resource: ExtensionResource, new_resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str
    ) -> ExtensionResource:
        properties = cloudformation_json.get("Properties", {})
        attributes = original_resource.update(properties)
        if attributes is not None:
            original_resource.properties = properties
            original_resource.attributes = attributes
            return original_resource
        replacement = cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)
        if replacement.physical_resource_id != original_resource.physical_resource_id:
            original_resource.delete_resource()
        return replacement

    @classmethod
    def delete_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str
    ) -> None:
        raise NotImplementedError("deleted through the instance")

    def delete(self, account_id: str, region_name: str) -> None:
        self.delete_resource()


def cloudformation_tags(tags: Any) -> list[dict[str, str]]:
    """CloudFormation `Tags`, as a list of {Key, Value} whether the template wrote a list or a map."""
    if isinstance(tags, dict):
        return [{"Key": key, "Value": str(value)} for key, value in tags.items()]
    return list(tags or [])
