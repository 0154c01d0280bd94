/** `tcpemu replay CAPTURE.pcap`: the command line around lib/real/replay-capture.ts (which knows nothing of it). */
import { readFileSync } from 'node:fs';
import { formatHelp, helpHint, parseCommand, UsageError } from './args.ts';
import { REPLAY_COMMAND } from './commands.ts';
import type { CliIo } from './io.ts';
import { WireError } from '../wire/errors.ts';
import { CaptureInputError, renderCaptureReplay, replayCapture, type CaptureReplay, type Role } from '../real/replay-capture.ts';

export async function replayCaptureCommand(args: string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseCommand(REPLAY_COMMAND, args);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.err(`${err.message}\n`);
    return 2;
  }
  if (parsed.help) {
    io.out(formatHelp(REPLAY_COMMAND));
    return 0;
  }
  const v = parsed.values as { as?: string; profile?: string; brief?: boolean };
  if (parsed.positionals.length !== 1) {
    io.err(`tcpemu replay: name one capture file\n${helpHint(REPLAY_COMMAND)}\n`);
    return 2;
  }
  if (v.as !== undefined && v.as !== 'client' && v.as !== 'server') {
    io.err(`tcpemu replay: --as is client or server, not '${v.as}'\n`);
    return 2;
  }
  if (v.profile !== undefined && v.profile !== 'linux' && v.profile !== 'rfc') {
    io.err(`tcpemu replay: --profile is linux or rfc, not '${v.profile}'\n`);
    return 2;
  }
  const file = parsed.positionals[0];
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    io.err(`${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory, expected a pcap or pcapng capture' : (err as Error).message}\n`);
    return 2;
  }
  let r: CaptureReplay;
  try {
    r = replayCapture(buf, file, { as: v.as as Role | undefined, profile: v.profile as 'linux' | 'rfc' | undefined });
  } catch (err) {
    if (err instanceof WireError || err instanceof CaptureInputError) {
      io.err(`${err.message}\n`);
      return 2;
    }
    throw err;
  }
  io.out(renderCaptureReplay(r, io.color, { frames: !v.brief }));
  return r.ok ? 0 : 1;
}
