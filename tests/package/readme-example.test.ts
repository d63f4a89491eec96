// The README's quick start runs as written against the built bundle (fewer iterations).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';

test('README "Quick start" example runs and trains', async () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const block = /## Quick start\n[\s\S]*?```ts\n([\s\S]*?)\n```/.exec(readme);
  assert.ok(block, 'README has a "Quick start" code block');
  const bundle = new URL('../../build/index.js', import.meta.url).href;
  let code = block[1].replace(`from 'taynode'`, `from '${bundle}'`);
  assert.ok(code.includes(bundle), 'the example imports from taynode');
  code = code.replace(/iterations: \d+/, 'iterations: 15');
  code += '\nexport const result = { log, stats, z1, again, model };';
  const { result } = await import(`data:text/javascript,${encodeURIComponent(code)}`);
  assert.is(result.log.records.length, 15);
  const losses = result.log.records.map((r: { loss: number }) => r.loss);
  assert.ok(losses[14] < losses[0], `loss fell: ${losses[0]} → ${losses[14]}`);
  assert.ok(result.stats.nfe > 0);
  assert.is(result.z1.length, 100);
  assert.equal(result.again.predict(new Float64Array([0.5])).z1, result.model.predict(new Float64Array([0.5])).z1);
});

test.run();
