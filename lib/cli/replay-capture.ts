/** `tcpemu replay CAPTURE.pcap`: the command line around lib/real/replay-capture.ts (which knows nothing of it). */
import { readFileSync } from 'node:fs';
import { formatHelp, parseCommand, UsageError } from './args.ts';
import { resolveLang } from './learner.ts';
import { langOfArgs, msg, word, type Lang, type MessageKey, type Params } from '../i18n/index.ts';
import { wireErrorText } from '../i18n/wire-words.ts';
import { REPLAY_COMMAND } from './commands.ts';
import type { CliIo } from './io.ts';
import { WireError } from '../wire/errors.ts';
import { CaptureInputError, renderCaptureReplay, replayCapture, type CaptureReplay, type Role } from '../real/replay-capture.ts';

export async function replayCaptureCommand(args: string[], io: CliIo): Promise<number> {
  // The language of the messages (issue 26): --lang when given, else the environment's.
  let lang: Lang = langOfArgs(args);
  let parsed;
  try {
    parsed = parseCommand(REPLAY_COMMAND, args);
    if (!parsed.help) lang = resolveLang(parsed.values.lang as string | undefined, 'tcpemu replay');
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.err(`${err.text && lang !== 'en' ? word(lang, err.text) : err.message}\n`);
    return 2;
  }
  if (parsed.help) {
    io.out(formatHelp(REPLAY_COMMAND, lang));
    return 0;
  }
  const usage = (key: MessageKey, params?: Params) => `tcpemu replay: ${msg(lang, key, params)}\n`;
  const v = parsed.values as { as?: string; profile?: string; brief?: boolean };
  if (parsed.positionals.length !== 1) {
    io.err(`${usage('cap.nameOne')}${msg(lang, 'usage.hint', { command: 'tcpemu replay' })}\n`);
    return 2;
  }
  if (v.as !== undefined && v.as !== 'client' && v.as !== 'server') {
    io.err(usage('cap.badAs', { value: v.as }));
    return 2;
  }
  if (v.profile !== undefined && v.profile !== 'linux' && v.profile !== 'rfc') {
    io.err(usage('cap.badProfile', { value: v.profile }));
    return 2;
  }
  const file = parsed.positionals[0];
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    io.err(`${code === 'ENOENT' ? msg(lang, 'file.noSuch', { file }) : code === 'EISDIR' ? msg(lang, 'cap.isDir', { file }) : `${file}: ${(err as Error).message}`}\n`);
    return 2;
  }
  let r: CaptureReplay;
  try {
    r = replayCapture(buf, file, { as: v.as as Role | undefined, profile: v.profile as 'linux' | 'rfc' | undefined });
  } catch (err) {
    if (err instanceof WireError || err instanceof CaptureInputError) {
      io.err(`${err instanceof CaptureInputError && err.text ? word(lang, err.text) : err instanceof WireError ? wireErrorText(lang, err) : err.message}\n`);
      return 2;
    }
    throw err;
  }
  io.out(renderCaptureReplay(r, io.color, { frames: !v.brief, lang }));
  return r.ok ? 0 : 1;
}
