import { fromEnv } from "@aws-sdk/credential-provider-env";

/**
 * What the function bundles use in place of the SDK's default credential chain
 * (`@aws-sdk/credential-provider-node`; see `environmentCredentialsOnly` in packages/functions/src/function-bundling.ts).
 * Lambda gives a function its role's credentials in `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and
 * `AWS_SESSION_TOKEN`; `sst dev` forwards the deployed function's variables to the local worker, and the
 * local runner sets them too. The rest of the chain (SSO, profile files, processes, web identity, IMDS,
 * containers, console sign-in, with the STS, SSO and sign-in clients they need) is never used there.
 */
export const defaultProvider = (init?: Parameters<typeof fromEnv>[0]) => fromEnv(init);
