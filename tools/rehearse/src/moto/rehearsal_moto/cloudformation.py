"""moto's CloudFormation, made strict enough to rehearse a deploy on.

What moto 5.2 does as a deploy target, and what this module changes:
- a resource type without a model is skipped with a warning and the stack still completes
  -> the create fails, naming the type;
- a resource that raises while being created leaves the stack CREATE_IN_PROGRESS forever and the
  request answers HTTP 500 -> the resource and the stack are CREATE_FAILED with the error as reason,
  and the stack rolls back (resources created so far are deleted) to ROLLBACK_COMPLETE;
- stacks created through a change set (what `cdk bootstrap` does) get no Outputs and no exports
  -> outputs and exports are those of the executed template;
- an update compares raw template JSON, so a resource whose inputs changed only through a reference is
  not updated, resources are added before the ones they depend on are updated, a resource whose model
  cannot update is silently dropped from the stack, and resources removed from the template are deleted
  even with DeletionPolicy Retain -> resources are updated in dependency order when their resolved
  properties change, a model without update support fails the update, and removed resources are deleted
  last, unless retained;
- reading a stack (ListStackResources, DescribeStacks of a deleted stack) creates its missing resources
  lazily -> resources are created only while a stack is created or updated;
- an update that changes nothing is applied anyway -> it is refused with "No updates are to be
  performed.", as CloudFormation refuses it;
- `AWS::NoValue` inside a list leaves a null element, and list parameters are described as Python
  reprs -> the element is removed and the value comma-joined, as CloudFormation does;
- a failed update or delete is reported as UPDATE_ROLLBACK_FAILED / DELETE_FAILED instead of a 500;
- every resource gets the CREATE/UPDATE/DELETE events CloudFormation writes, with the reason on failure;
- stacks reaching a final status are announced to listeners (see eventbridge.py), as CloudFormation
  announces them on EventBridge;
- requests are served one at a time: moto's backends are not thread-safe, and SST deploys independent
  stacks in parallel.
"""

from __future__ import annotations

import inspect
import re
import threading
import traceback
from collections.abc import Callable, Iterable
from typing import Any

from moto.cloudformation import parsing
from moto.cloudformation.models import CloudFormationBackend, Event, Stack, cloudformation_backends
from moto.cloudformation.parsing import ResourceMap
from moto.core.common_models import CloudFormationModel

# Resource types the extension provides (they replace moto's model of the same type, if any).
EXTENSION_MODELS: dict[str, type[CloudFormationModel]] = {}
# Lambda-backed custom resources whose documented effect the extension performs natively.
NATIVE_CUSTOM_RESOURCES: dict[str, type[CloudFormationModel]] = {}

_original_resource_class_from_type = parsing.resource_class_from_type
_original_clean_json = parsing.clean_json
_original_name_property_from_type = parsing.resource_name_property_from_type
_original_parse_and_create_resource = parsing.parse_and_create_resource


def register(model: type[CloudFormationModel]) -> type[CloudFormationModel]:
    """Class decorator: serve `model.cloudformation_type()` with this model."""
    EXTENSION_MODELS[model.cloudformation_type()] = model
    return model


def register_custom_resource(model: type[CloudFormationModel]) -> type[CloudFormationModel]:
    """Class decorator: perform a `Custom::...` resource natively instead of invoking its Lambda."""
    NATIVE_CUSTOM_RESOURCES[model.cloudformation_type()] = model
    return model


# Called with (stack, status, outputs) whenever a stack reaches a final status, as CloudFormation
# announces it on EventBridge ("CloudFormation Stack Status Change").
STATUS_LISTENERS: list[Callable[[Stack, str, dict[str, str]], None]] = []


def _announce(stack: Stack, status: str, outputs: dict[str, str] | None = None) -> None:
    if outputs is None:
        outputs = {output["OutputKey"]: str(output["OutputValue"]) for output in (stack.outputs or [])}
    for listener in STATUS_LISTENERS:
        try:
            listener(stack, status, outputs)
        except Exception:
            traceback.print_exc()


