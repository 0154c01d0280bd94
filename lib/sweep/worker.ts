/**
 * A sweep's worker thread (lib/sweep/index.ts starts it): takes (combination, seed) tasks from its
 * parent, runs each in turn (run.ts, measure) and sends back its row; the parent hands out a new task for
 * each row it gets, so a fast thread takes more, and puts the rows in order.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { measure, type Setting } from './run.ts';

interface Data {
  text: string;
  file: string;
  settings: Setting[];
}

export interface Task {
  combo: number;
  seed: number;
}

const { text, file, settings } = workerData as Data;
const port = parentPort!;
port.on('message', (task: Task) => {
  try {
    port.postMessage({ task, row: measure(text, file, settings[task.combo], task.seed) });
  } catch (e) {
    port.postMessage({ task, failure: (e as Error).message });
  }
});
port.postMessage({ ready: true });
