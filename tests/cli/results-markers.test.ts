// The committed results folders are outputs of their commands (a marker naming the command and its
// files), so re-running a command into its folder (e.g. `taynode mnist --out results/mnist`) needs no
// --force and replaces the command's files, keeping the PNG copies made beside them.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { readMarker } from '../../packages/cli/src/output-marker.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const FOLDERS = {
  mnist: 'mnist',
  cnf: 'cnf',
  'cnf-mixture16': 'cnf',
  latent: 'latent',
  toy: 'toy',
  'solver-order': 'solver-order',
};

for (const [folder, command] of Object.entries(FOLDERS)) {
  test(`results/${folder} is an output of taynode ${command}, listing files that exist and no PNG copy`, () => {
    const dir = join(root, 'results', folder);
    const marker = readMarker(dir);
    assert.ok(marker, `results/${folder} has a marker`);
    assert.is(marker!.command, command);
    assert.ok(marker!.files.length > 0);
    for (const f of marker!.files) {
      assert.ok(existsSync(join(dir, f)), `${f} exists`);
      assert.not.ok(f.endsWith('.png'), `${f}: PNG copies are not the command's (scripts/svg-to-png.sh)`);
    }
  });
}

test.run();
