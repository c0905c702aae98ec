import * as iam from "aws-cdk-lib/aws-iam";
import * as sns from "aws-cdk-lib/aws-sns";
import { EmailSubscription } from "aws-cdk-lib/aws-sns-subscriptions";
import { Config, type StackContext } from "sst/constructs";

/** Environment variable that, at deploy time, names the mailbox alarms are sent to. */
export const ALERTS_EMAIL_VARIABLE = "ALERTS_EMAIL";

/** Where every alarm of the stage is sent: one SNS topic, optionally mailed to the on-call address. */
export function Alerts({ stack, app }: StackContext) {
  const topic = new sns.Topic(stack, "AlarmTopic", {
    topicName: app.logicalPrefixedName("alarms"),
    displayName: `${app.name} ${app.stage} alarms`,
    enforceSSL: true,
  });
  // A topic policy replaces the default one, so CloudWatch must be allowed to publish explicitly.
  topic.addToResourcePolicy(
    new iam.PolicyStatement({
      principals: [new iam.ServicePrincipal("cloudwatch.amazonaws.com")],
      actions: ["sns:Publish"],
      resources: [topic.topicArn],
      conditions: { StringEquals: { "aws:SourceAccount": stack.account } },
    }),
  );

  const email = process.env[ALERTS_EMAIL_VARIABLE];
  if (email) {
    const alertsEmail = new Config.Parameter(stack, ALERTS_EMAIL_VARIABLE, { value: email });
    topic.addSubscription(new EmailSubscription(alertsEmail.value));
  }

  return { topic };
}
