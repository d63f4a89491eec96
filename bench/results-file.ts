// Writes a benchmark's figures as JSON under bench/results/, with the machine and date they came from.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';

export function writeResults(name: string, figures: Record<string, unknown>): string {
  const dir = fileURLToPath(new URL('./results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  const path = `${dir}${name}.json`;
  const meta = { date: new Date().toISOString(), node: process.version, cpu: cpus()[0]?.model, cores: cpus().length };
  writeFileSync(path, JSON.stringify({ ...figures, _meta: meta }, null, 2) + '\n');
  console.log(`wrote ${path}`);
  return path;
}

/** The figures a benchmark last wrote and their _meta (when, where), or none. */
export function readResults(name: string): { figures: Record<string, unknown>; meta?: unknown } {
  const path = fileURLToPath(new URL(`./results/${name}.json`, import.meta.url));
  if (!existsSync(path)) return { figures: {} };
  const { _meta, ...figures } = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  return { figures, meta: _meta };
}
