import test from 'ava';
import { parseDuration, parseProbability, parseRate, parseSize, UnitError, formatDuration } from '../../lib/scenario/units.ts';

test('durations: bare numbers are ms; ms s min h', (t) => {
  t.is(parseDuration(0), 0);
  t.is(parseDuration('0'), 0);
  t.is(parseDuration(250), 250);
  t.is(parseDuration('100ms'), 100);
  t.is(parseDuration('1.5s'), 1500);
  t.is(parseDuration('5min'), 300_000);
  t.is(parseDuration('2h'), 7_200_000);
  t.is(parseDuration('500us'), 0.5);
});

test('durations: bad ones say what would be right', (t) => {
  for (const bad of ['10 parsecs', 'soon', '-1s', -5, true, '1.2.3s']) {
    const e = t.throws(() => parseDuration(bad), { instanceOf: UnitError });
    t.regex(e.hint, /250ms, 1\.5s/);
  }
  t.regex(t.throws(() => parseDuration('3days'))!.message, /unknown time unit "days"/);
});

test('sizes are binary; kb is refused as ambiguous', (t) => {
  t.is(parseSize(4096), 4096);
  t.is(parseSize('4096'), 4096);
  t.is(parseSize('64k'), 65536);
  t.is(parseSize('64KiB'), 65536);
  t.is(parseSize('1m'), 1048576);
  t.is(parseSize('1MiB'), 1048576);
  t.is(parseSize('1.5k'), 1536);
  t.regex(t.throws(() => parseSize('-1'))!.message, /cannot be negative/);
  t.regex(t.throws(() => parseSize(-3))!.message, /cannot be negative/);
  t.regex(t.throws(() => parseSize('64kb'), { instanceOf: UnitError }).hint, /64k or 64KiB/);
  t.regex(t.throws(() => parseSize('0.5'))!.message, /whole number/);
});

test('rates are bits per second, decimal; kbps is refused', (t) => {
  t.is(parseRate(0), 0);
  t.is(parseRate('8000bit'), 8000);
  t.is(parseRate('500kbit'), 500_000);
  t.is(parseRate('10mbit'), 10_000_000);
  t.is(parseRate('1gbit'), 1e9);
  t.regex(t.throws(() => parseRate('10mbps'), { instanceOf: UnitError }).hint, /10mbit/);
  t.regex(t.throws(() => parseRate('fast'))!.message, /not a rate/);
});

test('probabilities: 0..1 or a percentage', (t) => {
  t.is(parseProbability(0), 0);
  t.is(parseProbability(1), 1);
  t.is(parseProbability(0.05), 0.05);
  t.is(parseProbability('5%'), 0.05);
  t.regex(t.throws(() => parseProbability(1.5))!.message, /probability 1\.5 is outside 0\.\.1/);
  t.regex(t.throws(() => parseProbability('150%'))!.message, /150% is outside/);
  t.regex(t.throws(() => parseProbability(-0.1))!.message, /outside/);
  t.regex(t.throws(() => parseProbability('often'), { instanceOf: UnitError }).hint, /0\.05/);
});

test('formatDuration picks the largest exact unit', (t) => {
  t.is(formatDuration(600_000), '10min');
  t.is(formatDuration(1500), '1.5s');
  t.is(formatDuration(7_200_000), '2h');
  t.is(formatDuration(20), '20ms');
});
