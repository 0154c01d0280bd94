/**
 * The scenario's hosts (names, addresses, TCP settings) and its link (impairments per direction,
 * scripted drops), from the checked structure to the plan.
 */
import type * as z from 'zod';
import { configKeyNames, resolveConfig, TcpConfigError, type TcpConfig, type TcpConfigInput } from '../tcp/config.ts';
import { defaultDirectionConfig, type LinkDirectionConfig } from '../link/memory.ts';
import { formatAddr, parseAddr } from '../wire/ipv4.ts';
import { checked, LINK_FIELDS, linkFieldNames, QUICK, schemas, type Schemas } from './schema.ts';
import { suggestText, unknownHostHintText, withText, type Source } from './source.ts';
import type { HostPlan, LinkPlan, Pos } from './plan.ts';

// ---------------------------------------------------------------------------------------------
// Hosts


/**
 * A letter of any script, then letters, combining marks, digits, - and _: `客户端` and `Käse` are names.
 * Never a space, `>`, `:`, `#`, `@` or a quote, which the step and segment grammar use to split
 * (`client>server #3`, `connect server:80`, `send @c1 "x"`), so a name is always one token.
 */
const HOST_NAME = /^\p{L}[\p{L}\p{M}\p{N}_-]*$/u;
const RESERVED_HOSTS = ['link', 'at'];

function tcpInput(t: Record<string, unknown> | null | undefined): TcpConfigInput {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(t ?? {})) if (v !== undefined) out[configKeyNames[k]] = v;
  return out as TcpConfigInput;
}

/** TcpConfig field -> the scenario file's key (rtoMinMs -> rto-min). */
const KEY_OF_FIELD: Record<string, string> = Object.fromEntries(Object.entries(configKeyNames).map(([k, f]) => [f, k]));

export function buildHosts(src: Source, raw: Record<string, z.output<Schemas['hostS']>>, fileTcp: Record<string, unknown> | undefined): HostPlan[] {
  const entries = Object.entries(raw);
  if (entries.length === 0) throw src.worded(src.at(['hosts']), { key: 'topo.noHosts' }, { key: 'topo.h.noHosts' });
  const taken = new Map<number, string>();
  const explicit = new Map<string, number>();
  for (const [name, h] of entries) {
    if (!HOST_NAME.test(name) || RESERVED_HOSTS.includes(name)) {
      throw src.worded(src.keyAt(['hosts'], name), { key: 'topo.badName', params: { name } },
        RESERVED_HOSTS.includes(name) ? { key: 'topo.h.reserved', params: { name } } : { key: 'topo.h.name' });
    }
    if (h?.addr === undefined) continue;
    let addr: number;
    try {
      addr = parseAddr(h.addr);
    } catch {
      throw src.worded(src.at(['hosts', name, 'addr']), { key: 'inj.notAddr', params: { addr: h.addr } }, { key: 'topo.h.addr' });
    }
    const other = taken.get(addr);
    if (other !== undefined) {
      throw src.worded(src.at(['hosts', name, 'addr']), { key: 'topo.addrTaken', params: { addr: formatAddr(addr), other } }, { key: 'topo.h.addrTaken' });
    }
    taken.set(addr, name);
    explicit.set(name, addr);
  }
  // Hosts without an address get 10.0.0.1, 10.0.0.2, ... in file order, skipping any address written out.
  let next = parseAddr('10.0.0.1');
  const base = tcpInput(fileTcp);
  return entries.map(([name, h]) => {
    let addr = explicit.get(name);
    if (addr === undefined) {
      while (taken.has(next)) next++;
      addr = next;
      taken.set(addr, name);
    }
    let tcp: TcpConfig;
    try {
      tcp = resolveConfig({ ...base, ...tcpInput(h?.tcp) });
    } catch (e) {
      if (!(e instanceof TcpConfigError)) throw e;
      // At the setting that breaks the rule (the host's own tcp:, else the file's), in the file's spelling.
      const key = KEY_OF_FIELD[e.key] ?? e.key;
      const path = h?.tcp?.[key as keyof typeof h.tcp] !== undefined ? ['hosts', name, 'tcp', key] : fileTcp?.[key] !== undefined ? ['tcp', key] : ['hosts', name];
      const se = src.error(src.at(path), e.message.replace(/\b[a-z][A-Za-z]+\b/g, (w) => KEY_OF_FIELD[w] ?? w), e.hint);
      // The two rules between settings (lib/tcp/config.ts configProblems), in any language (issue 26).
      const ms = /\((\d+) ms\)[^(]*\((\d+) ms\)/.exec(e.message);
      const pair = ({ rtoMinMs: ['rto-min', 'rto-max', 'topo.h.rto'], persistMinMs: ['persist-min', 'persist-max', 'topo.h.persist'] } as const)[e.key as 'rtoMinMs'];
      if (ms && pair) throw withText(se, { key: 'topo.minOverMax', params: { min: pair[0], a: ms[1]!, max: pair[1], b: ms[2]! } }, { key: pair[2] });
      throw se;
    }
    return { name, addr, addrText: formatAddr(addr), tcp, pos: src.keyAt(['hosts'], name) };
  });
}

// ---------------------------------------------------------------------------------------------
// Link


function parseDirectionName(src: Source, text: string, at: Pos, names: readonly string[]): string {
  const m = /^\s*([^\s>]+)\s*>\s*([^\s>]+)\s*$/.exec(text);
  if (!m) throw src.worded(at, { key: 'topo.notDirection', params: { text } }, { key: 'topo.h.direction' });
  for (const h of [m[1], m[2]]) {
    if (!names.includes(h)) throw src.worded(at, { key: 'topo.dirUnknownHost', params: { text, host: h } }, unknownHostHintText(h, names));
  }
  if (m[1] === m[2]) throw src.worded(at, { key: 'topo.dirItself', params: { text } }, { key: 'topo.h.dirItself' });
  return `${m[1]}>${m[2]}`;
}

type DirFields = z.output<Schemas['directionS']>;

function toDirection(f: DirFields): Partial<LinkDirectionConfig> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(f)) if (k !== 'drop' && v !== undefined) out[linkFieldNames[k as keyof typeof linkFieldNames]] = v;
  return out as Partial<LinkDirectionConfig>;
}

