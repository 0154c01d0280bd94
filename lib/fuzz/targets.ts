import fc from 'fast-check';
import { WireError } from '../wire/errors.ts';
import { decodeIpv4 } from '../wire/ipv4.ts';
import { readCapture } from '../wire/pcap.ts';
import { decodePacket, decodeTcp } from '../wire/tcp.ts';
import { readTrace, TraceError } from '../trace/jsonl.ts';
import { traceFromCapture } from '../trace/from-capture.ts';
import { loadScenario } from '../scenario/load.ts';
import { ScenarioError } from '../scenario/errors.ts';
import { replayCapture, renderCaptureReplay, CaptureInputError } from '../real/replay-capture.ts';
import { renderReport } from '../report/index.ts';
import { firstDifference, formatDifference } from '../trace/diff.ts';
import { RunLimitError, runScenario } from '../scenario/runner.ts';
import { TraceLimitError } from '../trace/recorder.ts';
import { renderLadder } from '../trace/views/ladder.ts';
import { renderSummary, summarize } from '../trace/views/summary.ts';
import type { MetaEvent, TraceEvent } from '../trace/events.ts';
import { loadCorpus, type Corpus } from './corpus.ts';
import { bytesFrom, textFrom } from './inputs.ts';
import { captureFrom, scenarioText, traceText } from './structured.ts';

/**
 * What the fuzzer attacks: every decoder of input that comes from outside (a packet off the UDP link,
 * a capture, a trace, a scenario), each with the one error type it may throw, and the commands that
 * read those files (report, replay) taken whole, since an input the decoder accepts must not break
 * what draws or checks it either. Anything else thrown (a RangeError from reading past a Buffer, a
 * TypeError from a missing field) would reach a user as a stack trace, or crash a host: that is a bug.
 */
export interface FuzzTarget {
  name: string;
  /** What the decoder reads. */
  what: string;
  /**
   * Share of the full run's inputs (all add up to 1). Time decides it: an input takes about 12 µs in a wire
   * decoder or a capture reader, 40 µs in capture replay, 55 µs in the trace reader, 160 µs in the report
   * of a capture, 300 µs in the trace commands, 350 µs in the scenario loader (YAML, zod and the small
   * languages) and 420 µs in a scenario's run (most are refused before it); the cheap ones get more inputs,
   * the slow ones enough to matter, and the whole run takes under 2 minutes on one core.
   */
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

/** A capture for the commands: half mutated bytes (pcap or pcapng), half real conversations changed a segment at a time. */
function captureInput(corpus: Corpus): fc.Arbitrary<Buffer> {
  return fc.oneof(bytesFrom([...corpus.pcap, ...corpus.pcapng], 400), captureFrom(corpus.pcap));
}

/** Trace text: mostly a mutated real trace, a third of the time JSON lines built from the schema. */
function traceInput(corpus: Corpus): fc.Arbitrary<string> {
  return fc.oneof({ weight: 2, arbitrary: textFrom(traceHeads(corpus)) }, { weight: 1, arbitrary: traceText(corpus.scenarios) });
}

export function fuzzTargets(corpus: Corpus = loadCorpus()): FuzzTarget[] {
  /** The real traces' events, to compare accepted ones with (what replay does). */
  const recorded: TraceEvent[][] = traceHeads(corpus).map((t) => readTrace(t, 'fixture.jsonl'));
  // Mutated real scenarios reach the small languages inside strings; built ones the schema's every corner.
  const scenarioInput = fc.oneof({ weight: 2, arbitrary: textFrom(corpus.scenarios) }, { weight: 1, arbitrary: scenarioText });
  return [
    {
      name: 'tcp-segment',
      what: 'decodeTcp: a TCP header, options and payload, checksum verified over a pseudo-header',
      share: 0.12,
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
      share: 0.07,
      input: bytesFrom(corpus.packets, 120),
      run: (b) => {
        decodeIpv4(b as Buffer);
      },
      expected: wire,
    },
    {
      name: 'packet',
      what: 'decodePacket: IPv4 and TCP together, as a host reads a datagram off the UDP link',
      share: 0.12,
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
      share: 0.1,
      input: bytesFrom(corpus.pcap, 400),
      run: (b) => {
        readCapture(b as Buffer);
      },
      expected: wire,
    },
    {
      name: 'pcapng',
      what: 'readCapture on pcapng files (section, interface and packet blocks)',
      share: 0.1,
      input: bytesFrom(corpus.pcapng, 400),
      run: (b) => {
        readCapture(b as Buffer);
      },
      expected: wire,
    },
    {
      name: 'capture-report',
      what: 'tcpemu report CAPTURE: the capture turned into a trace (traceFromCapture), drawn as the HTML page',
      share: 0.05,
      input: captureInput(corpus),
      run: (b) => {
        renderReport(traceFromCapture(b as Buffer, 'fuzz.pcap'));
      },
      expected: wire,
    },
    {
      name: 'capture-replay',
      what: 'tcpemu replay CAPTURE: each endpoint of the first connection checked against the model, and the verdict drawn',
      share: 0.1,
      input: captureInput(corpus),
      run: (b) => {
        renderCaptureReplay(replayCapture(b as Buffer, 'fuzz.pcap'), false);
      },
      expected: (err) => wire(err) || err instanceof CaptureInputError,
    },
    {
      name: 'trace',
      what: 'readTrace: a JSONL trace (tcpemu replay / report TRACE.jsonl)',
      share: 0.14,
      input: traceInput(corpus),
      run: (t) => {
        readTrace(t as string, 'fuzz.jsonl');
      },
      expected: (err) => err instanceof TraceError,
    },
    {
      name: 'trace-commands',
      what: 'tcpemu report / replay TRACE.jsonl: an accepted trace drawn as the HTML page, compared with real traces, its scenario loaded',
      share: 0.07,
      input: traceInput(corpus),
      run: (t) => {
        const events = readTrace(t as string, 'fuzz.jsonl');
        renderReport(events);
        for (const real of recorded) {
          const d = firstDifference(real, events);
          if (d) formatDifference(d, 'fuzz.jsonl');
        }
        const meta = events[0] as MetaEvent;
        loadScenario(meta.source, 'fuzz.jsonl (recorded scenario)', { seed: meta.seed });
      },
      expected: (err) => err instanceof TraceError || err instanceof ScenarioError,
    },
    {
      name: 'scenario',
      what: 'loadScenario: a scenario file (YAML, schema, units, steps, expectations)',
      share: 0.08,
      input: scenarioInput,
      run: (t) => {
        loadScenario(t as string, 'fuzz.yaml');
      },
      expected: (err) => err instanceof ScenarioError,
    },
    {
      name: 'scenario-run',
      what: 'tcpemu run SCENARIO: an accepted scenario run on the model (at most 20,000 trace events) and drawn',
      share: 0.05,
      input: scenarioInput,
      run: (t) => {
        const plan = loadScenario(t as string, 'fuzz.yaml');
        // The UDP link runs on real time: not here.
        if (plan.link.udp) return;
        const r = runScenario(plan, { maxEvents: 20_000, maxRunEvents: 200_000 });
        const hosts = plan.hosts.map((h) => h.name);
        // As the command line draws it: a ladder between two hosts, a summary for one.
        if (hosts.length >= 2) renderLadder(r.events, { hosts, color: false, width: 100 });
        renderSummary(summarize(r.events, { hosts }), { color: false });
      },
      expected: (err) => err instanceof ScenarioError || err instanceof TraceLimitError || err instanceof RunLimitError,
    },
  ];
}