class UnsupportedResourceType(Exception):
    pass


class ResourceFailed(Exception):
    """A resource could not be created, updated or deleted: fails its stack with this reason."""

    def __init__(self, logical_id: str, resource_type: str, reason: str):
        super().__init__(f"{logical_id} ({resource_type}): {reason}")
        self.logical_id = logical_id
        self.resource_type = resource_type
        self.reason = reason


def resource_class_from_type(resource_type: str) -> type[CloudFormationModel] | None:
    if resource_type in parsing.NULL_MODELS:
        return None
    if resource_type in EXTENSION_MODELS:
        return EXTENSION_MODELS[resource_type]
    if resource_type.startswith("Custom::") or resource_type == "AWS::CloudFormation::CustomResource":
        if resource_type in NATIVE_CUSTOM_RESOURCES:
            return NATIVE_CUSTOM_RESOURCES[resource_type]
        raise UnsupportedResourceType(
            f"{resource_type} is backed by a Lambda function, which the rehearsal emulator cannot run, "
            "and the extension has no native implementation of it"
        )
    if resource_type in parsing.get_model_map():
        return parsing.get_model_map()[resource_type]
    raise UnsupportedResourceType(f"resource type {resource_type} is not supported by the rehearsal emulator")


def resource_name_property_from_type(resource_type: str) -> str | None:
    model = EXTENSION_MODELS.get(resource_type) or NATIVE_CUSTOM_RESOURCES.get(resource_type)
    if model is not None:
        return model.cloudformation_name_type() or None
    return _original_name_property_from_type(resource_type)


def clean_json_without_novalue(resource_json: Any, resources_map: ResourceMap) -> Any:
    """moto's intrinsic resolution, except that AWS::NoValue removes a list element, as in CloudFormation
    (moto leaves null in the list: an `Fn::If` that drops a policy statement left a null statement)."""
    cleaned = _original_clean_json(resource_json, resources_map)
    if isinstance(resource_json, list) and isinstance(cleaned, list):
        return [item for item in cleaned if item is not None]
    return cleaned


def _parameter_list(self: Stack) -> list[dict[str, Any]]:
    """Stack parameters as CloudFormation describes them: a list parameter's value comma-joined (moto gives Python's repr)."""
    return [
        {
            "ParameterKey": key,
            "ParameterValue": "****" if key in self.resource_map.no_echo_parameter_keys else ",".join(map(str, value)) if isinstance(value, list) else value,
        }
        for key, value in self.resource_map.resolved_parameters.items()
    ]


def _describe(error: BaseException) -> str:
    message = getattr(error, "message", None) or str(error) or type(error).__name__
    return f"{type(error).__name__}: {message}" if type(error).__name__ not in message else message


def _stack_of(resources_map: ResourceMap) -> Stack | None:
    backend = cloudformation_backends[resources_map._account_id][resources_map._region_name]
    return backend.stacks.get(resources_map.stack_id)


def _resource_event(
    stack: Stack | None, logical_id: str, resource_type: str, status: str, physical_id: str = "", reason: str | None = None
) -> None:
    if stack is None:
        return
    stack.events.append(
        Event(
            stack_id=stack.stack_id,
            stack_name=stack.name,
            logical_resource_id=logical_id,
            physical_resource_id=physical_id,
            resource_type=resource_type,
            resource_status=status,
            resource_status_reason=reason,
            resource_properties=None,
        )
    )


def _physical_id(resource: Any) -> str:
    value = getattr(resource, "physical_resource_id", "")
    return value if isinstance(value, str) else ""


def _condition_holds(resource_json: dict[str, Any], resources_map: ResourceMap) -> bool:
    condition = resource_json.get("Condition")
    return not condition or bool(resources_map.lazy_condition_map[condition])


