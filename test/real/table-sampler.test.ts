import test from 'ava';
import { startTableSampler, tableHex } from '../../lib/real/table-sampler.ts';
import { endianness } from 'node:os';

test('tableHex writes an address as /proc/net/tcp does', (t) => {
  t.is(tableHex('127.0.0.2'), endianness() === 'LE' ? '0200007F' : '7F000002');
});

// The reader must not run ahead of the thread that takes its reads: in CI a reader posting faster than
// `tcpemu real` parsed its reads queued them without bound, and a step due at 100 ms ran 55 s late.
// Here each read takes the taker 10 ms; the reader could read every fraction of a millisecond. However long
// the run, a read is taken a few reads' worth of time after it was made, not after everything queued before it.
test('the socket-table reader waits for its reads to be taken (bounded age, whatever the taker\'s pace)', async (t) => {
  const ages: number[] = [];
  let reads = 0;
  const w = startTableSampler(['127.0.0.1'], 0, (m) => {
    reads++;
    ages.push(performance.timeOrigin + performance.now() - m.t0);
    const until = performance.now() + 10;
    while (performance.now() < until) { /* a slow taker */ }
  });
  await new Promise((r) => setTimeout(r, 3000));
  await w.terminate();
  t.true(reads > 10, `only ${reads} reads taken in 3 s`);
  const late = ages.slice(-5);
  // Without the credit (checked by setting it to 1e9), the last reads taken here were 21 s old.
  t.true(Math.max(...late) < 1500, `the last reads were taken ${late.map((a) => a.toFixed(0)).join(', ')} ms after they were made`);
  t.log(`${reads} reads, last ages ${late.map((a) => a.toFixed(1)).join(', ')} ms`);
});

test('the reader keeps only the rows of the run\'s addresses', async (t) => {
  const text = await new Promise<string>((resolve) => {
    const w = startTableSampler(['127.0.0.250'], 0, (m) => {
      resolve(m.text);
      void w.terminate();
    });
  });
  const lines = text.split('\n');
  t.regex(lines[0], /local_address/);
  const hex = tableHex('127.0.0.250');
  for (const l of lines.slice(1)) t.true(l.includes(hex), l);
});
