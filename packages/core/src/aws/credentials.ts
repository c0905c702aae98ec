import { defaultProvider } from "@aws-sdk/credential-provider-node";

/**
 * What an operator's command needing AWS says when the environment has no credentials: what is missing,
 * how to configure it, and what runs without any. One line, no stack trace.
 */
export function missingCredentialsMessage(command: string): string {
  return (
    `${command} needs AWS credentials and found none (no AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, ` +
    "~/.aws/credentials, SSO session or instance role): configure them with `aws configure` or `aws sso login --profile <p>` " +
    "and `export AWS_PROFILE=<p>`; `pnpm local` and `pnpm rehearse` need none."
  );
}

/**
 * Whether the SDK's default chain (the one the SST CLI and every AWS client here use) finds credentials.
 * Resolving them reads the environment, the shared files, SSO's cache and, last, the instance metadata
 * endpoint; it never calls an AWS API.
 */
export async function findAwsCredentials(): Promise<{ found: true; source: string } | { found: false }> {
  try {
    const credentials = await defaultProvider({ timeout: 1000, maxRetries: 0 })();
    const source = (credentials as { $source?: Record<string, unknown> }).$source;
    return { found: true, source: source ? Object.keys(source).join(", ") : "the default chain" };
  } catch {
    return { found: false };
  }
}