def parse_and_create_resource(
    logical_id: str, resource_json: dict[str, Any], resources_map: ResourceMap, account_id: str, region_name: str
) -> Any:
    """moto's resource creation, with CloudFormation's events, and a failure that names its resource."""
    if not getattr(resources_map, "provisioning", False):
        # Reading a stack must never create what it lacks.
        return None
    if not _condition_holds(resource_json, resources_map):
        return None
    resource_type = resource_json["Type"]
    stack = _stack_of(resources_map)
    _resource_event(stack, logical_id, resource_type, "CREATE_IN_PROGRESS")
    try:
        resource = _original_parse_and_create_resource(logical_id, resource_json, resources_map, account_id, region_name)
        if resource is None:
            raise UnsupportedResourceType(f"resource type {resource_type} is not supported by the rehearsal emulator")
        resource._rehearsal_properties = parsing.clean_json(resource_json.get("Properties", {}), resources_map)
    except ResourceFailed:
        raise
    except Exception as error:
        reason = _describe(error)
        traceback.print_exc()
        _resource_event(stack, logical_id, resource_type, "CREATE_FAILED", reason=reason)
        raise ResourceFailed(logical_id, resource_type, reason) from error
    _resource_event(stack, logical_id, resource_type, "CREATE_COMPLETE", physical_id=_physical_id(resource))
    return resource


