/**
 * The step grammar: `{ at: TIME | on: EVENT, HOST: COMMAND }` and the host commands inside the string
 * (listen, connect, send, shutdown, close, abort, read, expect), parsed token by token so that an
 * error's column points into the string.
 */
import { TCP_STATES } from '../trace/events.ts';
import type { ScenarioError } from './errors.ts';
import { EVENT_STEP_KEYS, parseEventKeys } from './events.ts';
import { parseInject } from './inject.ts';
import { MAX_SEND_BYTES } from './limits.ts';
import { parseSegmentLine } from './segments.ts';
import { describeText, hostList, nearest, parseState, tokenize, unknownHostHint, unknownHostHintText, withText, withUnitText, wordedErr, type Source, type Token } from './source.ts';
import { formatDuration, parseDuration, parseSize, UnitError } from './units.ts';
import type { Command, HostPlan, StepPlan } from './plan.ts';
import type { MessageKey, Msg } from '../i18n/index.ts';

// ---------------------------------------------------------------------------------------------
// Commands

const USAGE: Record<string, string> = {
  listen: 'listen PORT [backlog N]',
  connect: 'connect HOST:PORT [from PORT] [as NAME]',
  send: 'send [@CONN] "TEXT"  or  send [@CONN] BYTES (e.g. send 100000, send 64k)',
  shutdown: 'shutdown [@CONN]',
  close: 'close [@CONN]',
  abort: 'abort [@CONN]',
  read: 'read [@CONN] N|all',
  expect: 'expect [@CONN] state STATE  or  expect [@CONN] delivered N',
};
export const HOST_COMMANDS = Object.keys(USAGE);
/** A command's usage line as a message (issue 26): the syntax stays, the words around it are the language's. */
const usageText = (verb: string): Msg => ({ key: `st.usage.${verb}` as MessageKey });
const CONN_NAME = /^[\p{L}_][\p{L}\p{M}\p{N}_-]*$/u;

function parsePort(tok: Token | undefined, what: Msg, verb: string, err: (idx: number, m: string, h?: string) => ScenarioError, end: number): number {
  const fail = wordedErr(err);
  if (!tok) throw fail(end, { key: 'st.needs', params: { verb, what } }, usageText(verb));
  if (!/^[0-9]+$/.test(tok.text) || Number(tok.text) < 1 || Number(tok.text) > 65535) {
    throw fail(tok.start, { key: 'inj.notPort', params: { port: tok.text } }, { key: 'unit.h.withUsage', params: { hint: { key: 'inj.h.port' }, usage: usageText(verb) } });
  }
  return Number(tok.text);
}

