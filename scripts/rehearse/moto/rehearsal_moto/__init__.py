"""Extensions that make moto_server a faithful enough target for rehearsing `sst deploy`.

`install()` must run before moto's server starts. It makes moto's CloudFormation strict (see
cloudformation.py) and registers CloudFormation resource models, backed by moto's own service backends,
for the types moto 5.2 accepts but silently skips (see resources/).
"""

from . import cloudformation


def install() -> None:
    cloudformation.install()
    from . import resources

    resources.install()
