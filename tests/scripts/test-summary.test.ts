// The closing line CI reads, from uvu's output: counts summed, a crash never reads as "0 failed".
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function summarise(output: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'taynode-summary-'));
  try {
    const file = join(dir, 'log.txt');
    writeFileSync(file, output);
    const stdout = execFileSync(process.execPath, ['scripts/test-summary.mjs', file], { encoding: 'utf8' });
    return stdout.trim().split('\n').at(-1)!;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('counts from a colourised uvu block', () => {
  const log =
    '\x1b[1mkernels\x1b[22m • • ✘\n  Total:     12\n\x1b[32m  Passed:    10\x1b[39m\n  Skipped:   1\n  Duration:  3ms\n';
  assert.is(summarise(log), '10 passed, 2 failed, 1 skipped');
});

test("a skipped test is not a failure (uvu's Total leaves skipped tests out)", () => {
  assert.is(summarise('  Total:     5\n  Passed:    5\n  Skipped:   1\n'), '5 passed, 0 failed, 1 skipped');
});

test('a run that crashed before reporting counts as failed', () => {
  assert.is(summarise('Error: import-time crash\n    at file.ts:1:7\n'), '0 passed, 1 failed, 0 skipped');
});

test.run();
