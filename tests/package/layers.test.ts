// The import graph's rules (scripts/check-layers.mjs): every arrow in src/ points down the layers, and
// the CLI reaches the library only through its public entries.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
// @ts-expect-error: a plain ES module script without declarations
import { checkLayers } from '../../scripts/check-layers.mjs';

test('this repository: no import runs up the layers; the CLI imports only taynode and taynode/infer', () => {
  const problems: string[] = checkLayers();
  assert.equal(problems, [], problems.join('\n'));
});

test('the check finds an arrow up, an unknown folder and a deep import from the CLI', () => {
  const root = mkdtempSync(join(tmpdir(), 'layers-'));
  try {
    const write = (path: string, text: string) => {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    };
    write('src/ode/solve.ts', "import { NeuralOde } from '../model/neural-ode.js';\nimport { x } from './stats.js';\n");
    write('src/ode/stats.ts', 'export const x = 1;\n');
    write('src/model/neural-ode.ts', "import { odeint } from '../ode/solve.js';\nexport class NeuralOde {}\n");
    write('src/misc/thing.ts', 'export const y = 2;\n');
    write(
      'packages/cli/src/main.ts',
      "import { NeuralOde } from 'taynode';\nimport { train } from '../../../src/training/loop.js';\nimport { predict } from 'taynode/src/model/predict.js';\n",
    );
    const problems: string[] = checkLayers(root);
    assert.is(problems.length, 4, problems.join('\n'));
    assert.ok(
      problems.some((p) => p.startsWith('src/ode/solve.ts:1: ode imports ../model/neural-ode.js from model')),
      problems.join('\n'),
    );
    assert.ok(problems.some((p) => p.startsWith('src/misc/thing.ts: folder src/misc is in no layer')));
    assert.ok(
      problems.some((p) =>
        p.startsWith('packages/cli/src/main.ts:2: imports ../../../src/training/loop.js, outside packages/cli/src'),
      ),
    );
    assert.ok(problems.some((p) => p.startsWith('packages/cli/src/main.ts:3: imports taynode/src/model/predict.js')));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test.run();
