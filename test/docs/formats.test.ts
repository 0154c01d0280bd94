/**
 * docs/ describes every key of the scenario format, every host command and every trace field the code
 * knows: the lists come from the loader and the trace schema themselves, so a key or field added
 * without its documentation fails here.
 */
import test from 'ava';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ERROR_CODES, HOST_COMMANDS, SCENARIO_KEYS } from '../../lib/scenario/load.ts';
import { EVENT_FIELDS } from '../../lib/trace/schema.ts';
import { TCP_STATES } from '../../lib/trace/events.ts';
import { ROOT } from '../cli/run.ts';
import { linuxDefaults, rfcDefaults, SETTINGS } from '../../lib/tcp/config.ts';

const read = (f: string) => readFileSync(path.join(ROOT, 'docs', f), 'utf8');

test('docs/scenario-format.md names every key, host command, state and error code the loader accepts', (t) => {
  const doc = read('scenario-format.md');
  for (const [where, keys] of Object.entries(SCENARIO_KEYS)) {
    for (const k of keys) t.true(doc.includes(`\`${k}\``) || doc.includes(`\`${k}:`), `${where} key ${k}`);
  }
  for (const c of HOST_COMMANDS) t.regex(doc, new RegExp(`\\| \`${c}\\b`), `host command ${c} has a row`);
  for (const s of TCP_STATES) t.true(doc.includes(s), s);
  for (const e of ERROR_CODES) t.true(doc.includes(e), e);
});

test('docs/scenario-format.md\'s TCP settings table has a row for every setting, with its range and both profiles\' defaults as SETTINGS and the profiles say', (t) => {
  const doc = read('scenario-format.md');
  const rows = doc.split('\n').filter((l) => l.startsWith('| `'));
  for (const s of SETTINGS) {
    // A row may list several keys (`rto-min`, `rto-max`): its cells then list the values in the same order.
    const row = rows.find((r) => r.split('|')[1].includes(`\`${s.key}\``));
    if (!row) {
      t.fail(`no row for ${s.key}`);
      continue;
    }
    const [, keys, rfc, linux, range] = row.split('|').map((c) => c.trim());
    const i = keys.split(',').map((k) => k.trim()).indexOf(`\`${s.key}\``);
    const nth = (cell: string) => cell.split(/[,;] /)[i] ?? cell;
    if (s.kind === 'count') t.is(nth(range), `${s.min} to ${s.max}`, `${s.key}: range`);
    if (s.kind === 'bytes' && s.max < 65536) t.is(nth(range), `${s.min} to ${s.max}`, `${s.key}: range`);
    if (s.kind === 'choice') t.true(range.startsWith(s.values.map((v) => `\`${v}\``).join(', ')), `${s.key}: choices`);
    if (s.kind === 'duration' && s.positive) t.true(nth(range).startsWith('more than 0'), `${s.key}: more than 0`);
    if (s.kind === 'boolean' || s.kind === 'count' || s.kind === 'bytes') {
      // An optional switch left undefined is off.
      t.is(nth(rfc), String(rfcDefaults[s.field] ?? false), `${s.key}: rfc default`);
      t.is(nth(linux), String(linuxDefaults[s.field] ?? false), `${s.key}: linux default`);
    }
  }
});

test('docs/trace-format.md describes every event type and every field of the trace schema, under its type', (t) => {
  const doc = read('trace-format.md');
  const sections = new Map(doc.split(/^### /m).slice(1).map((s) => [/^`(\w+)`/.exec(s)?.[1] ?? '', s]));
  for (const [type, fields] of Object.entries(EVENT_FIELDS)) {
    const section = sections.get(type);
    t.truthy(section, `a section for ${type}`);
    for (const f of fields) {
      if (f.key === 't' || (f.key === 'type' && type !== 'meta')) continue;
      t.regex(section ?? '', new RegExp(`^\\| [^|]*\`${f.key}\``, 'm'), `${type}.${f.key} has a row`);
    }
  }
});