export function buildLink(src: Source, raw: Record<string, unknown> | undefined, names: readonly string[]): LinkPlan {
  let udp = false;
  const baseRaw: Record<string, unknown> = {};
  const perDir = new Map<string, { fields: DirFields; key: string }>();
  for (const [key, value] of Object.entries(raw ?? {})) {
    if (key === 'udp') {
      udp = checked(src, QUICK.boolean, () => schemas().booleanS, value, ['link', 'udp']);
    } else if (key.includes('>')) {
      const dir = parseDirectionName(src, key, src.keyAt(['link'], key), names);
      if (perDir.has(dir)) throw src.worded(src.keyAt(['link'], key), { key: 'topo.dirTwice', params: { dir } }, { key: 'topo.h.merge' });
      perDir.set(dir, { fields: checked(src, QUICK.directionOrNull, () => schemas().directionS.nullable(), value, ['link', key]) ?? {}, key });
    } else if (LINK_FIELDS.includes(key)) {
      baseRaw[key] = value;
    } else {
      throw src.worded(src.keyAt(['link'], key), { key: 'sc.unknownKey', params: { key, where: { key: 'sc.inWhat', params: { what: 'link' } } } },
        { key: 'sc.hintAnd', params: { hint: suggestText(key, [...LINK_FIELDS, 'udp'], 'sc.knownKeys'), extra: { key: 'sc.orDirection' } } });
    }
  }
  const base = checked(src, QUICK.direction, () => schemas().directionS, baseRaw, ['link']);

  const directions: Record<string, Partial<LinkDirectionConfig>> = {};
  const drops = new Map<string, Set<number>>();
  for (const a of names) for (const b of names) if (a !== b) drops.set(`${a}>${b}`, new Set());

  // Drops written for both directions must say which direction: "client>server #1".
  (base.drop ?? []).forEach((entry, i) => {
    const at = src.at(['link', 'drop', i]);
    const m = typeof entry === 'string' ? /^(.*?)\s*#\s*([0-9]+)\s*$/.exec(entry) : null;
    if (!m) throw src.worded(at, { key: 'topo.dropWhich', params: { entry: JSON.stringify(entry) } }, { key: 'topo.h.dropWhich' });
    const dir = parseDirectionName(src, m[1], at, names);
    const n = Number(m[2]);
    if (n < 1) throw src.worded(at, { key: 'topo.dropIndex', params: { n } }, { key: 'topo.h.dropIndex' });
    drops.get(dir)!.add(n);
  });
  for (const [dir, { fields, key }] of perDir) {
    (fields.drop ?? []).forEach((entry, i) => {
      const at = src.at(['link', key, 'drop', i]);
      const m = typeof entry === 'number' ? [String(entry), String(entry)] : /^\s*#?\s*([0-9]+)\s*$/.exec(entry);
      const n = m ? Number(m[1]) : NaN;
      if (!Number.isInteger(n) || n < 1) throw src.worded(at, { key: 'topo.dropNumber', params: { entry: JSON.stringify(entry) } }, { key: 'topo.h.dropNumber', params: { dir } });
      drops.get(dir)!.add(n);
    });
  }
  // Every ordered pair gets a full config: defaults (delay 0, no impairments, mtu 1500) < both directions < this one.
  const baseCfg = toDirection(base);
  for (const [dir, set] of drops) {
    directions[dir] = {
      ...defaultDirectionConfig, ...baseCfg, ...toDirection(perDir.get(dir)?.fields ?? {}),
      drop: [...set].sort((x, y) => x - y),
    };
  }
  return { udp, directions };
}

