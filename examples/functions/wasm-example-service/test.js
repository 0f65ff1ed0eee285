// npm test: the module and the adapters as the runtime chains them.
const test = require('node:test');
const assert = require('node:assert');
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const adapter = require('./adapter.js');

test('add(8, 10) is 18 for the js function\'s reply', async () => {
  const { instance } = await WebAssembly.instantiate(readFileSync(join(__dirname, 'add.wasm')));
  const context = { cloudevent: { specversion: '0.3', type: 'dev.nodeshift.samples.fromjs', data: { a: 8, b: 10 } } };
  const result = instance.exports.add(...adapter.toArguments(context));
  assert.equal(result, 18);
  assert.deepEqual(adapter.toResponse(result, context), { result: 18 });
});
