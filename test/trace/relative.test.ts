import test from 'ava';
import { Relativizer, withRelativeNumbers } from '../../lib/trace/relative.ts';
import type { TraceEvent } from '../../lib/trace/events.ts';
import { SYN, ACK } from '../../lib/wire/tcp-types.ts';
import { sampleTrace } from './sample.ts';

const C = '10.0.0.1:40000';
const S = '10.0.0.2:80';

test('handshake and data count from each side\'s ISN: the SYN is 0, the first byte 1', (t) => {
  const r = new Relativizer();
  t.deepEqual(r.relativize(C, S, 'S', 1000, 0), { rseq: 0, rack: 0 });
  t.deepEqual(r.relativize(S, C, 'S.', 5000, 1001), { rseq: 0, rack: 1 });
  t.deepEqual(r.relativize(C, S, '.', 1001, 5001), { rseq: 1, rack: 1 });
  t.deepEqual(r.relativize(C, S, 'P.', 1001, 5001), { rseq: 1, rack: 1 });
  t.deepEqual(r.relativize(S, C, '.', 5001, 1006), { rseq: 1, rack: 6 });
  // The same segment seen again on arrival gives the same numbers.
  t.deepEqual(r.relativize(S, C, '.', 5001, 1006), { rseq: 1, rack: 6 });
});

test('flags may be given as the header byte', (t) => {
  const r = new Relativizer();
  r.relativize(C, S, SYN, 1000, 0);
  t.deepEqual(r.relativize(S, C, SYN | ACK, 5000, 1001), { rseq: 0, rack: 1 });
});

test('a RST answering a SYN to a closed port shows as R. seq 0 ack 1', (t) => {
  const r = new Relativizer();
  r.relativize(C, S, 'S', 123456789, 0);
  // RFC 9293 3.10.7.1: <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>
  t.deepEqual(r.relativize(S, C, 'R.', 0, 123456790), { rseq: 0, rack: 1 });
});

test('numbers past the 2^32 wrap stay small and positive', (t) => {
  const r = new Relativizer();
  const isn = 0xfffffff0;
  t.deepEqual(r.relativize(C, S, 'S', isn, 0), { rseq: 0, rack: 0 });
  r.relativize(S, C, 'S.', 0xfffffffe, (isn + 1) >>> 0);
  // 0x20 bytes later the absolute numbers have wrapped past zero.
  t.deepEqual(r.relativize(C, S, 'P.', (isn + 0x21) >>> 0, 0x00000004), { rseq: 0x21, rack: 6 });
  t.deepEqual(r.relativize(S, C, '.', 0x00000004, (isn + 0x31) >>> 0), { rseq: 6, rack: 0x31 });
});

test('a new SYN on the same 4-tuple after FIN starts new bases both ways (port reuse)', (t) => {
  const r = new Relativizer();
  r.relativize(C, S, 'S', 1000, 0);
  r.relativize(S, C, 'S.', 5000, 1001);
  r.relativize(C, S, 'F.', 1001, 5001);
  r.relativize(S, C, 'F.', 5001, 1002);
  r.relativize(C, S, '.', 1002, 5002);
  // Same ports, fresh ISNs.
  t.deepEqual(r.relativize(C, S, 'S', 90000, 0), { rseq: 0, rack: 0 });
  t.is(r.baseOf(S, C), undefined, 'the server\'s old base is stale until it answers');
  t.deepEqual(r.relativize(S, C, 'S.', 70000, 90001), { rseq: 0, rack: 1 });
  t.deepEqual(r.relativize(C, S, '.', 90001, 70001), { rseq: 1, rack: 1 });
});

test('port reuse answered by a RST: the RST counts from its own sequence number', (t) => {
  const r = new Relativizer();
  r.relativize(C, S, 'S', 1000, 0);
  r.relativize(S, C, 'S.', 5000, 1001);
  r.relativize(C, S, 'R', 1001, 0);
  r.relativize(C, S, 'S', 777, 0);
  t.deepEqual(r.relativize(S, C, 'R.', 0, 778), { rseq: 0, rack: 1 });
});

test('a retransmitted SYN keeps the base', (t) => {
  const r = new Relativizer();
  r.relativize(C, S, 'S', 1000, 0);
  r.relativize(S, C, 'S.', 5000, 1001);
  t.deepEqual(r.relativize(C, S, 'S', 1000, 0), { rseq: 0, rack: 0 });
  t.is(r.baseOf(S, C), 5000);
});

test('mid-stream without a SYN: first seq seen is 0, and an unknown reverse base is taken from the ack', (t) => {
  const r = new Relativizer();
  t.deepEqual(r.relativize(C, S, '.', 2000, 9000), { rseq: 0, rack: 0 });
  // The server's next segment starts where the client's ack said: it is seq 0 too.
  t.deepEqual(r.relativize(S, C, 'P.', 9000, 2000), { rseq: 0, rack: 0 });
  t.deepEqual(r.relativize(C, S, '.', 2000, 9100), { rseq: 0, rack: 100 });
});

test('without the ACK flag rack is 0 whatever the field holds', (t) => {
  const r = new Relativizer();
  t.deepEqual(r.relativize(C, S, 'S', 1000, 424242), { rseq: 0, rack: 0 });
});

test('withRelativeNumbers recomputes the sample trace exactly', (t) => {
  const events = sampleTrace({ lossy: true });
  const zeroed = events.map((e) => (e.type === 'segment' ? { ...e, rseq: 0, rack: 0 } : e)) as TraceEvent[];
  t.true(events.some((e) => e.type === 'segment' && e.rseq > 0 && e.rack > 0));
  t.deepEqual(withRelativeNumbers(zeroed), events);
});
