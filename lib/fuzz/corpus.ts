import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LINKTYPE_RAW, pcapngBlock, readCapture } from '../wire/pcap.ts';

/**
 * The seeds the fuzzer mutates: real inputs of every kind tcpemu reads, taken from the fixtures
 * (captures of the kernel's TCP, golden traces, scenarios), plus the same captures rewritten as pcapng,
 * so that mutations start from something the decoders accept and reach deep into them.
 */

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures');

export interface Corpus {
  /** Whole classic pcap files (small ones: a mutated capture is read whole per input). */
  pcap: Buffer[];
  /** The same captures as pcapng (SHB, IDB, EPBs). */
  pcapng: Buffer[];
  /** IPv4 packets out of the captures. */
  packets: Buffer[];
  /** TCP segments (the packets' payloads). */
  segments: Buffer[];
  /** JSONL trace files. */
  traces: string[];
  /** Scenario files. */
  scenarios: string[];
}

/** Captures larger than this are left out: mutating and reading them per input would slow the run. */
const MAX_CAPTURE_BYTES = 64 * 1024;

export function loadCorpus(): Corpus {
  const files = (dir: string, ext: string) =>
    readdirSync(path.join(ROOT, dir))
      .filter((f) => f.endsWith(ext))
      .sort()
      .map((f) => path.join(ROOT, dir, f));
  const pcap = files('captures', '.pcap')
    .map((f) => readFileSync(f))
    .filter((b) => b.length <= MAX_CAPTURE_BYTES);
  const packets: Buffer[] = [];
  for (const file of pcap) for (const p of readCapture(file).packets) packets.push(Buffer.from(p.ip));
  const segments = packets.map((p) => p.subarray((p[0] & 0x0f) * 4));
  return {
    pcap,
    pcapng: pcap.map(toPcapng),
    packets,
    segments,
    traces: files('traces', '.jsonl').map((f) => readFileSync(f, 'utf8')).filter((t) => t.length <= 256 * 1024),
    scenarios: files('scenarios', '.yaml').map((f) => readFileSync(f, 'utf8')),
  };
}

/** A classic pcap's IPv4 packets as pcapng: a section header, one raw-IPv4 interface, an enhanced packet block each. */
export function toPcapng(pcapFile: Buffer): Buffer {
  const capture = readCapture(pcapFile);
  const shb = Buffer.alloc(16);
  shb.writeUInt32LE(0x1a2b3c4d, 0);
  shb.writeUInt16LE(1, 4);
  shb.writeUInt16LE(0, 6);
  shb.writeInt32LE(-1, 8);
  shb.writeInt32LE(-1, 12);
  const idb = Buffer.alloc(8);
  idb.writeUInt16LE(LINKTYPE_RAW, 0);
  idb.writeUInt32LE(262144, 4);
  const blocks = [pcapngBlock(0x0a0d0d0a, shb), pcapngBlock(1, idb)];
  for (const p of capture.packets) {
    const head = Buffer.alloc(20);
    const micros = BigInt(Math.round(p.timeMs * 1000));
    head.writeUInt32LE(0, 0);
    head.writeUInt32LE(Number(micros >> 32n), 4);
    head.writeUInt32LE(Number(micros & 0xffffffffn), 8);
    head.writeUInt32LE(p.ip.length, 12);
    head.writeUInt32LE(p.ip.length, 16);
    blocks.push(pcapngBlock(6, Buffer.concat([head, p.ip])));
  }
  return Buffer.concat(blocks);
}
