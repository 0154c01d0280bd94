/**
 * The usage of the commands implemented in bin/tcpemu.ts and lib/cli/real.ts: one table each, from
 * which lib/cli/args.ts makes the parser, the `--help` text and the main help. `tun` and `bench` keep
 * theirs beside their code (lib/cli/tun.ts, lib/bench/index.ts); `serve` and `connect` parse and
 * describe their own flags (lib/cli/udp-chat.ts).
 */
import type { CommandSpec, OptionSpec } from './args.ts';

/** The flag of every learner-facing command (issue 26). */
export const LANG_OPTION: OptionSpec = { type: 'string', value: 'en|zh', help: 'language of the words and explanations (default: from LC_ALL, LC_MESSAGES or LANG, else en)' };

export const RUN_COMMAND: CommandSpec = {
  name: 'run',
  args: 'FILE...',
  summary: 'run scenarios in the emulator (virtual time) and draw what happened',
  description: `one scenario: a ladder diagram and each expectation; several: one line each and a total.
the file (docs/scenario-format.md) says when each step runs, at: a time or on: "HOST EVENT"; link: 'inject ...'
puts a forged segment on the wire; bottleneck: puts the hosts behind two routers sharing one queue (the summary
then gives each flow's goodput and Jain's fairness index). Many seeds and settings at once: tcpemu sweep.
exit status: 0 every expectation holds, 1 one fails, 2 bad input (FILE:LINE:COL: what is wrong)`,
  options: {
    seed: { type: 'string', value: 'N', help: "seed for sequence numbers, ports and impairments (default: the file's seed:)" },
    trace: { type: 'string', value: 'OUT.jsonl', help: 'write the trace (one JSON object a line) to this file (one scenario only)' },
    pcap: { type: 'string', value: 'OUT.pcap', help: 'write the segments as a pcap capture for tcpdump or Wireshark (one scenario only)' },
    html: { type: 'string', value: 'OUT.html', help: 'write a self-contained HTML report: ladder, graphs, windows (one scenario only)' },
    view: { type: 'string', value: 'ladder|states|summary|explain|none', help: 'what to draw (default ladder; none with --json or several files); explain: every event in plain sentences' },
    lang: LANG_OPTION,
    json: { type: 'boolean', help: 'print one JSON summary a scenario instead of the drawing' },
    width: { type: 'string', value: 'N', help: "the ladder's width in columns, 40 to 1000 (default: the terminal's, or 100)" },
    'max-events': { type: 'string', value: 'N', help: 'stop a run whose trace in memory passes N events (default 1000000; only ladder, states and --html keep one)' },
  },
};

export const REPLAY_COMMAND: CommandSpec = {
  name: 'replay',
  args: 'TRACE.jsonl|CAPTURE.pcap',
  summary: 're-run a recorded trace and compare every event, or check a capture against the model',
  description: `a trace (.jsonl) holds its scenario and seed: it is run again and compared event by event.
any other file is read as a capture (pcap or pcapng) and each segment is checked against the model.
exit status: 0 identical / conforming, 1 the first difference is printed, 2 bad input`,
  options: {
    as: { type: 'string', value: 'client|server', help: 'captures: check only this end of the conversation (default both)' },
    profile: { type: 'string', value: 'linux|rfc', help: "captures: the model's TCP settings to check against (default linux)" },
    brief: { type: 'boolean', help: 'captures: print the verdict without the frame-by-frame listing' },
    view: { type: 'string', value: 'explain', help: 'traces: after the comparison, explain every event in plain sentences' },
    lang: LANG_OPTION,
  },
};

export const REPORT_COMMAND: CommandSpec = {
  name: 'report',
  args: 'TRACE.jsonl|CAPTURE.pcap',
  summary: 'write one self-contained HTML page: ladder, time-sequence graphs, windows, summary',
  description: 'exit status: 0 written, 2 bad input (nothing is written)',
  options: {
    output: { type: 'string', short: 'o', value: 'OUT.html', required: true, help: 'the page to write' },
    lang: LANG_OPTION,
  },
};

export const REAL_COMMAND: CommandSpec = {
  name: 'real',
  args: 'FILE',
  summary: "run a scenario's steps on the kernel's TCP and on the model, side by side",
  description: `as root with ip and /dev/net/tun: each host is Linux in a network namespace of its own, joined through
tcpemu's link with the scenario's impairments and the model's seeded fates; else (or with --loopback) Linux on
loopback, which needs root and tcpdump and cannot make the link's impairments. Settings Linux cannot take are
listed, and what depends on them is judged on the model alone.
exit status: 0 model and kernel agree, 1 they differ (which side failed what, where they part), 2 bad input or cannot run here`,
  options: {
    settle: { type: 'string', value: 'MS', help: 'milliseconds to wait after the last step before the kernel run ends (default 400)' },
    html: { type: 'string', value: 'OUT.html', help: 'also write both runs side by side as one HTML page: the comparison, then the model\'s report and the kernel\'s' },
    loopback: { type: 'boolean', help: 'run the kernel side on loopback, without namespaces and the link (what happens without root, ip or /dev/net/tun)' },
    view: { type: 'string', value: 'explain', help: "after the comparison, explain every event of each side in plain sentences (the kernel's from its trace)" },
    json: { type: 'boolean', help: 'print the comparison as one JSON object instead of the text (verdict, expectations, retransmissions, flows and Jain\'s index)' },
    lang: LANG_OPTION,
  },
};

export const PACKETDRILL_COMMAND: CommandSpec = {
  name: 'packetdrill',
  args: 'FILE.pkt|DIR...',
  summary: "run Linux's packetdrill scripts against the model on virtual time; with --kernel, on this machine's kernel too",
  description: `one line a script: PASS, FAIL (file:line, what differed, expected and actual) or UNSUPPORTED (which construct), then a total.
exit status: 0 nothing failed, 1 a script failed, 2 a script cannot be read (FILE:LINE:COL) or bad usage`,
  options: {
    json: { type: 'boolean', help: 'one JSON object a script: {file, verdict, line, expected, actual, reason}' },
    defaults: { type: 'string', value: 'auto|linux|linux-3.11', help: "which kernel's defaults a script assumes (auto: linux-3.11 for scripts that run no helper, the 2013 ones)" },
    tolerance_usecs: { type: 'string', value: 'N', help: "timing tolerance in microseconds (default 4000; a script's own --tolerance_usecs wins)" },
    strict_segments: { type: 'boolean', help: 'a > line matches exactly one segment (no merging of consecutive segments)' },
    view: { type: 'string', value: 'ladder|none', help: "draw one script's run as a ladder (one script only)" },
    html: { type: 'string', value: 'OUT.html', help: "write one script's run as an HTML report (one script only)" },
    kernel: { type: 'boolean', help: "also run each script on this machine's Linux (root, unshare -n) and show both verdicts" },
    packetdrill: { type: 'string', value: 'BIN', help: 'the packetdrill binary for --kernel (default: packetdrill on PATH)' },
    lang: LANG_OPTION,
  },
};
