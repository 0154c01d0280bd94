import test from 'ava';
import { ACK, CWR, ECE, FIN, PSH, RST, SYN, URG } from '../../lib/wire/tcp.ts';
import { flagString, optionStrings, parseFlagString } from '../../lib/wire/format.ts';
import { WireError } from '../../lib/wire/errors.ts';

test('flags print in tcpdump order F S R P . U E W', (t) => {
  t.is(flagString(SYN), 'S');
  t.is(flagString(SYN | ACK), 'S.');
  t.is(flagString(FIN | PSH | ACK), 'FP.');
  t.is(flagString(ACK), '.');
  t.is(flagString(RST), 'R');
  t.is(flagString(RST | ACK), 'R.');
  t.is(flagString(SYN | ECE | CWR), 'SEW');
  t.is(flagString(0xff), 'FSRP.UEW');
  t.is(flagString(URG | ACK), '.U');
  t.is(flagString(0), 'none');
});

test('parseFlagString inverts flagString for all 256 flag bytes', (t) => {
  for (let flags = 0; flags < 256; flags++) t.is(parseFlagString(flagString(flags)), flags);
});

test('parseFlagString takes letters in any order', (t) => {
  t.is(parseFlagString('.S'), SYN | ACK);
  t.is(parseFlagString('.PF'), FIN | PSH | ACK);
});

test('parseFlagString rejects an unknown letter at its position, a repeated letter, and the empty string', (t) => {
  const unknown = t.throws(() => parseFlagString('S.X'), { instanceOf: WireError });
  t.is(unknown?.code, 'bad-flags');
  t.is(unknown?.offset, 2);
  t.regex(unknown?.message ?? '', /"X"/);
  t.is(t.throws(() => parseFlagString('SS'), { instanceOf: WireError })?.offset, 1);
  t.is(t.throws(() => parseFlagString(''), { instanceOf: WireError })?.code, 'bad-flags');
});

test('options print as tcpdump prints them', (t) => {
  t.deepEqual(
    optionStrings([
      { kind: 'mss', mss: 1460 },
      { kind: 'sack-permitted' },
      { kind: 'timestamps', tsval: 123, tsecr: 0 },
      { kind: 'nop' },
      { kind: 'wscale', shift: 7 },
      { kind: 'sack', blocks: [[100, 200], [300, 400]] },
      { kind: 'unknown', type: 30, data: Buffer.from([1, 2]) },
      { kind: 'eol' },
    ]),
    ['mss 1460', 'sackOK', 'TS val 123 ecr 0', 'nop', 'wscale 7', 'sack 2 {100:200}{300:400}', 'unknown-30 len 4', 'eol'],
  );
});

test('SACK edges print relative to a base, modulo 2^32', (t) => {
  const isn = 0xfffffff0;
  t.deepEqual(optionStrings([{ kind: 'sack', blocks: [[0xfffffffa, 0x10]] }], { sackBase: isn }), ['sack 1 {10:32}']);
});