def _references(value: Any) -> set[str]:
    """Logical ids a template value refers to: Ref, Fn::GetAtt and ${...} in Fn::Sub."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key, inner in value.items():
            if key == "Ref" and isinstance(inner, str):
                found.add(inner)
            elif key == "Fn::GetAtt":
                target = inner[0] if isinstance(inner, list) else str(inner).split(".")[0]
                found.add(target)
            elif key == "Fn::Sub":
                template = inner[0] if isinstance(inner, list) else inner
                found.update(name.split(".")[0] for name in re.findall(r"\$\{([^!}][^}]*)\}", str(template)))
                if isinstance(inner, list) and len(inner) > 1:
                    found |= _references(inner[1])
            else:
                found |= _references(inner)
    elif isinstance(value, list):
        for inner in value:
            found |= _references(inner)
    return found


def dependency_order(resources: dict[str, Any]) -> list[str]:
    """Logical ids such that each comes after everything it refers to or depends on."""
    ordered: list[str] = []
    state: dict[str, str] = {}

    def visit(name: str) -> None:
        if state.get(name) == "done":
            return
        if state.get(name) == "visiting":
            raise ValueError(f"circular dependency through {name}")
        state[name] = "visiting"
        resource = resources[name]
        depends_on = resource.get("DependsOn", [])
        depends_on = [depends_on] if isinstance(depends_on, str) else depends_on
        for dependency in sorted((_references(resource) | set(depends_on)) & resources.keys()):
            visit(dependency)
        state[name] = "done"
        ordered.append(name)

    for name in resources:
        visit(name)
    return ordered


# --- ResourceMap ---------------------------------------------------------------------------------


def _resource_map_getitem(self: ResourceMap, key: str) -> Any:
    if key in self._parsed_resources:
        return self._parsed_resources[key]
    resource_json = self._resource_json_map.get(key)
    if not resource_json:
        raise KeyError(key)
    new_resource = parsing.parse_and_create_resource(
        key, resource_json, self, account_id=self._account_id, region_name=self._region_name
    )
    if new_resource is not None:
        self._parsed_resources[key] = new_resource
    return new_resource


def _provisioning(resource_map: ResourceMap, action: Callable[[], Any]) -> Any:
    resource_map.provisioning = True
    try:
        return action()
    finally:
        resource_map.provisioning = False


def _resource_map_create(self: ResourceMap, template: dict[str, Any]) -> bool:
    self._template = template
    self._resource_json_map = template.get("Resources", {})
    self.tags.update({"aws:cloudformation:stack-name": self["AWS::StackName"], "aws:cloudformation:stack-id": self["AWS::StackId"]})

    def create_all() -> bool:
        ready = True
        for logical_id in dependency_order(self._resource_json_map):
            instance = self[logical_id]
            if instance is not None and not instance.is_created():
                ready = False
        return ready

    return _provisioning(self, create_all)


def _update_resource(self: ResourceMap, logical_id: str, resource_json: dict[str, Any], stack: Stack | None) -> None:
    resource_type = resource_json["Type"]
    original = self._parsed_resources[logical_id]
    _resource_event(stack, logical_id, resource_type, "UPDATE_IN_PROGRESS", physical_id=_physical_id(original))
    try:
        resource_class = parsing.resource_class_from_type(resource_type)
        if resource_class is None or hasattr(resource_class.update_from_cloudformation_json, "__isabstractmethod__"):
            raise UnsupportedResourceType(f"the rehearsal emulator cannot update a {resource_type}")
        updated = parsing.parse_and_update_resource(
            logical_id, resource_json, self, account_id=self._account_id, region_name=self._region_name
        )
        if updated is None:
            raise UnsupportedResourceType(f"the rehearsal emulator cannot update a {resource_type}")
        updated._rehearsal_properties = parsing.clean_json(resource_json.get("Properties", {}), self)
    except ResourceFailed:
        raise
    except Exception as error:
        reason = _describe(error)
        traceback.print_exc()
        _resource_event(stack, logical_id, resource_type, "UPDATE_FAILED", physical_id=_physical_id(original), reason=reason)
        raise ResourceFailed(logical_id, resource_type, reason) from error
    self._parsed_resources[logical_id] = updated
    _resource_event(stack, logical_id, resource_type, "UPDATE_COMPLETE", physical_id=_physical_id(updated))


def _delete_resource(resource: Any, resource_json: dict[str, Any], account_id: str, region_name: str) -> None:
    """Deletes through the model's instance `delete`, else its class method; a model with neither fails."""
    delete = getattr(resource, "delete", None)
    if callable(delete):
        if len(inspect.signature(delete).parameters) >= 2:
            delete(account_id, region_name)
        else:
            delete()
        return
    resource_class = type(resource)
    if not hasattr(resource_class.delete_from_cloudformation_json, "__isabstractmethod__"):
        resource_class.delete_from_cloudformation_json(_physical_id(resource), resource_json, account_id, region_name)
        return
    raise UnsupportedResourceType(f"the rehearsal emulator cannot delete a {resource_json['Type']}")


def _delete_one(self: ResourceMap, logical_id: str, resource_json: dict[str, Any], stack: Stack | None) -> None:
    resource = self._parsed_resources.get(logical_id)
    resource_type = resource_json["Type"]
    if resource is None or isinstance(resource, str):
        return
    if resource_json.get("DeletionPolicy") == "Retain":
        _resource_event(stack, logical_id, resource_type, "DELETE_SKIPPED", physical_id=_physical_id(resource))
        self._parsed_resources.pop(logical_id, None)
        return
    _resource_event(stack, logical_id, resource_type, "DELETE_IN_PROGRESS", physical_id=_physical_id(resource))
    try:
        _delete_resource(resource, resource_json, self._account_id, self._region_name)
    except Exception as error:
        reason = _describe(error)
        traceback.print_exc()
        _resource_event(stack, logical_id, resource_type, "DELETE_FAILED", physical_id=_physical_id(resource), reason=reason)
        raise ResourceFailed(logical_id, resource_type, reason) from error
    self._parsed_resources.pop(logical_id, None)
    _resource_event(stack, logical_id, resource_type, "DELETE_COMPLETE", physical_id=_physical_id(resource))