function parseHostCommand(text: string, err: (idx: number, m: string, h?: string) => ScenarioError, hosts: readonly HostPlan[], self: string): Command {
  const toks = tokenize(text, err);
  const fail = wordedErr(err);
  if (toks.length === 0) throw withText(err(0, 'the command is empty', `one of: ${HOST_COMMANDS.join(', ')}`), { key: 'sc.emptyCommand' }, { key: 'sc.oneOfColon', params: { list: HOST_COMMANDS.join(', ') } });
  const verb = toks[0].text;
  if (!(verb in USAGE)) {
    const n = nearest(verb, HOST_COMMANDS);
    throw fail(toks[0].start, { key: 'sc.unknownCommand', params: { verb } }, n ? { key: 'sc.didYouMean', params: { n, list: usageText(n) } } : { key: 'sc.commandList', params: { list: HOST_COMMANDS.join(', ') } });
  }
  let rest = toks.slice(1);
  let conn: string | undefined;
  if (rest[0]?.text.startsWith('@') && !rest[0].quoted) {
    const name = rest[0].text.slice(1);
    if (verb === 'listen' || verb === 'connect') throw fail(rest[0].start, { key: 'st.noConn', params: { verb } }, usageText(verb));
    if (!CONN_NAME.test(name)) throw fail(rest[0].start, { key: 'inj.badConn', params: { conn: rest[0].text } }, { key: 'st.h.conn' });
    conn = name;
    rest = rest.slice(1);
  }
  const end = text.length;
  const noMore = (from: number) => {
    if (rest.length > from) throw fail(rest[from].start, { key: 'on.unexpected', params: { word: rest[from].text, ev: verb } }, usageText(verb));
  };
  const withConn = <T extends object>(c: T): T => (conn === undefined ? c : { ...c, conn });
  const sizeArg = (tok: Token | undefined, what: Msg): number => {
    if (!tok) throw fail(end, { key: 'st.needs', params: { verb, what } }, usageText(verb));
    try {
      return parseSize(tok.text);
    } catch (e) {
      throw withUnitText(err(tok.start, (e as UnitError).message, `${(e as UnitError).hint}; ${USAGE[verb]}`), e as UnitError, undefined, usageText(verb));
    }
  };

  switch (verb) {
    case 'listen': {
      const port = parsePort(rest[0], { key: 'st.a.port' }, verb, err, end);
      if (rest.length === 1) return { op: 'listen', port };
      if (rest[1].text !== 'backlog') throw fail(rest[1].start, { key: 'on.unexpected', params: { word: rest[1].text, ev: `listen ${port}` } }, usageText('listen'));
      const b = rest[2];
      if (!b || !/^[0-9]+$/.test(b.text) || Number(b.text) < 1 || Number(b.text) > 65535) {
        throw fail(b ? b.start : end, { key: 'st.backlog' }, usageText('listen'));
      }
      noMore(3);
      return { op: 'listen', port, backlog: Number(b.text) };
    }
    case 'connect': {
      const t = rest[0];
      if (!t) throw fail(end, { key: 'st.needs', params: { verb, what: 'HOST:PORT' } }, usageText('connect'));
      const colon = t.text.lastIndexOf(':');
      if (colon <= 0) throw fail(t.start, { key: 'st.notHostPort', params: { text: t.text } }, { key: 'bnk.h.eg', params: { example: `connect ${hosts.find((h) => h.name !== self)?.name ?? 'server'}:80` } });
      const hostText = t.text.slice(0, colon);
      // A host by name, or by its address.
      const target = hosts.find((h) => h.name === hostText) ?? hosts.find((h) => h.addrText === hostText);
      if (!target) throw withText(err(t.start, `connect to "${hostText}", which is not a host of this scenario`, unknownHostHint(hostText, hosts.map((h) => h.name))), { key: 'sc.connectUnknown', params: { host: hostText } }, unknownHostHintText(hostText, hosts.map((h) => h.name)));
      const port = parsePort({ ...t, text: t.text.slice(colon + 1), start: t.start + colon + 1 }, { key: 'st.a.port' }, verb, err, end);
      const cmd: Command & { op: 'connect' } = { op: 'connect', host: target.name, port };
      for (let i = 1; i < rest.length; i += 2) {
        const k = rest[i];
        if (k.text === 'from' && cmd.fromPort === undefined) {
          cmd.fromPort = parsePort(rest[i + 1], { key: 'st.a.portAfterFrom' }, verb, err, end);
        } else if (k.text === 'as' && cmd.as === undefined) {
          const n = rest[i + 1];
          if (!n || !CONN_NAME.test(n.text)) throw fail(n ? n.start : end, { key: 'st.asName' }, { key: 'st.h.asName' });
          cmd.as = n.text;
        } else {
          throw fail(k.start, { key: 'st.unexpectedIn', params: { word: k.text, verb } }, usageText('connect'));
        }
      }
      return cmd;
    }
    case 'send': {
      const t = rest[0];
      if (!t) throw fail(end, { key: 'st.needs', params: { verb, what: { key: 'st.a.textOrBytes' } } }, usageText('send'));
      noMore(1);
      if (t.quoted) return withConn({ op: 'send', data: { text: t.value! } });
      if (!/^[0-9.]/.test(t.text)) {
        throw withText(err(t.start, `send ${t.text}: text must be in quotes`, `send ${JSON.stringify(t.text)} (or send '${t.text.replaceAll("'", '')}')`),
          { key: 'sc.sendQuotes', params: { text: t.text } }, { key: 'sc.h.sendQuotes', params: { json: JSON.stringify(t.text), single: t.text.replaceAll("'", '') } });
      }
      return withConn({ op: 'send', data: { bytes: sizeArg(t, { key: 'st.a.bytes' }) } });
    }
    case 'shutdown':
    case 'close':
    case 'abort':
      noMore(0);
      return withConn({ op: verb });
    case 'read': {
      const t = rest[0];
      if (t?.text === 'all') {
        noMore(1);
        return withConn({ op: 'read', count: 'all' });
      }
      const n = sizeArg(t, { key: 'st.a.bytesOrAll' });
      if (n < 1) throw fail(t!.start, { key: 'on.readAtLeast1' }, usageText('read'));
      noMore(1);
      return withConn({ op: 'read', count: n });
    }
    case 'expect': {
      const kind = rest[0];
      if (kind?.text === 'state') {
        const s = rest[1];
        if (!s) throw fail(end, { key: 'st.needs', params: { verb: 'expect state', what: { key: 'st.a.state' } } }, { key: 'sc.oneOfColon', params: { list: TCP_STATES.join(' ') } });
        const state = parseState(s.text, (m, h) => err(s.start, m, h));
        noMore(2);
        return withConn({ op: 'expect-state', state });
      }
      if (kind?.text === 'delivered') {
        const n = sizeArg(rest[1], { key: 'st.a.bytes' });
        noMore(2);
        return withConn({ op: 'expect-delivered', bytes: n });
      }
      const n = kind && nearest(kind.text, ['state', 'delivered']);
      throw fail(kind ? kind.start : end, kind ? { key: 'st.unknownExpect', params: { kind: kind.text } } : { key: 'st.needs', params: { verb, what: { key: 'st.a.stateOrDelivered' } } },
        n ? { key: 'sc.didYouMean', params: { n, list: usageText('expect') } } : usageText('expect'));
    }
  }
  throw fail(0, { key: 'sc.unknownCommand', params: { verb } });
}


