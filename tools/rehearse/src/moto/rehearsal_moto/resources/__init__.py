"""CloudFormation resource models the rehearsal adds to moto, one module per service.

Importing a module registers its models (see cloudformation.register); `install()` applies the
patches some modules make to moto's own models and APIs.
"""

from . import apigateway, applicationautoscaling, awslambda, cloudwatch, codedeploy, dynamodb, logs, s3, secretsmanager, sns, ssm, xray


# Modules whose import registers their models, and nothing more.
REGISTER_ONLY = (applicationautoscaling, cloudwatch, secretsmanager, sns)


def install() -> None:
    for module in (apigateway, awslambda, codedeploy, dynamodb, logs, s3, ssm, xray):
        module.install()
