// npm test: the function with a context like the one the runtime passes it.
const test = require('node:test');
const assert = require('node:assert');
const fn = require('./index.js');

test('replies to the seed\'s event with a dev.nodeshift.samples.fromjs event', async () => {
  const reply = await fn({
    cloudevent: {
      specversion: '0.3',
      id: '536808d3-88be-4077-9d7a-a3f162705f79',
      type: 'dev.nodeshift.samples.js-example',
      source: 'dev.nodeshift.samples/js-example-source',
      data: { msg: 'Message to js-example-service' },
    },
    __ow_headers: { 'content-type': 'application/json' },
  });
  assert.equal(reply.type, 'dev.nodeshift.samples.fromjs');
  assert.equal(reply.source, 'nodeshift/samples/js-example-service');
  assert.deepEqual(reply.data, { a: 8, b: 10 });
});
