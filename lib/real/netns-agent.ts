/**
 * One scenario host's kernel side, run by `tcpemu real` inside the host's own network namespace
 * (lib/real/netns-link.ts starts it through lib/real/tun-helper.py, the namespace's TUN device open as
 * fd 3):  node [--import tsx] netns-agent.ts
 *
 * It does three things, all for one host:
 * - the namespace's settings: the sysctls and routes it is told (`ip route add PEER dev tcpemu0 ...`);
 * - the wire: every IPv4 TCP packet the kernel routes to the device goes up to the parent as a packet
 *   frame on stdout, and every packet frame from stdin is written to the device (the parent's link sits
 *   in between);
 * - the application: the host's steps, one `step` message at a time, on Linux's sockets (KernelRun from
 *   lib/real/kernel.ts, the loopback run's own code, here with the scenario's addresses and no tcpdump:
 *   the parent sees every packet), its states read from the namespace's own socket table.
 *
 * Messages in (stdin, lib/real/netns-frames.ts): setup {plan, host, addrOf, sysctls, routes}, begin
 * {startEpochMs}, step {step}, finish. Out (stdout): ready, begun, done, result {result}, log {text},
 * written (after a confirmed packet), event {ev} (an application event or a state change, as it
 * happens, when the scenario has steps on events);
 * a fatal problem is { fatal } and exit status 1. Nothing else may write to stdout.
 */
import { execFile } from 'node:child_process';
import net from 'node:net';
import { KernelRun, type KernelRunResult } from './kernel.ts';
import { sysErr, type Msg } from '../i18n/index.ts';
import { TunLink } from '../link/tun.ts';
import { FrameReader, MESSAGE, PACKET, PACKET_CONFIRMED, frame, messageFrame } from './netns-frames.ts';
import { SYN_ANSWER_MS, carriesSyn } from './delivery-order.ts';
import { SysctlError, applySysctls } from './netns-settings.ts';
import type { ScenarioPlan, StepPlan } from '../scenario/plan.ts';

export interface AgentSetup {
  plan: ScenarioPlan;
  host: string;
  addrOf: Record<string, string>;
  /** [path under /proc/sys, value] */
  sysctls: [string, string][];
  /** A value to write instead when the namespace refuses one (by path); what was replaced comes back in `ready`. */
  fallbacks?: Record<string, string>;
  /** Arguments to `ip`, one command each. */
  routes: string[][];
  settleMs?: number;
}

/** The result as it travels: Buffers as base64. */
export type WireResult = Omit<KernelRunResult, 'plan' | 'delivered' | 'capture'> & { delivered: Record<string, string> };

const TUN_FD = 3;

const send = (m: unknown) => process.stdout.write(messageFrame(m));
/** A problem that ends the agent: a message (`realw.*`) or, for what nobody expects (a bug), a line of English. */
const fatal = (msg: string | Msg) => {
  send({ op: 'fatal', fatal: msg });
  process.exitCode = 1;
  setTimeout(() => process.exit(1), 200).unref();
};

function ip(args: string[]): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile('ip', args, { timeout: 5000 }, (err, _out, stderr) => resolve(err ? `ip ${args.join(' ')}: ${stderr.trim() || err.message}` : undefined));
  });
}

/**
 * One connection on the namespace's loopback before the run: the first listen and connect of a Node
 * process take ~20 ms more than the next ones (code loaded and compiled on first use), which is more than
 * a link's delay; a simultaneous open would otherwise meet a port not yet open.
 */
async function warmUp(): Promise<void> {
  const server = net.createServer((c) => c.destroy());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((r) => {
    const c = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true }, () => { c.write('x'); c.end(); });
    c.on('close', () => r());
    c.on('error', () => r());
    setTimeout(() => { c.destroy(); r(); }, 2000).unref();
  });
  await new Promise<void>((r) => server.close(() => r()));
}

let tun: TunLink | undefined;
/** Packets read from the device so far; and the confirmations still to go up, in order. */
let packetsOut = 0;
let confirmations: Promise<void> = Promise.resolve();
let run: KernelRun | undefined;
let queue: Promise<void> = Promise.resolve();

