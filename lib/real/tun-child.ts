/**
 * The program lib/real/tun.ts starts inside its network namespace, through lib/real/tun-helper.py,
 * with the TUN device open as fd 3:  node --import tsx tun-child.ts 'OPTIONS-JSON'
 * It runs one conversation (lib/real/tun-dialogue.ts) and prints the report as one JSON line on
 * stdout; a failure outside the conversation prints { "fatal": message } and exits 1.
 */
import { runDialogue, type DialogueOptions } from './tun-dialogue.ts';
import { runBulk, type BulkOptions } from './tun-bulk.ts';

const TUN_FD = 3;

try {
  // A bulk transfer over a lossy path (lib/real/tun-bulk.ts) when the options say `mode: 'bulk'`, else the conversation.
  const opts = JSON.parse(process.argv[2] ?? '{}') as Omit<DialogueOptions, 'fd'> | (Omit<BulkOptions, 'fd'> & { mode: 'bulk' });
  const report = 'mode' in opts ? await runBulk({ ...opts, fd: TUN_FD }) : await runDialogue({ ...opts, fd: TUN_FD });
  process.stdout.write(`${JSON.stringify(report)}\n`);
} catch (err) {
  process.stdout.write(`${JSON.stringify({ fatal: err instanceof Error ? `${err.name}: ${err.message}` : String(err) })}\n`);
  process.exitCode = 1;
}
// Everything the conversation opened is closed by now, so Node exits by itself; if something still
// holds the event loop, say so and go (the parent would otherwise wait for its own bound).
setTimeout(() => {
  process.stderr.write('tun-child: still running 2 s after the report (a handle left open); exiting\n');
  process.exit(process.exitCode ?? 0);
}, 2000).unref();