def _resource_map_update(self: ResourceMap, template: dict[str, Any], parameters: dict[str, Any] | None = None) -> None:
    stack = _stack_of(self)
    old_resources = self._resource_json_map
    new_resources = template.get("Resources", {})

    self._template = template
    if parameters:
        self.input_parameters = parameters
    self.load_mapping()
    self.load_parameters()
    self.load_conditions()
    self._resource_json_map = new_resources

    def apply() -> None:
        for logical_id in dependency_order(new_resources):
            resource_json = new_resources[logical_id]
            exists = logical_id in self._parsed_resources and logical_id in old_resources
            wanted = _condition_holds(resource_json, self)
            if not exists:
                if wanted:
                    _ = self[logical_id]
                continue
            if not wanted:
                _delete_one(self, logical_id, old_resources[logical_id], stack)
                continue
            current = self._parsed_resources[logical_id]
            same_type = old_resources[logical_id].get("Type") == resource_json.get("Type")
            resolved = parsing.clean_json(resource_json.get("Properties", {}), self)
            if same_type and resolved == getattr(current, "_rehearsal_properties", None):
                continue
            if not same_type:
                _delete_one(self, logical_id, old_resources[logical_id], stack)
                _ = self[logical_id]
                continue
            _update_resource(self, logical_id, resource_json, stack)
        # Cleanup, as CloudFormation does it last: what the template no longer has, dependants first.
        removed = {name: old_resources[name] for name in old_resources if name not in new_resources}
        for logical_id in reversed(dependency_order(removed)):
            _delete_one(self, logical_id, removed[logical_id], stack)

    _provisioning(self, apply)


def _resource_map_delete(self: ResourceMap) -> None:
    stack = _stack_of(self) or getattr(self, "deleting_stack", None)
    resources = {name: value for name, value in self._resource_json_map.items() if name in self._parsed_resources}
    for logical_id in reversed(dependency_order(resources)):
        _delete_one(self, logical_id, resources[logical_id], stack)


# --- Stack -----------------------------------------------------------------------------------------


def _stack_resources(self: Stack) -> Iterable[Any]:
    """The resources the stack holds now, without creating any."""
    resource_map = self.resource_map
    return [
        resource_map._parsed_resources[name]
        for name in resource_map._resource_json_map
        if name in resource_map._parsed_resources and not isinstance(resource_map._parsed_resources[name], str)
    ]


_original_outputs = Stack.outputs


def _stack_outputs(self: Stack) -> list[dict[str, Any]] | None:
    if self.status in ("DELETE_COMPLETE", "ROLLBACK_COMPLETE", "ROLLBACK_FAILED", "CREATE_FAILED", "REVIEW_IN_PROGRESS"):
        return None
    return _original_outputs.fget(self)


def _as_stack_failure(stack: Stack, error: Exception) -> ResourceFailed:
    if isinstance(error, ResourceFailed):
        return error
    traceback.print_exc()
    return ResourceFailed(stack.name, "AWS::CloudFormation::Stack", _describe(error))


def _fail_creation(stack: Stack, error: ResourceFailed) -> None:
    stack.status = "CREATE_FAILED"
    stack._add_stack_event("CREATE_FAILED", resource_status_reason=f"The following resource(s) failed to create: [{error.logical_id}].")
    stack.status = "ROLLBACK_IN_PROGRESS"
    stack._add_stack_event("ROLLBACK_IN_PROGRESS", resource_status_reason=f"{error.logical_id}: {error.reason}")
    stack.resource_map.deleting_stack = stack
    try:
        stack.resource_map.delete()
    except Exception as rollback_error:
        stack.status = "ROLLBACK_FAILED"
        stack._add_stack_event("ROLLBACK_FAILED", resource_status_reason=_describe(rollback_error))
        return
    stack.status = "ROLLBACK_COMPLETE"
    stack._add_stack_event("ROLLBACK_COMPLETE")
    _announce(stack, "ROLLBACK_COMPLETE", {})


