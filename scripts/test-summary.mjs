// Reads uvu's output (one "Total/Passed/Skipped" block per run) and prints the closing line CI reads:
// "N passed, N failed, N skipped". A run that crashed before reporting (a test file throwing on import:
// uvu then prints no block at all) counts as one failure, never as a clean "0 failed".
import { readFileSync } from 'node:fs';

// biome-ignore lint/suspicious/noControlCharactersInRegex: strips the runner's ANSI colour codes (ESC [ … m)
const text = readFileSync(process.argv[2], 'utf8').replace(/\x1b\[[0-9;]*m/g, '');
const grab = (label) =>
  [...text.matchAll(new RegExp(`^\\s*${label}:\\s+(\\d+)`, 'gm'))].reduce((s, m) => s + Number(m[1]), 0);
const total = grab('Total');
const passed = grab('Passed');
const skipped = grab('Skipped');
const crashed = total === 0;
// uvu's Total counts the tests it ran; skipped ones are counted apart (test.skip never enters Total).
const failed = crashed ? 1 : total - passed;
if (crashed) console.log('no test results found in the output: the run crashed before reporting');
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
