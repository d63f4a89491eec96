// The built CLI prints the package's version (read from package.json, never copied by hand).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

test("taynode --version prints package.json's version", () => {
  const cli = new URL('../../build/cli.js', import.meta.url).pathname;
  const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
  assert.is(execFileSync(process.execPath, [cli, '--version'], { encoding: 'utf8' }).trim(), version);
});

test.run();
