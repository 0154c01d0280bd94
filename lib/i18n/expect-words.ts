/**
 * An expectation's words in a language (issue 26). The scenario runner and the expect checks
 * (lib/scenario/expect.ts, runner.ts) write each result's `what` and `detail` in English, and
 * other code reads them (tcpemu real pairs the model's and the kernel's results by `what`), so they
 * stay as they are; this file words them for a reader: each known shape of line, matched whole,
 * becomes a catalogue message whose parameters are the numbers, names, states and segments it held.
 * A line of no known shape is left as written (the scenario's own text, a segment in tcpdump's words).
 */
import { msg, type Lang, type MessageKey } from './index.ts';

/** Shapes of lines, in the English the checks write; each capture group is a parameter a, b, c, d in order. */
const WHAT: readonly (readonly [RegExp, MessageKey])[] = [
  [/^segments$/, 'expect.what.segments'],
  [/^states (\S+)$/, 'expect.what.states'],
  [/^delivered (\S+)$/, 'expect.what.delivered'],
  [/^error (\S+)$/, 'expect.what.error'],
  [/^at ([^:]+): (\S+) (\S+) in (\S+)$/, 'expect.what.atState'],
  [/^at ([^:]+): (\S+) (\S+) delivered (\d+) bytes$/, 'expect.what.atDelivered'],
  [/^at ([^:]+): step "(.*)"$/, 'expect.what.atStep'],
  [/^step "(.*)" on "(.*)"$/, 'expect.what.onStep'],
  // the trace's own expect events (an `expect` step at its time): the same without the time
  [/^(\S+) (\S+) in (\S+)$/, 'expect.what.state'],
  [/^(\S+) (\S+) delivered (\d+) bytes$/, 'expect.what.deliveredNow'],
  [/^step "(.*)"$/, 'expect.what.step'],
];

const DETAIL: readonly (readonly [RegExp, MessageKey])[] = [
  [/^(\d+) segments? matched (\d+) lines?$/, 'expect.d.matched'],
  [/^(\d+) bytes: (".*")$/, 'expect.d.bytesText'],
  [/^(\d+) bytes$/, 'expect.d.bytes'],
  [/^(\S+) saw (\S+)$/, 'expect.d.saw'],
  [/^expected (\S+); (\S+) saw no error$/, 'expect.d.sawNone'],
  [/^expected (\S+); (\S+) saw (.+)$/, 'expect.d.sawOther'],
  [/^expected (\d+) bytes, (\S+) read (\d+)$/, 'expect.d.readCount'],
  [/^expected (\d+) bytes (".*")$/, 'expect.d.expectedText'],
  [/^( *)actual {3}(\d+) bytes (".*")$/, 'expect.d.actualText'],
  [/^( *)first difference at byte (\d+)$/, 'expect.d.firstDiff'],
  [/^expected: (.*)$/, 'expect.d.expectedStates'],
  [/^( *)actual: {3}\((\S+) had no connection\)$/, 'expect.d.noConnection'],
  [/^( *)actual: {3}(.*)$/, 'expect.d.actualStates'],
  [/^( *)state (\d+) differs: expected (\S+), got (\S+)$/, 'expect.d.stateDiffers'],
  [/^( *)the connection stopped at (\S+); expected next (\S+)$/, 'expect.d.stopped'],
  [/^( *)the connection went on to (\S+)$/, 'expect.d.wentOn'],
  [/^expected (\S+), but it is (\S+)$/, 'expect.d.stateNow'],
  [/^expected (\d+) bytes delivered, but (\d+) were$/, 'expect.d.deliveredNow'],
  [/^line (\d+) did not match$/, 'expect.d.lineNoMatch'],
  [/^( *)expected \(line (\d+)\): {2}(.*)$/, 'expect.d.expectedLine'],
  [/^( *)actual \(t=([^,]+), segment (\d+)\): {2}(.*)$/, 'expect.d.actualSegment'],
  [/^( *)actual \(t=([^)]+)\): {2}(.*)$/, 'expect.d.actualAt'],
  [/^( *)actual: {2}no segment left \((\d+) were sent\)$/, 'expect.d.noneLeft'],
  [/^( *)differs in: (.*) \(the closest segment after the \.\.\.; none matched\)$/, 'expect.d.differsAfterAny'],
  [/^( *)differs in: (.*)$/, 'expect.d.differs'],
  [/^( *)lines not reached:$/, 'expect.d.notReached'],
  [/^segment (\d+) of (\d+) was sent after the last line matched; nothing is left to match it$/, 'expect.d.extra'],
  [/^( *)and (\d+) more segments? after it$/, 'expect.d.more'],
  [/^( *)end the list with \.\.\. to allow more segments$/, 'expect.d.endWithAny'],
];

function wordLine(line: string, shapes: readonly (readonly [RegExp, MessageKey])[], lang: Lang): string {
  for (const [re, key] of shapes) {
    const m = re.exec(line);
    if (m === null) continue;
    const [, a = '', b = '', c = '', d = ''] = m;
    return msg(lang, key, { a, b, c, d });
  }
  return line;
}

/** What an expectation checked, in `lang` (the English as written for English). */
export function expectationWhat(what: string, lang: Lang): string {
  return lang === 'en' ? what : wordLine(what, WHAT, lang);
}

/** What an expectation found, line by line, in `lang` (the English as written for English). */
export function expectationDetail(detail: string, lang: Lang): string {
  return lang === 'en' ? detail : detail.split('\n').map((l) => wordLine(l, DETAIL, lang)).join('\n');
}
