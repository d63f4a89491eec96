#!/usr/bin/env node
// `npm run demo`: serves the live browser demo (demo/) and the library's ESM bundle (build/index.js)
// on 127.0.0.1 and prints the URL. No dependencies: node:http over a fixed set of files.
//   node scripts/demo.mjs [--port N]      (default 8177; 0 picks a free port; PORT works too)
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const demoDir = join(root, 'demo');
const bundle = join(root, 'build', 'index.js');
const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

const argv = process.argv.slice(2);
const portArg = argv.indexOf('--port');
const port = Number(portArg >= 0 ? argv[portArg + 1] : (process.env.PORT ?? 8177));
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(
    `demo: --port must be an integer in [0, 65535], got ${portArg >= 0 ? argv[portArg + 1] : process.env.PORT}`,
  );
  process.exit(2);
}
if (!existsSync(bundle)) {
  console.error('demo: build/index.js is missing; run `npm run build` first');
  process.exit(1);
}

/** The file a request path names: build/index.js, or a file directly inside demo/ (nothing else). */
function resolve(pathname) {
  if (pathname === '/build/index.js') return bundle;
  const name = pathname === '/' ? 'index.html' : pathname.slice(1);
  if (name.includes('/') || name.includes('\\') || name.startsWith('.')) return null;
  const file = normalize(join(demoDir, name));
  return file.startsWith(demoDir + sep) ? file : null;
}

const server = createServer(async (req, res) => {
  let pathname;
  try {
    pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
  } catch {
    pathname = null;
  }
  const file = pathname === null || (req.method !== 'GET' && req.method !== 'HEAD') ? null : resolve(pathname);
  const type = file && TYPES[extname(file)];
  if (!file || !type) {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    return;
  }
  try {
    const body = await readFile(file);
    res
      .writeHead(200, { 'content-type': type, 'cache-control': 'no-store' })
      .end(req.method === 'HEAD' ? undefined : body);
  } catch {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
  }
});
server.on('error', (e) => {
  console.error(
    `demo: cannot listen on 127.0.0.1:${port}: ${e.message}${e.code === 'EADDRINUSE' ? ' (try --port 0)' : ''}`,
  );
  process.exit(1);
});
server.listen(port, '127.0.0.1', () => {
  console.log(`taynode demo: http://127.0.0.1:${server.address().port}/`);
  console.log(
    'options as query parameters: ?iterations=400&lambda=0.05&order=2&every=10&delay=0&batch=256 (Ctrl+C stops)',
  );
});
for (const signal of ['SIGINT', 'SIGTERM'])
  process.on(signal, () => {
    server.close();
    process.exit(0);
  });
