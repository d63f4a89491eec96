// The worker script a WorkerPool starts from the source tree (under tsx, as the tests run);
// the package's build/pool-worker.js does the same from the bundle.
import { servePoolWorker } from './serve.js';

await servePoolWorker();
