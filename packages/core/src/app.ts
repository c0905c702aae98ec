/** The SST app name: prefixes stage resources, SSM paths and secret names. */
export const APP_NAME = "users-api";
/** Region the app deploys to unless AWS_REGION says otherwise. */
export const DEFAULT_REGION = "us-east-1";
