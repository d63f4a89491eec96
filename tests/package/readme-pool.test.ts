// The worker pool guide's example (docs/guide/pool.md) runs as written against the built bundle (fewer iterations), its
// pool's workers started from build/pool-worker.js.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';

test('docs/guide/pool.md example trains across 2 workers, takes a step by hand and predicts from saved bytes', async () => {
  const guide = readFileSync(new URL('../../docs/guide/pool.md', import.meta.url), 'utf8');
  const block = /# Both cores: a worker pool\n```ts\n([\s\S]*?)\n```/.exec(guide);
  assert.ok(block, 'docs/guide/pool.md starts with its code block');
  const bundle = new URL('../../build/index.js', import.meta.url).href;
  let code = block[1].replace(`from 'taynode'`, `from '${bundle}'`);
  assert.ok(code.includes(bundle), 'the example imports from taynode');
  code = code.replace(/iterations: \d+/, 'iterations: 8');
  code += '\nexport const result = { log, step, output, model, inputs };';
  const { result } = await import(`data:text/javascript,${encodeURIComponent(code)}`);
  const losses = result.log.records.map((r: { loss: number }) => r.loss);
  assert.is(losses.length, 8);
  assert.ok(losses.every(Number.isFinite) && losses[7] < losses[0], `loss fell: ${losses[0]} → ${losses[7]}`);
  assert.equal(
    result.step.shards.map((s: { rows: number }) => s.rows),
    [100, 100],
  );
  assert.is(result.output.length, 200 * 2);
  // With shared steps (the default) the pooled prediction is the batch's: the model's single-thread prediction of all 200 rows.
  const whole = result.model.predict(result.inputs).output as Float64Array;
  const diff = Math.max(...Array.from(whole, (v, i) => Math.abs(v - result.output[i])));
  assert.ok(diff < 1e-13, `outputs differ from the single-thread batch prediction by ${diff}`);
  // Each half alone takes other steps: the pooled outputs are not those (a test that could tell the modes apart).
  const half = result.model.predict(result.inputs.slice(0, 200)).output as Float64Array;
  assert.ok(
    Math.max(...Array.from(half, (v, i) => Math.abs(v - result.output[i]))) > 1e-12,
    'not the first half solved alone',
  );
});

test.run();