async function onMessage(m: { op: string } & Record<string, unknown>): Promise<void> {
  switch (m.op) {
    case 'setup': {
      const s = m as unknown as AgentSetup & { op: string };
      let unapplied: Msg[];
      try {
        unapplied = applySysctls(s.sysctls, s.fallbacks, s.host);
      } catch (err) {
        return fatal(err instanceof SysctlError ? err.text : (err as Error).message);
      }
      for (const r of s.routes) {
        const problem = await ip(r);
        if (problem) return fatal(problem);
      }
      tun = TunLink.open({ fd: TUN_FD });
      tun.setReceiver((packet) => {
        packetsOut++;
        process.stdout.write(frame(PACKET, packet));
      });
      run = new KernelRun(s.plan, {
        addrOf: s.addrOf, capture: false, settleMs: s.settleMs, log: (text) => send({ op: 'log', text }),
        // Steps on events run from the parent: it hears each event as it happens. States go up always: the
        // run ends when every connection is over (lib/real/run-end.ts).
        onEvent: (ev) => {
          if (ev.type === 'state' || s.plan.onSteps?.length) send({ op: 'event', ev });
        },
      });
      await warmUp();
      send({ op: 'ready', unapplied });
      return;
    }
    case 'begin':
      await run!.begin(m.startEpochMs as number);
      send({ op: 'begun' });
      return;
    case 'step':
      await run!.runStep(m.step as StepPlan);
      // What the step made the kernel send (a connect's SYN: Node calls connect() on the next tick) goes up
      // before the answer, so that the parent sees it before the next step: the order of the file.
      await new Promise((r) => setImmediate(r));
      tun?.pollNow();
      {
        // A connection named by `connect ... as NAME`: its id goes up, for steps on its events (on: "HOST@NAME ...").
        const step = m.step as StepPlan;
        const as = step.command.op === 'connect' ? step.command.as : undefined;
        send({ op: 'done', ...(as !== undefined ? { as, id: run!.connIdOf(step.target, as) } : {}) });
      }
      return;
    case 'finish': {
      const r = await run!.finish();
      await run!.cleanup();
      const { plan: _p, capture: _c, delivered, ...rest } = r;
      const wire: WireResult = { ...rest, delivered: Object.fromEntries(Object.entries(delivered).map(([h, b]) => [h, b.toString('base64')])) };
      tun?.close();
      tun = undefined;
      // Everything of the run is closed: go once the result is written (a handle Node keeps would otherwise hold the exit).
      process.stdout.write(messageFrame({ op: 'result', result: wire }), () => process.exit(0));
      return;
    }
  }
}

const reader = new FrameReader((kind, body) => {
  if (kind === PACKET) {
    tun?.send(body);
    return;
  }
  if (kind === PACKET_CONFIRMED) {
    // The kernel most often answers a packet within the write (the TUN hands it to the stack at once).
    // TunLink reads the answer only on the next turn of the event loop (setImmediate), which came after
    // the confirmation: the parent then wrote the next packet before this kernel's answer was up (a
    // simultaneous open's SYN-ACKs left in either order). So the answer is read here, before the
    // confirmation. On a busy machine the stack's softirq work can be left to ksoftirqd and the answer
    // comes later (measured: a SYN-ACK's ACK 30 ms after the confirmation): a SYN, which every TCP
    // answers (SYN-ACK, ACK or RST), is confirmed once something came out of the device, or after
    // SYN_ANSWER_MS. Confirmations go up in the order of their packets.
    const before = packetsOut;
    tun?.send(body);
    tun?.pollNow();
    const syn = carriesSyn(body);
    confirmations = confirmations.then(async () => {
      const until = performance.now() + SYN_ANSWER_MS;
      while (syn && packetsOut === before && tun && performance.now() < until) {
        await new Promise((r) => setTimeout(r, 1));
        tun?.pollNow();
      }
      send({ op: 'written' });
    });
    return;
  }
  if (kind !== MESSAGE) return fatal(`unknown frame kind ${kind}`);
  const m = JSON.parse(body.toString('utf8')) as { op: string };
  // Messages are handled one at a time, in order; packets are written at once.
  queue = queue.then(() => onMessage(m)).catch((err: Error) => fatal(`${err.name}: ${err.message}`));
});
process.stdin.on('data', (chunk: Buffer) => reader.push(chunk));
// The parent gone: stop.
process.stdin.on('end', () => {
  tun?.close();
  void run?.cleanup().finally(() => process.exit(process.exitCode ?? 0));
  setTimeout(() => process.exit(process.exitCode ?? 0), 2000).unref();
});
