/** Runs `serve` or `connect` with this process's stdio, as bin/tcpemu.ts does: `tsx test/udp/run-cli.ts serve --udp ...`. */
import { connect, serve } from '../../lib/cli/udp-chat.ts';

const [cmd, ...args] = process.argv.slice(2);
if (cmd !== 'serve' && cmd !== 'connect') {
  process.stderr.write('usage: run-cli.ts serve|connect ARGS...\n');
  process.exitCode = 2;
} else {
  process.exitCode = await (cmd === 'serve' ? serve : connect)(args, process);
}
