// Progress for long commands: a cli-progress bar on a terminal; elsewhere (CI logs, pipes, files) one
// plain line at most every `intervalMs` and at the end, so a run's progress is visible where no
// terminal redraws a bar.
import cliProgress from 'cli-progress';

export interface Progress {
  start(total: number, payload: Record<string, string | number>): void;
  update(value: number, payload: Record<string, string | number>): void;
  stop(): void;
}

export interface ProgressOptions {
  /** cli-progress format, e.g. '{name} [{bar}] {value}/{total} | loss {loss}' */
  format: string;
  /** false: report nothing */
  enabled?: boolean;
  /** a terminal gets the bar (default: process.stderr.isTTY) */
  tty?: boolean;
  /** plain mode: least time between lines */
  intervalMs?: number;
  /** bar mode: updates the remaining-time estimate averages over (cli-progress etaBuffer) */
  etaBuffer?: number;
  /** plain mode: where lines go (default stderr) */
  write?: (line: string) => void;
}

export function createProgress(options: ProgressOptions): Progress {
  if (options.enabled === false) return { start() {}, update() {}, stop() {} };
  if (options.tty ?? process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      { format: options.format, hideCursor: true, ...(options.etaBuffer ? { etaBuffer: options.etaBuffer } : {}) },
      cliProgress.Presets.shades_classic,
    );
    return {
      start: (total, payload) => bar.start(total, 0, payload),
      update: (v, payload) => bar.update(v, payload),
      stop: () => bar.stop(),
    };
  }
  const write = options.write ?? ((line: string) => process.stderr.write(line + '\n'));
  const interval = options.intervalMs ?? 10_000;
  const format = options.format.replace(/\s*\[\{bar\}\]\s*/, ' ').replace(/\s*\|?\s*\{eta_formatted\}[^|]*$/, '');
  let total = 0,
    value = 0,
    last = -Infinity,
    payload: Record<string, string | number> = {};
  const line = () =>
    format.replace(/\{(\w+)\}/g, (_, key: string) =>
      String(key === 'value' ? value : key === 'total' ? total : (payload[key] ?? '')),
    );
  return {
    start(t, p) {
      total = t;
      value = 0;
      payload = p;
      last = -Infinity;
    },
    update(v, p) {
      value = v;
      payload = { ...payload, ...p };
      const now = Date.now();
      if (now - last >= interval) {
        write(line());
        last = now;
      }
    },
    stop() {
      write(line());
    },
  };
}
