// Reads uvu's output (one "Total/Passed/Skipped" block per run) and prints the closing line CI reads:
// "N passed, N failed, N skipped". Files that crashed before reporting count as failed.
import { readFileSync } from 'node:fs';

const text = readFileSync(process.argv[2], 'utf8').replace(/\x1b\[[0-9;]*m/g, '');
const grab = (label) => [...text.matchAll(new RegExp(`^\\s*${label}:\\s+(\\d+)`, 'gm'))].reduce((s, m) => s + Number(m[1]), 0);
const total = grab('Total');
const passed = grab('Passed');
const skipped = grab('Skipped');
const failed = total - passed - skipped;
if (total === 0) console.log('no test results found in the output');
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
