import test from 'ava';
import fc from 'fast-check';
import { WireError } from '../../lib/wire/errors.ts';
import { decodeIpv4 } from '../../lib/wire/ipv4.ts';
import { readCapture } from '../../lib/wire/pcap.ts';
import { decodePacket, decodeTcp } from '../../lib/wire/tcp.ts';
import { ethernetPcap, hex, loopbackHex, sll2Pcap } from './captured.ts';
import { pcapngBlock } from '../../lib/wire/pcap.ts';

/**
 * The decoders' promise: any input either decodes or throws a WireError, never anything else
 * (a RangeError from reading past a Buffer would reach the user as a stack trace).
 */
function onlyWireErrors(fn: () => unknown): boolean {
  try {
    fn();
    return true;
  } catch (err) {
    if (err instanceof WireError) return true;
    throw err;
  }
}

const decoders: Array<[string, (b: Buffer) => unknown]> = [
  ['decodeIpv4', (b) => decodeIpv4(b)],
  ['decodeIpv4 unverified', (b) => decodeIpv4(b, { verifyChecksum: false })],
  ['decodeTcp', (b) => decodeTcp(b)],
  ['decodeTcp with addresses', (b) => decodeTcp(b, 0x7f000001, 0x7f000001, { verifyChecksum: 'allow-partial' })],
  ['decodePacket unverified', (b) => decodePacket(b, { verifyChecksum: false })],
  ['readCapture', (b) => readCapture(b)],
];

test('random bytes: every decoder returns or throws a WireError', (t) => {
  for (const [name, decode] of decoders) {
    t.notThrows(() => fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => onlyWireErrors(() => decode(Buffer.from(bytes)))), { seed: 42, numRuns: 2000 }), name);
  }
});

/** Valid inputs with a few bytes overwritten: reaches much deeper than random bytes do. */
const mutated = (valid: Buffer) =>
  fc.array(fc.tuple(fc.nat(valid.length - 1), fc.nat(255)), { minLength: 1, maxLength: 6 }).map((edits) => {
    const copy = Buffer.from(valid);
    for (const [at, value] of edits) copy[at] = value;
    return copy;
  });

test('mutated real packets: decodePacket returns or throws a WireError', (t) => {
  for (const [name, text] of Object.entries(loopbackHex)) {
    t.notThrows(() => fc.assert(fc.property(mutated(hex(text)), (bytes) => onlyWireErrors(() => decodePacket(bytes, { verifyChecksum: false }))), { seed: 42, numRuns: 500 }), name);
  }
});

test('mutated real captures: readCapture returns or throws a WireError', (t) => {
  for (const [name, file] of [['ethernet', ethernetPcap], ['sll2', sll2Pcap]] as const) {
    t.notThrows(() => fc.assert(fc.property(mutated(file), (bytes) => onlyWireErrors(() => readCapture(bytes))), { seed: 42, numRuns: 2000 }), name);
  }
});

test('pcapng-looking random blocks: readCapture returns or throws a WireError', (t) => {
  // A section header followed by random bytes: exercises the block walker, not just the magic check.
  const shb = hex('0a0d0d0a1c0000004d3c2b1a01000000ffffffffffffffff1c000000');
  t.notThrows(() =>
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (tail) => onlyWireErrors(() => readCapture(Buffer.concat([shb, Buffer.from(tail)])))),
      { seed: 42, numRuns: 3000 },
    ),
  );
});

test('well-framed pcapng blocks with random bodies: readCapture returns or throws a WireError', (t) => {
  const shb = hex('0a0d0d0a1c0000004d3c2b1a01000000ffffffffffffffff1c000000');
  const blockArb = fc.tuple(fc.constantFrom(1, 2, 3, 4, 5, 6, 6, 6), fc.constantFrom(0, 1, 101, 108, 113, 276), fc.uint8Array({ maxLength: 120 })).map(([type, linktype, bytes]) => {
    const body = Buffer.alloc((bytes.length + 3) & ~3);
    body.set(bytes);
    if (type === 1 && body.length >= 2) body.writeUInt16LE(linktype, 0);
    if (type === 6 && body.length >= 4) body.writeUInt32LE(0, 0); // interface 0, so the packet path is reached
    return pcapngBlock(type, body);
  });
  t.notThrows(() =>
    fc.assert(
      fc.property(fc.array(blockArb, { maxLength: 6 }), (blocks) => onlyWireErrors(() => readCapture(Buffer.concat([shb, ...blocks])))),
      { seed: 42, numRuns: 3000 },
    ),
  );
});
