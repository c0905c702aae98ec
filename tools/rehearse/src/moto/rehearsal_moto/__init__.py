"""Extensions that make moto_server a faithful enough target for rehearsing `sst deploy`.

`install()` must run before moto's server starts. It makes moto's CloudFormation strict (see
cloudformation.py) and registers CloudFormation resource models, backed by moto's own service backends,
for the types moto 5.2 accepts but silently skips (see resources/); announces stack statuses on
EventBridge and performs the Lambda targets of the deploy path natively (see eventbridge.py, standins.py).
"""

from . import cloudformation, eventbridge, standins


def install() -> None:
    cloudformation.install()
    from . import resources

    resources.install()
    eventbridge.install()
    standins.install()


def withhold(resource_types: str) -> None:
    """Serves the given comma-separated resource types without the extension's models (as moto alone would)."""
    for resource_type in filter(None, (name.strip() for name in resource_types.split(","))):
        cloudformation.EXTENSION_MODELS.pop(resource_type, None)
        cloudformation.NATIVE_CUSTOM_RESOURCES.pop(resource_type, None)
