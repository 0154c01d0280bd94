/**
 * `tcpemu replay CAPTURE.pcap`: every kernel capture in fixtures/captures conforms to the model
 * (profile linux); a copy with one acknowledgment number changed does not, and the frame is named.
 * No root needed: the captures are files.
 */
import test from 'ava';
import { readdirSync, readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { replayCapture } from '../../lib/real/replay-capture.ts';
import { replayCaptureCommand } from '../../lib/cli/replay-capture.ts';
import { readCapture } from '../../lib/wire/pcap.ts';
import { decodePacket } from '../../lib/wire/tcp.ts';
import { ACK } from '../../lib/wire/tcp-types.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CAPTURES = path.join(ROOT, 'fixtures/captures');
const pcaps = readdirSync(CAPTURES).filter((f) => f.endsWith('.pcap')).sort();

async function replay(args: string[]) {
  let out = '';
  let err = '';
  const code = await replayCaptureCommand(args, { out: (s) => { out += s; }, err: (s) => { err += s; }, color: false });
  return { code, out, err };
}

function tmp(t: { teardown: (f: () => void) => void }): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'tcpemu-real-test-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('the fixtures hold the seven required kernel captures', (t) => {
  t.deepEqual(pcaps, ['abort-reset.pcap', 'connection-refused.pcap', 'half-close-client.pcap', 'half-close-server.pcap', 'handshake.pcap', 'request-response.pcap', 'window-full.pcap']);
  const readme = readFileSync(path.join(CAPTURES, 'README.md'), 'utf8');
  for (const p of pcaps) t.true(readme.includes(`\`${p}\``), `README describes ${p}`);
});

for (const file of pcaps) {
  test(`${file} conforms to the model (--profile linux), as client and as server`, async (t) => {
    const r = await replay([path.join(CAPTURES, file), '--profile', 'linux']);
    t.is(r.code, 0, r.out + r.err);
    t.regex(r.out, /as client \(127\.0\.0\.1:\d+\): conforming/);
    t.regex(r.out, /as server \(127\.0\.0\.2:\d+\): conforming/);
    t.regex(r.out, /offloaded \(unfinished\) partial checksum/);
    t.regex(r.out, /CONFORMING: every segment/);
  });
}

test('the model passes through the states the captures show', (t) => {
  const states = (file: string) => {
    const r = replayCapture(readFileSync(path.join(CAPTURES, file)), file);
    return Object.fromEntries(r.endpoints.map((e) => [e.role, e.states.join(' ')]));
  };
  t.deepEqual(states('half-close-client.pcap'), {
    client: 'CLOSED SYN-SENT ESTABLISHED FIN-WAIT-1 FIN-WAIT-2 TIME-WAIT',
    server: 'LISTEN SYN-RECEIVED ESTABLISHED CLOSE-WAIT LAST-ACK CLOSED',
  });
  t.deepEqual(states('half-close-server.pcap'), {
    client: 'CLOSED SYN-SENT ESTABLISHED CLOSE-WAIT LAST-ACK CLOSED',
    server: 'LISTEN SYN-RECEIVED ESTABLISHED FIN-WAIT-1 FIN-WAIT-2 TIME-WAIT',
  });
  t.is(states('connection-refused.pcap').client, 'CLOSED SYN-SENT CLOSED');
  t.is(states('abort-reset.pcap').server, 'LISTEN SYN-RECEIVED ESTABLISHED CLOSED');
});

test('window-full.pcap shows a zero window and the kernel\'s probes, and still conforms', (t) => {
  const r = replayCapture(readFileSync(path.join(CAPTURES, 'window-full.pcap')), 'window-full.pcap');
  const server = r.endpoints.find((e) => e.role === 'server')!;
  t.true(server.frames.some((f) => f.dir === 'sent' && / win 0 /.test(f.line)), 'the server advertised a zero window');
  t.true(r.ok);
});

