// Both ends of a worker's message channel behind one shape, for Node's worker_threads and browsers'
// Web Workers. The Node modules are imported by a computed name, so bundles for browsers and edge
// runtimes neither resolve nor load them.
import { TaynodeError } from '../errors.js';

/** The worker's side: its parent. */
export interface ParentPort {
  post(message: unknown, transfer?: Transferable[]): void;
  listen(onMessage: (message: unknown) => void): void;
}

/** The pool's side: one worker. */
export interface WorkerHandle {
  post(message: unknown, transfer?: Transferable[]): void;
  /** `onMessage` for every message; `onFailure` once if the worker throws uncaught, fails to load or exits */
  listen(onMessage: (message: unknown) => void, onFailure: (reason: string) => void): void;
  terminate(): Promise<void>;
}

interface WebWorkerScope {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  addEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
}

/** The part of a browser's Worker used here (declared locally: @types/node's global Worker is another class). */
interface WebWorker {
  postMessage(message: unknown, transfer: Transferable[]): void;
  addEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
  addEventListener(type: 'error', listener: (event: ErrorEvent) => void): void;
  addEventListener(type: 'messageerror', listener: (event: MessageEvent) => void): void;
  terminate(): void;
}

type NodeWorkerThreads = typeof import('node:worker_threads');

/** node:worker_threads, by a name no bundler follows. */
async function nodeWorkerThreads(): Promise<NodeWorkerThreads> {
  const name = ['node', 'worker_threads'].join(':');
  return (await import(/* @vite-ignore */ /* webpackIgnore: true */ name)) as NodeWorkerThreads;
}

/** True in a browser's (or Deno's) Web Worker. */
function inWebWorker(): boolean {
  const scope = (globalThis as { WorkerGlobalScope?: abstract new () => unknown }).WorkerGlobalScope;
  return typeof scope === 'function' && globalThis instanceof scope;
}

/** True where Web Workers are the way to start threads (browsers, Deno); Node has no global Worker. */
function hasWebWorkers(): boolean {
  return typeof (globalThis as { Worker?: unknown }).Worker === 'function';
}

function isNode(): boolean {
  return typeof process !== 'undefined' && typeof process.versions?.node === 'string';
}

export async function parentPort(): Promise<ParentPort> {
  if (inWebWorker()) {
    const scope = globalThis as unknown as WebWorkerScope;
    return {
      post: (message, transfer = []) => scope.postMessage(message, transfer),
      listen: (onMessage) => scope.addEventListener('message', (event) => onMessage(event.data)),
    };
  }
  if (isNode()) {
    const port = (await nodeWorkerThreads()).parentPort;
    if (port) {
      return {
        post: (message, transfer = []) => port.postMessage(message, transfer as never),
        listen: (onMessage) => {
          port.on('message', onMessage);
        },
      };
    }
  }
  throw new TaynodeError(
    'servePoolWorker: not running in a worker (a Web Worker or a Node worker_threads Worker started by createWorkerPool)',
  );
}

export async function spawnWorker(url: URL): Promise<WorkerHandle> {
  if (hasWebWorkers()) {
    const WorkerClass = (globalThis as unknown as { Worker: new (url: URL, options: { type: 'module' }) => WebWorker })
      .Worker;
    const worker = new WorkerClass(url, { type: 'module' });
    return {
      post: (message, transfer = []) => worker.postMessage(message, transfer),
      listen(onMessage, onFailure) {
        worker.addEventListener('message', (event) => onMessage(event.data));
        // A script that fails to load raises an error event without a message.
        worker.addEventListener('error', (event) => {
          event.preventDefault();
          onFailure(event.message || `the worker script ${url.href} failed to load or threw`);
        });
        worker.addEventListener('messageerror', () => onFailure('a message from the worker could not be read'));
      },
      terminate: async () => {
        worker.terminate();
      },
    };
  }
  if (!isNode())
    throw new TaynodeError("createWorkerPool: this host has neither Web Workers nor Node's worker_threads");
  const { Worker } = await nodeWorkerThreads();
  // Node 20's workers do not run the process's --import preloads (tsx, loaders): a TypeScript worker
  // script (the source tree, under tsx) is started through a bootstrap that imports them first.
  const worker = url.href.endsWith('.ts')
    ? new Worker(TYPESCRIPT_BOOTSTRAP, {
        eval: true,
        workerData: { preloads: importPreloads(process.execArgv), url: url.href },
      })
    : new Worker(url);
  let terminating = false;
  return {
    post: (message, transfer = []) => worker.postMessage(message, transfer as never),
    listen(onMessage, onFailure) {
      worker.on('message', onMessage);
      worker.on('error', (error: Error) => onFailure(error?.message ?? String(error)));
      worker.on('messageerror', () => onFailure('a message from the worker could not be read'));
      worker.on('exit', (code: number) => {
        if (!terminating) onFailure(`the worker exited (code ${code})`);
      });
    },
    async terminate() {
      terminating = true;
      await worker.terminate();
    },
  };
}

const TYPESCRIPT_BOOTSTRAP = `
const { workerData } = require('node:worker_threads');
const { pathToFileURL } = require('node:url');
const resolve = require('node:module').createRequire(process.cwd() + '/').resolve;
(async () => {
  for (const name of workerData.preloads) {
    // tsx registers its hooks only on the main thread when --import'ed; in a worker, through its API.
    if (name === 'tsx') (await import(pathToFileURL(resolve('tsx/esm/api')).href.replace(/\\.cjs$/, '.mjs'))).register();
    else await import(pathToFileURL(resolve(name)).href);
  }
  await import(workerData.url);
})();
`;

/** The modules of --import flags (as `--import x` or `--import=x`). */
function importPreloads(execArgv: readonly string[]): string[] {
  const names: string[] = [];
  execArgv.forEach((arg, i) => {
    if (arg === '--import' && i + 1 < execArgv.length) names.push(execArgv[i + 1]);
    else if (arg.startsWith('--import=')) names.push(arg.slice('--import='.length));
  });
  return names;
}
