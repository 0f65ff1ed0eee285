import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FirehoseError } from '../../../src/errors.js';
import type { Trigger } from '../../../src/local/eventing/broker.js';
import { loadTriggerFile, parseTriggerYaml } from '../../../src/local/eventing/trigger-yaml.js';
import { FROMJS_SOURCE, FROMJS_TYPE, JS_SOURCE, JS_TYPE, WORKSHOP_TRIGGERS } from './workshop-triggers.js';

describe('Trigger YAML', () => {
  const resolveRef = (kind: string, name: string) => (kind === 'Service' ? `http://127.0.0.1:9/${name}` : undefined);

  it('reads workshop-style Triggers (v1 attributes, v1alpha1 sourceAndType, refs, delivery)', async () => {
    const triggers = await parseTriggerYaml(`${WORKSHOP_TRIGGERS}
apiVersion: eventing.knative.dev/v1alpha1
kind: Trigger
metadata:
  name: old-style
spec:
  filter:
    sourceAndType:
      type: ${JS_TYPE}
      source: Any
  subscriber:
    uri: http://127.0.0.1:8080/old
  delivery:
    retry: 5
    backoffPolicy: linear
    backoffDelay: PT0.5S
    deadLetterSink:
      ref:
        kind: Service
        name: dlq
`, { file: 'triggers.yaml', resolveRef });
    expect(triggers).toEqual<Trigger[]>([
      { name: 'js-trigger', broker: 'default', filter: { type: JS_TYPE, source: JS_SOURCE }, subscriber: 'http://127.0.0.1:9/js-example-service' },
      { name: 'wasm-trigger', broker: 'default', filter: { type: FROMJS_TYPE, source: FROMJS_SOURCE }, subscriber: 'http://127.0.0.1:9/wasm-service' },
      {
        name: 'old-style', broker: 'default', filter: { type: JS_TYPE }, subscriber: 'http://127.0.0.1:8080/old',
        delivery: { retries: 5, backoffPolicy: 'linear', backoffMs: 500, deadLetterUrl: 'http://127.0.0.1:9/dlq' },
      },
    ]);
  });

  const trigger = (spec: string, head = 'apiVersion: eventing.knative.dev/v1\nkind: Trigger\nmetadata:\n  name: t\n') => `${head}spec:\n${spec}`;

  it.each([
    ['malformed YAML', 'spec:\n  filter: [unclosed\n', /^triggers\.yaml: not valid YAML: /],
    ['another kind', 'apiVersion: serving.knative.dev/v1\nkind: Service\nmetadata:\n  name: eventinghello\n', /^triggers\.yaml: is a Service "eventinghello", not a Trigger\.$/],
    ['no subscriber', trigger('  filter:\n    attributes:\n      type: a\n'), /^triggers\.yaml: Trigger "t": spec\.subscriber is missing/],
    ['an unknown ref', trigger('  subscriber:\n    ref:\n      kind: Broker\n      name: b\n'), /^triggers\.yaml: Trigger "t": spec\.subscriber\.ref points to Broker "b", which is not known here\.$/],
    ['a bad uri', trigger('  subscriber:\n    uri: not a url\n'), /spec\.subscriber\.uri "not a url" is not a URL/],
    ['a wrong apiVersion', trigger('  subscriber:\n    uri: http://x/\n', 'apiVersion: v1\nkind: Trigger\nmetadata:\n  name: t\n'), /apiVersion v1 is not supported/],
    ['no name', trigger('  subscriber:\n    uri: http://x/\n', 'apiVersion: eventing.knative.dev/v1\nkind: Trigger\n'), /^triggers\.yaml: the Trigger has no metadata\.name\.$/],
    ['a filter that is a list', trigger('  filter:\n    attributes: [a, b]\n  subscriber:\n    uri: http://x/\n'), /spec\.filter\.attributes must be a mapping/],
    ['not a resource', 'just a string\n', /^triggers\.yaml: not a Kubernetes resource/],
  ])('fails with a one-line message naming the file on %s', async (_what, yaml, message) => {
    const error = await parseTriggerYaml(yaml, { file: 'triggers.yaml', resolveRef }).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(FirehoseError);
    expect((error as FirehoseError).code).toBe('BAD_TRIGGER_YAML');
    expect((error as FirehoseError).message).toMatch(message);
    expect((error as FirehoseError).message).not.toContain('\n');
  });

  it('names the document in a multi-document file, and fails on a ref it cannot resolve at all', async () => {
    await expect(parseTriggerYaml(`${WORKSHOP_TRIGGERS}\nkind: Service\napiVersion: serving.knative.dev/v1\n`, { file: 'all.yaml', resolveRef }))
      .rejects.toThrow(/^all\.yaml \(document 3\): is a Service, not a Trigger\.$/);
    await expect(parseTriggerYaml(WORKSHOP_TRIGGERS, { file: 'all.yaml' }))
      .rejects.toThrow(/^all\.yaml: Trigger "js-trigger": spec\.subscriber\.ref points to Service "js-example-service", which cannot be resolved here\.$/);
    expect(await parseTriggerYaml(`${WORKSHOP_TRIGGERS}\nkind: Service\napiVersion: serving.knative.dev/v1\n`, { resolveRef, skipOtherKinds: true })).toHaveLength(2);
  });

  it('loads a file, and reports one that is missing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'firehose-triggers-'));
    try {
      const path = join(dir, 'trigger.yaml');
      await writeFile(path, trigger('  subscriber:\n    uri: http://127.0.0.1:8080/\n'));
      expect(await loadTriggerFile(path)).toEqual([{ name: 't', broker: 'default', filter: {}, subscriber: 'http://127.0.0.1:8080/' }]);
      await expect(loadTriggerFile(join(dir, 'missing.yaml'))).rejects.toThrow(/missing\.yaml: cannot read: ENOENT/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