// ---------------------------------------------------------------------------------------------
// Steps


export function buildSteps(src: Source, raw: unknown[], hosts: readonly HostPlan[], untilMs: number, onSteps: StepPlan[] = []): StepPlan[] {
  const names = hosts.map((h) => h.name);
  const out: StepPlan[] = [];
  let sendBytes = 0;
  raw.forEach((step, i) => {
    const path = ['steps', i];
    if (step === null || typeof step !== 'object' || Array.isArray(step)) {
      throw src.worded(src.at(path), { key: 'st.notMapping', params: { n: i + 1, found: describeText(step) } }, { key: 'st.h.notMapping' });
    }
    let atMs: number | undefined;
    let target: string | undefined;
    const eventKeys: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(step as Record<string, unknown>)) {
      // on:, after:, every: (steps on events) are checked in lib/scenario/events.ts.
      if ((EVENT_STEP_KEYS as readonly string[]).includes(key)) {
        eventKeys[key] = value;
        continue;
      }
      if (key === 'at') {
        try {
          atMs = parseDuration(value);
        } catch (e) {
          throw withUnitText(src.error(src.at([...path, 'at']), `at: ${(e as UnitError).message}`, (e as UnitError).hint), e as UnitError, 'at');
        }
        continue;
      }
      if (key !== 'link' && !names.includes(key)) {
        const isCmd = nearest(key, HOST_COMMANDS) === key;
        // In { ... } a comma ends the value, so `send "a, b"` splits into a command and a stray key.
        const split = /["\s]/.test(key);
        throw withText(src.error(src.keyAt(path, key), `step names unknown host "${key}"`,
          split ? 'inside { } a comma ends the command: put the whole command in single quotes, e.g. client: \'send "a, b"\''
            : isCmd ? `a step is { at: TIME, HOST: ${key} ... }; ${hostList(names)}` : unknownHostHint(key, [...names, 'link'])),
        { key: 'sc.stepUnknownHost', params: { key } },
        split ? { key: 'sc.h.commaSplit' } : isCmd ? { key: 'sc.h.stepShape', params: { key, hosts: { key: 'sc.hostList', params: { names: names.join(', ') } } } } : unknownHostHintText(key, [...names, 'link']));
      }
      if (target !== undefined) {
        throw src.worded(src.keyAt(path, key), { key: 'st.twoTargets', params: { a: target, b: key } }, { key: 'st.h.twoTargets' });
      }
      target = key;
    }
    const on = parseEventKeys(eventKeys, atMs !== undefined, {
      hosts: names, parseSize,
      err: (key, idx, m, h) => src.error(key in eventKeys ? src.inScalar(src.nodeAt([...path, key]).node, idx) : src.at(path), m, h),
    });
    if (atMs === undefined && on === undefined) throw src.worded(src.at(path), { key: 'sc.noAt', params: { n: i + 1 } }, { key: 'sc.h.noAt' });
    if (target === undefined) {
      throw src.worded(src.at(path), { key: 'st.noHost', params: { n: i + 1 } },
        { key: 'st.h.noHost', params: { example: `{ ${atMs === undefined ? `on: "${on!.text}"` : `at: ${formatDuration(atMs)}`}, ${names[0]}: close }`, hosts: { key: 'sc.hostList', params: { names: names.join(', ') } } } });
    }
    if (atMs !== undefined && atMs > untilMs) {
      throw src.worded(src.at([...path, 'at']), { key: 'sc.afterEnd', params: { at: formatDuration(atMs), until: formatDuration(untilMs) } }, { key: 'sc.h.afterEnd', params: { until: formatDuration(untilMs) } });
    }
    const valueNode = src.nodeAt([...path, target]).node;
    const value = (step as Record<string, unknown>)[target];
    if (typeof value !== 'string') {
      throw src.worded(src.at([...path, target]), { key: 'st.commandNotText', params: { target, found: describeText(value) } },
        target === 'link' ? { key: 'st.h.linkUpDown' } : { key: 'bnk.h.eg', params: { example: usageText('send') } });
    }
    const err = (idx: number, m: string, h?: string) => {
      const p = src.inScalar(valueNode, idx);
      return src.error(p, m, h);
    };
    let command: Command;
    if (target === 'link' && /^\s*inject(\s|$)/.test(value)) {
      // A forged segment (lib/scenario/inject.ts), in the notation of expect.segments.
      command = { op: 'inject', inject: parseInject(value, hosts, parseSegmentLine, (idx) => src.inScalar(valueNode, idx), (p, m, h) => src.error(p, m, h)) };
    } else if (target === 'link') {
      const w = value.trim();
      if (w !== 'down' && w !== 'up') {
        const n = nearest(w.split(/\s/)[0], ['down', 'up', 'inject']);
        throw wordedErr(err)(value.indexOf(w), { key: 'st.unknownLink', params: { w } }, n ? { key: 'sc.didYouMean', params: { n, list: { key: 'st.linkCommands' } } } : { key: 'st.linkCommands' });
      }
      command = { op: w };
    } else {
      command = parseHostCommand(value, err, hosts, target);
      if (command.op === 'connect' && command.host === target) {
        throw withText(err(0, `${target} connects to itself`, `connect to another host: ${hostList(names)}`), { key: 'sc.connectsItself', params: { host: target } }, { key: 'sc.h.connectsItself', params: { hosts: { key: 'sc.hostList', params: { names: names.join(', ') } } } });
      }
      if (command.op === 'send') sendBytes += 'bytes' in command.data ? command.data.bytes : Buffer.byteLength(command.data.text);
      if (sendBytes > MAX_SEND_BYTES) {
        throw wordedErr(err)(0, { key: 'st.sendLimit', params: { n: sendBytes, limit: MAX_SEND_BYTES } }, { key: 'st.h.sendLimit' });
      }
    }
    if (on) onSteps.push({ atMs: 0, pos: src.inScalar(valueNode, 0), target, command, text: value.trim(), on });
    else out.push({ atMs: atMs!, pos: src.inScalar(valueNode, 0), target, command, text: value.trim() });
  });
  // Array.prototype.sort is stable: steps at the same time keep file order.
  return out.sort((a, b) => a.atMs - b.atMs);
}

