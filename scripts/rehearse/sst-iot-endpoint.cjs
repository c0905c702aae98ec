// Preloaded (NODE_OPTIONS=--require) into the SST CLI during a rehearsal: SST's IoT client
// (aws-iot-device-sdk) connects to wss://<IoT data endpoint>/mqtt and has no endpoint setting, so its
// WebSocket URL is pointed at the rehearsal's MQTT broker (REHEARSAL_IOT_ENDPOINT). Nothing else changes.
"use strict";
const Module = require("node:module");

const target = process.env.REHEARSAL_IOT_ENDPOINT;
const originalLoad = Module._load;

Module._load = function load(request, parent, isMain) {
  const loaded = originalLoad.call(this, request, parent, isMain);
  if (target && request === "@httptoolkit/websocket-stream" && typeof loaded === "function") {
    return function websocketToBroker(url, ...rest) {
      return loaded(String(url).replace(/^wss:\/\/[^/]+/, target), ...rest);
    };
  }
  return loaded;
};
