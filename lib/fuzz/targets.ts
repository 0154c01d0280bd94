import fc from 'fast-check';
import { WireError } from '../wire/errors.ts';
import { decodeIpv4 } from '../wire/ipv4.ts';
import { readCapture } from '../wire/pcap.ts';
import { decodePacket, decodeTcp } from '../wire/tcp.ts';
import { readTrace, TraceError } from '../trace/jsonl.ts';
import { traceFromCapture } from '../trace/from-capture.ts';
import { loadScenario } from '../scenario/load.ts';
import { ScenarioError } from '../scenario/errors.ts';
import { loadCorpus, type Corpus } from './corpus.ts';
import { bytesFrom, textFrom } from './inputs.ts';

/**
 * What the fuzzer attacks: every decoder of input that comes from outside (a packet off the UDP link,
 * a capture, a trace, a scenario), each with the one error type it may throw. Anything else thrown
 * (a RangeError from reading past a Buffer, a TypeError from a missing field) would reach a user as a
 * stack trace, or crash a host: that is a bug.
 */
export interface FuzzTarget {
  name: string;
  /** What the decoder reads. */
  what: string;
  /** Share of the full run's million inputs (the slow decoders get fewer). */
  share: number;
  input: fc.Arbitrary<Buffer | string>;
  /** Decode one input; return normally to accept it, throw to reject it. */
  run(input: Buffer | string): void;
  /** The rejections that are the decoder's promise. */
  expected(err: unknown): boolean;
}

const wire = (err: unknown) => err instanceof WireError;

/** A second, stricter decode of an input the lenient one accepted: a WireError is its right answer too. */
function strictly(decode: () => unknown): void {
  try {
    decode();
  } catch (err) {
    if (!wire(err)) throw err;
  }
}

/** The first lines of each trace: what a mutation reaches in a trace is all in its first events. */
function traceHeads(corpus: Corpus): string[] {
  return corpus.traces.map((t) => t.split('\n').slice(0, 60).join('\n'));
}

export function fuzzTargets(corpus: Corpus = loadCorpus()): FuzzTarget[] {
  return [
    {
      name: 'tcp-segment',
      what: 'decodeTcp: a TCP header, options and payload, checksum verified over a pseudo-header',
      share: 0.2,
      input: bytesFrom(corpus.segments, 120),
      // Without addresses nothing checks the checksum, so mutated segments get through to the options and
      // the payload; the strict decode (checksum over a pseudo-header) must then reject or accept cleanly too.
      run: (b) => {
        decodeTcp(b as Buffer);
        strictly(() => decodeTcp(b as Buffer, 0x7f000001, 0x7f000001, { verifyChecksum: 'allow-partial' }));
      },
      expected: wire,
    },
    {
      name: 'ipv4',
      what: 'decodeIpv4: an IPv4 header (checksum, lengths, fragments)',
      share: 0.1,
      input: bytesFrom(corpus.packets, 120),
      run: (b) => {
        decodeIpv4(b as Buffer);
      },
      expected: wire,
    },
    {
      name: 'packet',
      what: 'decodePacket: IPv4 and TCP together, as a host reads a datagram off the UDP link',
      share: 0.2,
      input: bytesFrom(corpus.packets, 200),
      run: (b) => {
        decodePacket(b as Buffer, { verifyChecksum: false });
        strictly(() => decodePacket(b as Buffer));
      },
      expected: wire,
    },
    {
      name: 'pcap',
      what: 'readCapture on classic pcap files (captures of the kernel)',
      share: 0.15,
      input: bytesFrom(corpus.pcap, 400),
      run: (b) => {
        readCapture(b as Buffer);
      },
      expected: wire,
    },
    {
      name: 'pcapng',
      what: 'readCapture on pcapng files (section, interface and packet blocks)',
      share: 0.15,
      input: bytesFrom(corpus.pcapng, 400),
      run: (b) => {
        readCapture(b as Buffer);
      },
      expected: wire,
    },
    {
      name: 'capture-trace',
      what: 'traceFromCapture: a capture turned into a trace (tcpemu report CAPTURE)',
      share: 0.05,
      input: bytesFrom([...corpus.pcap, ...corpus.pcapng], 400),
      run: (b) => {
        traceFromCapture(b as Buffer, 'fuzz.pcap');
      },
      expected: wire,
    },
    {
      name: 'trace',
      what: 'readTrace: a JSONL trace (tcpemu replay / report TRACE.jsonl)',
      share: 0.1,
      input: textFrom(traceHeads(corpus)),
      run: (t) => {
        readTrace(t as string, 'fuzz.jsonl');
      },
      expected: (err) => err instanceof TraceError,
    },
    {
      name: 'scenario',
      what: 'loadScenario: a scenario file (YAML, schema, units, steps, expectations)',
      share: 0.05,
      input: textFrom(corpus.scenarios),
      run: (t) => {
        loadScenario(t as string, 'fuzz.yaml');
      },
      expected: (err) => err instanceof ScenarioError,
    },
  ];
}