def _stack_create_resources(self: Stack) -> None:
    self.status = "CREATE_IN_PROGRESS"
    try:
        ready = self.resource_map.create(self.template_dict)
    except Exception as error:
        _fail_creation(self, _as_stack_failure(self, error))
        return
    self.description = self.template_dict.get("Description")
    if ready:
        self.mark_creation_complete()
        _announce(self, "CREATE_COMPLETE")


def _stack_update(
    self: Stack, template: str, role_arn: str | None = None, parameters: dict[str, Any] | None = None, tags: dict[str, str] | None = None
) -> None:
    self.status = "UPDATE_IN_PROGRESS"
    self._add_stack_event("UPDATE_IN_PROGRESS", resource_status_reason="User Initiated")
    previous_template = self.template
    try:
        self.resource_map.update(self.parse_template(template), parameters)
    except Exception as error:
        error = _as_stack_failure(self, error)
        self.template = previous_template
        self.status = "UPDATE_ROLLBACK_FAILED"
        self._add_stack_event(
            "UPDATE_ROLLBACK_FAILED",
            resource_status_reason=f"{error.logical_id}: {error.reason} (the rehearsal emulator does not roll updates back)",
        )
        return
    self.template = template
    self._parse_template()
    self.output_map = self._create_output_map()
    self.description = self.template_dict.get("Description")
    self.role_arn = role_arn
    if parameters:
        self.parameters = parameters
    if tags is not None:
        self.tags = tags
    self.status = "UPDATE_COMPLETE"
    self._add_stack_event("UPDATE_COMPLETE")
    _announce(self, "UPDATE_COMPLETE")


# --- Backend ---------------------------------------------------------------------------------------


def _register_exports(backend: CloudFormationBackend, stack: Stack) -> None:
    if stack.status not in ("CREATE_COMPLETE", "UPDATE_COMPLETE"):
        return
    for name in [name for name, export in backend.exports.items() if export.exporting_stack_id == stack.stack_id]:
        backend.exports.pop(name)
    backend._validate_export_uniqueness(stack)
    for export in stack.exports:
        backend.exports[export.name] = export


def _backend_create_stack(self: CloudFormationBackend, name: str, template: str, parameters: dict[str, Any], **options: Any) -> Stack:
    from moto.cloudformation.exceptions import AlreadyExistsException
    from moto.cloudformation.utils import generate_stack_id

    if name in [stack.name for stack in self.stacks.values()]:
        raise AlreadyExistsException(f"Stack {name} already exists")
    stack = Stack(
        stack_id=generate_stack_id(name, self.region_name, self.account_id),
        name=name,
        template=template,
        parameters=parameters,
        account_id=self.account_id,
        region_name=self.region_name,
        cross_stack_resources=self.exports,
        **options,
    )
    self.stacks[stack.stack_id] = stack
    stack._add_stack_event("CREATE_IN_PROGRESS", resource_status_reason="User Initiated")
    stack.create_resources()
    _register_exports(self, stack)
    return stack


def _backend_update_stack(self: CloudFormationBackend, name: str, template: str, role_arn: str | None, parameters: Any, tags: Any) -> Stack:
    from moto.cloudformation.exceptions import ValidationError

    stack = self.get_stack(name)
    resolved_parameters = self._resolve_update_parameters(instance=stack, incoming_params=parameters)
    unchanged_tags = tags is None or tags == stack.tags
    if stack.parse_template(template) == stack.template_dict and resolved_parameters == stack.resource_map.input_parameters and unchanged_tags:
        # As CloudFormation answers an update that changes nothing (SST then reports the stack SKIPPED).
        raise ValidationError(stack.stack_id, message="No updates are to be performed.")
    stack.cross_stack_resources = self.exports
    stack.resource_map.cross_stack_resources = self.exports
    stack.update(template, role_arn, parameters=resolved_parameters, tags=tags)
    _register_exports(self, stack)
    return stack


