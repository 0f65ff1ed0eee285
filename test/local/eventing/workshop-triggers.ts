// Seed 003's Trigger YAML and the event types it filters on, shared by the broker and Trigger YAML tests.
export const JS_TYPE = 'dev.nodeshift.samples.js-example';
export const JS_SOURCE = 'dev.nodeshift.samples/js-example-source';
export const FROMJS_TYPE = 'dev.nodeshift.samples.fromjs';
export const FROMJS_SOURCE = 'nodeshift/samples/js-example-service';

/** Seed 003's Triggers: the js function's, and the wasm one that filters on the js function's reply. */
export const WORKSHOP_TRIGGERS = `
apiVersion: eventing.knative.dev/v1
kind: Trigger
metadata:
  name: js-trigger
  namespace: user7
spec:
  broker: default
  filter:
    attributes:
      type: ${JS_TYPE}
      source: ${JS_SOURCE}
  subscriber:
    ref:
      apiVersion: serving.knative.dev/v1
      kind: Service
      name: js-example-service
---
apiVersion: eventing.knative.dev/v1beta1
kind: Trigger
metadata:
  name: wasm-trigger
spec:
  filter:
    attributes:
      type: ${FROMJS_TYPE}
      source: ${FROMJS_SOURCE}
  subscriber:
    ref:
      apiVersion: serving.knative.dev/v1
      kind: Service
      name: wasm-service
---
`;
