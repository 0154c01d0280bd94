/**
 * A sweep's worker thread (lib/sweep/index.ts starts it): takes (combination, seed) tasks one at a time
 * from its parent, runs each (run.ts, measure) and sends back its row. It asks for the next task when
 * it is done with one, so a fast thread takes more; the rows are put in order by the parent.
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
port.on('message', (task: Task | null) => {
  if (task === null) {
    port.close();
    return;
  }
  try {
    port.postMessage({ task, row: measure(text, file, settings[task.combo], task.seed) });
  } catch (e) {
    port.postMessage({ task, failure: (e as Error).message });
  }
});
port.postMessage({ ready: true });