/** Copy of a capture with the acknowledgment number of the n-th (1-based) frame from `src` carrying ACK and no data changed by `delta`. */
function mutateAck(file: string, fromAddr: string, nth: number, delta: number): { buf: Buffer; frame: number } {
  const buf = Buffer.from(readFileSync(file));
  let seen = 0;
  for (const p of readCapture(buf).packets) {
    const { ip, tcp } = decodePacket(p.ip, { verifyChecksum: false });
    const src = `${ip.src >>> 24}.${(ip.src >>> 16) & 255}.${(ip.src >>> 8) & 255}.${ip.src & 255}`;
    if (src !== fromAddr || !(tcp.flags & ACK) || tcp.payload.length > 0) continue;
    if (++seen !== nth) continue;
    // p.ip is a view into buf: write the new acknowledgment number in place.
    const at = ip.ihl * 4 + 8;
    p.ip.writeUInt32BE((tcp.ack + delta) >>> 0, at);
    return { buf, frame: p.index + 1 };
  }
  throw new Error('no such frame');
}

test('a capture with one ACK number raised is not conforming, and the frame is named', async (t) => {
  const dir = tmp(t);
  // The client's ACK of "pong" in request-response: acknowledging 1000 bytes more than the server sent.
  const { buf, frame } = mutateAck(path.join(CAPTURES, 'request-response.pcap'), '127.0.0.1', 3, 1000);
  const file = path.join(dir, 'mutated.pcap');
  writeFileSync(file, buf);
  const r = await replay([file, '--profile', 'linux']);
  t.is(r.code, 1, r.out + r.err);
  t.true(r.out.includes(`NOT CONFORMING: frame ${frame} `), r.out);
  t.regex(r.out, /sent by the client/);
  t.regex(r.out, /acknowledges bytes the endpoint has not received/);
});

test('a capture with one ACK number lowered (going backwards) is not conforming, and the frame is named', async (t) => {
  const dir = tmp(t);
  const { buf, frame } = mutateAck(path.join(CAPTURES, 'half-close-client.pcap'), '127.0.0.2', 3, -3);
  const file = path.join(dir, 'mutated.pcap');
  writeFileSync(file, buf);
  const r = await replay([file, '--as', 'server']);
  t.is(r.code, 1, r.out + r.err);
  t.true(r.out.includes(`NOT CONFORMING: frame ${frame} `), r.out);
  t.regex(r.out, /acknowledgment goes backwards/);
  t.notRegex(r.out, /as client/);
});

test('bad input exits 2 with one clear line: truncated capture, no SYN, unknown options, missing file', async (t) => {
  const dir = tmp(t);
  const whole = readFileSync(path.join(CAPTURES, 'handshake.pcap'));
  const cut = path.join(dir, 'cut.pcap');
  writeFileSync(cut, whole.subarray(0, whole.length - 7));
  let r = await replay([cut]);
  t.is(r.code, 2);
  t.regex(r.err, /cut\.pcap: at byte \d+/);

  // Without its first two frames the capture has no SYN without ACK.
  const caps = readCapture(whole);
  const noSyn = Buffer.concat([whole.subarray(0, 24), whole.subarray(caps.packets[2].offset)]);
  const nosyn = path.join(dir, 'nosyn.pcap');
  writeFileSync(nosyn, noSyn);
  r = await replay([nosyn]);
  t.is(r.code, 2);
  t.regex(r.err, /no connection opening/);

  r = await replay([path.join(CAPTURES, 'handshake.pcap'), '--as', 'middle']);
  t.is(r.code, 2);
  t.regex(r.err, /--as is client or server/);
  r = await replay([path.join(CAPTURES, 'handshake.pcap'), '--profile', 'bsd']);
  t.is(r.code, 2);
  r = await replay([path.join(dir, 'missing.pcap')]);
  t.is(r.code, 2);
  t.regex(r.err, /no such file/);
  t.is(r.err.trim().split('\n').length, 1);
});
