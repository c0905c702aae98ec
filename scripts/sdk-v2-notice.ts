/**
 * SST v2 (sst/credentials.js) loads the AWS SDK v2's end-of-support notice only to silence it, and when it
 * is loaded through the ESM loader the silencing misses. The notice is about SST's own dependency (this app
 * uses SDK v3 only): nothing a user of the app can act on. The SDK's documented opt-out, set before SST loads.
 */
process.env.AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE ??= "1";