def _backend_execute_change_set(self: CloudFormationBackend, change_set_name: str, stack_name: str | None = None) -> None:
    from moto.cloudformation.exceptions import ValidationError

    change_set = self.change_sets.get(change_set_name) or next(
        (candidate for candidate in self.change_sets.values() if candidate.change_set_name == change_set_name), None
    )
    if change_set is None:
        raise ValidationError(stack_name)
    stack: Stack = self.stacks[change_set.stack_id]
    if change_set.change_set_type == "CREATE":
        stack.template = change_set.template
        stack._parse_template()
        stack.resource_map.cross_stack_resources = self.exports
        stack.resource_map.input_parameters = change_set.parameters
        stack.resource_map._template = stack.template_dict
        stack.resource_map.load()
        stack.output_map = stack._create_output_map()
        stack._add_stack_event("CREATE_IN_PROGRESS", resource_status_reason="User Initiated")
        stack.create_resources()
    else:
        stack.update(change_set.template, change_set.role_arn, parameters=change_set.parameters, tags=change_set.tags)
    change_set.execution_status = "EXECUTE_COMPLETE" if stack.status.endswith("_COMPLETE") and "ROLLBACK" not in stack.status else "EXECUTE_FAILED"
    _register_exports(self, stack)


def _backend_delete_stack(self: CloudFormationBackend, name_or_stack_id: str) -> None:
    stack = self.stacks.get(name_or_stack_id) or next((s for s in self.stacks.values() if s.name == name_or_stack_id), None)
    if stack is None:
        return
    outputs = {output["OutputKey"]: str(output["OutputValue"]) for output in (stack.outputs or [])}
    stack.status = "DELETE_IN_PROGRESS"
    stack._add_stack_event("DELETE_IN_PROGRESS", resource_status_reason="User Initiated")
    stack.resource_map.deleting_stack = stack
    try:
        stack.resource_map.delete()
    except ResourceFailed as error:
        stack.status = "DELETE_FAILED"
        stack._add_stack_event("DELETE_FAILED", resource_status_reason=f"{error.logical_id}: {error.reason}")
        return
    for export_name in [name for name, export in self.exports.items() if export.exporting_stack_id == stack.stack_id]:
        self.exports.pop(export_name)
    self.stacks.pop(stack.stack_id, None)
    stack.status = "DELETE_COMPLETE"
    stack._add_stack_event("DELETE_COMPLETE")
    self.deleted_stacks[stack.stack_id] = stack
    _announce(stack, "DELETE_COMPLETE", outputs)


# --- Requests one at a time ---------------------------------------------------------------------------

_request_lock = threading.RLock()


def _serialize_requests() -> None:
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    original_call = DomainDispatcherApplication.__call__

    def call(self: Any, environ: dict[str, Any], start_response: Any) -> Any:
        with _request_lock:
            return list(original_call(self, environ, start_response))

    DomainDispatcherApplication.__call__ = call


def install() -> None:
    parsing.clean_json = clean_json_without_novalue
    Stack.parameter_list = property(_parameter_list)
    parsing.resource_class_from_type = resource_class_from_type
    parsing.resource_name_property_from_type = resource_name_property_from_type
    parsing.parse_and_create_resource = parse_and_create_resource
    ResourceMap.__getitem__ = _resource_map_getitem
    ResourceMap.create = _resource_map_create
    ResourceMap.update = _resource_map_update
    ResourceMap.delete = _resource_map_delete
    Stack.stack_resources = property(_stack_resources)
    Stack.outputs = property(_stack_outputs)
    Stack.create_resources = _stack_create_resources
    Stack.update = _stack_update
    CloudFormationBackend.create_stack = _backend_create_stack
    CloudFormationBackend.update_stack = _backend_update_stack
    CloudFormationBackend.execute_change_set = _backend_execute_change_set
    CloudFormationBackend.delete_stack = _backend_delete_stack
    _serialize_requests()
